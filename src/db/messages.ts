import type pg from 'pg';

export type MessageStatus = 'extracted' | 'unmatched' | 'ambiguous' | 'duplicate' | 'invalid';
export const MESSAGE_STATUSES: readonly MessageStatus[] = ['extracted', 'unmatched', 'ambiguous', 'duplicate', 'invalid'];

/** What became of a mail: its status and, when it has one, the template that matched it. */
export interface MessageOutcome {
  readonly status: MessageStatus;
  readonly detail: string | null;
  readonly templateName: string | null;
  readonly templateVersion: number | null;
  readonly alternatives: number | null;
  readonly duplicateOf?: string | null;
}

/** A row for `messages`: the raw mail, its envelope, its decoded headers and its outcome. */
export interface NewMessage extends MessageOutcome {
  readonly receivedAt: Date;
  readonly mailFrom: string | null;
  readonly rcptTo: readonly string[];
  readonly remoteAddress: string | null;
  readonly messageId: string | null;
  readonly subject: string | null;
  readonly raw: Buffer;
  readonly contentHash: Buffer | null;
  readonly attachments: number;
}

type Db = pg.Pool | pg.PoolClient;

/** Collects statement parameters and returns each one's placeholder, so SQL can be built in pieces. */
export type Param = (value: unknown) => string;

/** A statement's parameters and the function that adds one. */
export function parameters(): { values: unknown[]; $: Param } {
  const values: unknown[] = [];
  return { values, $: (value) => (values.push(value), `$${values.length}`) };
}

/** SQL expressions that replace a message's own values, for an INSERT that computes them. */
export interface MessageInsertOverrides {
  readonly id?: string;
  readonly status?: string;
  readonly detail?: string;
  readonly duplicateOf?: string;
  /** Rows to insert from (`FROM slot`); one row when absent. */
  readonly from?: string;
}

/** The INSERT of one message; a delivery already stored (same Message-ID and content) inserts nothing. */
export function messageInsert(schema: string, m: NewMessage, $: Param, o: MessageInsertOverrides = {}): string {
  return `INSERT INTO ${schema}.messages (${o.id ? 'id, ' : ''}received_at, mail_from, rcpt_to, remote_address, message_id, subject, size_bytes, raw,
                                   content_hash, attachments, status, detail, template_name, template_version,
                                   alternatives, duplicate_of, processed_at)
   ${o.id ? 'OVERRIDING SYSTEM VALUE' : ''}
   -- The raw bytes travel as they are: pg sends a Buffer as a binary parameter, without a copy in text.
   SELECT ${o.id ? `${o.id}, ` : ''}${$(m.receivedAt)}::timestamptz, ${$(text(m.mailFrom))}, ${$(m.rcptTo.map(text))}::text[], ${$(text(m.remoteAddress))},
          ${$(text(m.messageId))}, ${$(text(m.subject))}, ${$(m.raw.length)}::int, ${$(m.raw)}::bytea,
          ${$(m.contentHash)}::bytea, ${$(m.attachments)}::int, ${o.status ?? `${$(m.status)}`}, ${o.detail ?? `${$(text(m.detail))}`},
          ${$(m.templateName)}, ${$(m.templateVersion)}::int, ${$(m.alternatives)}::int, ${o.duplicateOf ?? `${$(m.duplicateOf ?? null)}::bigint`}, now()
   ${o.from ?? ''}
   ON CONFLICT (md5(message_id), content_hash) WHERE status <> 'duplicate' DO NOTHING
   RETURNING id, status`;
}

/**
 * Inserts one message. Resolves with its id, or with undefined when a delivery with the same
 * Message-ID and content is already stored (the unique index decides, across daemons too).
 */
export async function insertMessage(db: Db, schema: string, m: NewMessage): Promise<{ id: string; status: MessageStatus } | undefined> {
  const { values, $ } = parameters();
  const { rows } = await db.query<{ id: string; status: MessageStatus }>(messageInsert(schema, m, $), values);
  return rows[0];
}

