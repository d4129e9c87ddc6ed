import type pg from 'pg';

export type MessageStatus = 'extracted' | 'unmatched' | 'ambiguous' | 'duplicate' | 'invalid';

/** A row for `messages`: the raw mail, its envelope and what became of it. */
export interface NewMessage {
  readonly receivedAt: Date;
  readonly mailFrom: string | null;
  readonly rcptTo: readonly string[];
  readonly remoteAddress: string | null;
  readonly messageId: string | null;
  readonly subject: string | null;
  readonly raw: Buffer;
  readonly status: MessageStatus;
  readonly detail: string | null;
}

/** Inserts one message and returns its id (a bigint, as text). */
export async function insertMessage(db: pg.Pool | pg.PoolClient, schema: string, m: NewMessage): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO ${schema}.messages (received_at, mail_from, rcpt_to, remote_address, message_id, subject, size_bytes, status, detail, raw)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     RETURNING id`,
    [m.receivedAt, text(m.mailFrom), m.rcptTo.map(text), text(m.remoteAddress), text(m.messageId), text(m.subject), m.raw.length, m.status, text(m.detail), m.raw],
  );
  return (rows[0] as { id: string }).id;
}

/** PostgreSQL text cannot hold NUL; a header that carries one must not make the mail unstorable. */
export function text<T extends string | null>(value: T): T {
  return (value === null ? value : value.replace(/\0/g, '\uFFFD')) as T;
}