/** The stored (non-duplicate) delivery with this Message-ID and content. */
export async function findDelivery(db: Db, schema: string, messageId: string, contentHash: Buffer): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM ${schema}.messages WHERE md5(message_id) = md5($1) AND message_id = $1 AND content_hash = $2 AND status <> 'duplicate'`,
    [text(messageId), contentHash],
  );
  return rows[0]?.id;
}

/** Records a new outcome for a stored message (after reprocessing, or when its event proved a duplicate). */
export async function updateOutcome(db: Db, schema: string, id: string, o: MessageOutcome): Promise<void> {
  await db.query(
    `UPDATE ${schema}.messages
        SET status = $2, detail = $3, template_name = $4, template_version = $5, alternatives = $6, duplicate_of = $7, processed_at = now()
      WHERE id = $1`,
    [id, o.status, text(o.detail), o.templateName, o.templateVersion, o.alternatives, o.duplicateOf ?? null],
  );
}

/**
 * Text PostgreSQL can hold: NUL and lone UTF-16 surrogates (a JSON `"\ud800"`) become U+FFFD.
 * Text and jsonb reject both, and no retry would cure it.
 */
export function text<T extends string | null>(value: T): T {
  // Nearly every value is already fine: two native scans instead of the regular expression.
  if (value === null || (!value.includes('\0') && (value as string & { isWellFormed(): boolean }).isWellFormed())) return value;
  return (value.replace(/\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')) as T;
}

/** Filters of `unmacro messages`. */
export interface MessageFilter {
  readonly statuses?: readonly MessageStatus[];
  readonly template?: string;
  readonly since?: Date;
  readonly until?: Date;
  readonly limit: number;
}

/** Stored mail, newest first, with the event's LSID when there is one. */
export async function listMessages(db: Db, schema: string, f: MessageFilter) {
  const { rows } = await db.query(
    `SELECT m.id, m.received_at, m.status, m.template_name AS template, m.template_version AS version, e.lsid, m.subject, m.detail
       FROM ${schema}.messages m LEFT JOIN ${schema}.events e ON e.mail_id = m.id
      WHERE ($1::text[] IS NULL OR m.status = ANY($1)) AND ($2::text IS NULL OR m.template_name = $2)
        AND ($3::timestamptz IS NULL OR m.received_at >= $3) AND ($4::timestamptz IS NULL OR m.received_at < $4)
      ORDER BY m.id DESC LIMIT $5`,
    [f.statuses ?? null, f.template ?? null, f.since ?? null, f.until ?? null, f.limit],
  );
  return rows as { id: string; received_at: Date; status: MessageStatus; template: string | null; version: number | null; lsid: string | null; subject: string | null; detail: string | null }[];
}

/** One stored mail with its event's values, or undefined. */
export async function getMessage(db: Db, schema: string, id: string) {
  const { rows } = await db.query(
    `SELECT m.id, m.received_at, m.mail_from, m.rcpt_to, m.remote_address, m.message_id, m.subject, m.size_bytes, m.attachments,
            m.status, m.template_name, m.template_version, m.alternatives, m.duplicate_of, m.detail, m.raw,
            e.id AS event_id, e.event, e.values
       FROM ${schema}.messages m LEFT JOIN ${schema}.events e ON e.mail_id = m.id
      WHERE m.id = $1`,
    [id],
  );
  return rows[0] as
    | {
        id: string; received_at: Date; mail_from: string | null; rcpt_to: string[]; remote_address: string | null; message_id: string | null;
        subject: string | null; size_bytes: number; attachments: number; status: MessageStatus; template_name: string | null;
        template_version: number | null; alternatives: number | null; duplicate_of: string | null; detail: string | null; raw: Buffer | null;
        event_id: string | null; event: string | null; values: Record<string, string | null> | null;
      }
    | undefined;
}

/** Stored mail waiting for a template (unmatched or ambiguous). */
export async function unmatchedBacklog(db: Db, schema: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.messages WHERE status IN ('unmatched', 'ambiguous')`);
  return Number(rows[0]?.n ?? 0);
}

/** A stored mail with its event's values, as reprocessing reads it. */
export interface StoredMail {
  id: string;
  raw: Buffer | null;
  rcpt_to: string[];
  received_at: Date;
  status: MessageStatus;
  template_name: string | null;
  template_version: number | null;
  values: Record<string, string | null> | null;
}

/** The next `limit` stored mails after id `after`, with the given statuses and received in [since, until). */
export async function storedMailBatch(
  db: Db,
  schema: string,
  f: { statuses: readonly MessageStatus[]; after: string; since: Date | undefined; until: Date | undefined; limit: number },
): Promise<StoredMail[]> {
  const { rows } = await db.query<StoredMail>(
    `SELECT m.id, m.raw, m.rcpt_to, m.received_at, m.status, m.template_name, m.template_version, e.values
       FROM ${schema}.messages m LEFT JOIN ${schema}.events e ON e.mail_id = m.id
      WHERE m.status = ANY($1) AND m.id > $2
        AND ($3::timestamptz IS NULL OR m.received_at >= $3) AND ($4::timestamptz IS NULL OR m.received_at < $4)
      ORDER BY m.id LIMIT $5`,
    [f.statuses, f.after, f.since ?? null, f.until ?? null, f.limit],
  );
  return rows;
}
