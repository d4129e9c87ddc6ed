import { createHash } from 'node:crypto';
import type pg from 'pg';
import { chatInStatement, chatRow, insertLongChat, type EventOrigin, type EventRows, type TypedTable } from './events.js';
import { text, type NewMessage } from './messages.js';

/** One mail of a batch: its message row and, when it matched, its event. */
export interface MailRows {
  readonly message: NewMessage;
  readonly event?: { readonly rows: EventRows; readonly origin: EventOrigin };
}

/**
 * Stores a batch of new mails in ONE statement, whatever their number: one INSERT per table, its
 * rows from one JSON parameter (`json_to_recordset`), the raw bytes as binary parameters. As one
 * statement it is one transaction even without BEGIN, and one round trip. Only a chat too long for
 * one statement (see `chatInStatement`) follows in statements of its own, and then the batch is
 * one transaction with BEGIN.
 *
 * There is no ON CONFLICT: a delivery already stored, an identical event or a value the database
 * refuses makes the whole statement fail, and nothing of it is stored. The caller then writes the
 * batch mail by mail (see `storeOrExplain`), where each such case has its own answer. Resolves
 * with each mail's message id, in order. `prepared`: statements may be named (not on the
 * embedded database, whose connections share one session).
 */
export async function insertMails(client: pg.PoolClient, schema: string, mails: readonly MailRows[], prepared = false): Promise<string[]> {
  if (mails.every((m) => !m.event || chatInStatement(m.event.rows))) return insertStatement(client, schema, mails, prepared);
  await client.query('BEGIN');
  try {
    const ids = await insertStatement(client, schema, mails, prepared);
    for (const [i, m] of mails.entries()) if (m.event) await insertLongChat(client, schema, ids[i] as string, m.event.rows);
    await client.query('COMMIT');
    return ids;
  } catch (err) {
    // The caller goes by this error (refused, or connection lost); a lost connection fails the ROLLBACK too.
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function insertStatement(client: pg.PoolClient, schema: string, mails: readonly MailRows[], prepared: boolean): Promise<string[]> {
  const values: unknown[] = [mails.length];
  const param = (value: unknown) => `$${values.push(value)}`;
  const json = (rows: readonly object[]) => param(JSON.stringify(rows));
  const events = mails.flatMap((m, i) => (m.event ? [{ i, ...m.event }] : []));
  const children = <C extends object>(pick: (e: EventRows) => readonly C[]) => events.flatMap(({ i, rows }) => pick(rows).map((c) => ({ i, ...c })));

  const ctes = [
    // The message ids are drawn first (one per mail, in order), so that events can point at them.
    `ids AS MATERIALIZED (SELECT i, nextval(pg_get_serial_sequence('${schema}.messages', 'id')) AS mail_id FROM generate_series(0, $1::int - 1) i)`,
    `raw (i, raw) AS (VALUES ${mails.map((m, i) => `(${i}, ${param(m.message.raw)}::bytea)`).join(', ')})`,
    `message AS (
    INSERT INTO ${schema}.messages (id, received_at, mail_from, rcpt_to, remote_address, message_id, subject, size_bytes, raw, content_hash,
                                   attachments, status, detail, template_name, template_version, alternatives, processed_at)
    OVERRIDING SYSTEM VALUE
    SELECT ids.mail_id, m.received_at, m.mail_from, m.rcpt_to, m.remote_address, m.message_id, m.subject, octet_length(raw.raw), raw.raw,
           decode(m.content_hash, 'hex'), m.attachments, m.status, m.detail, m.template_name, m.template_version, m.alternatives, now()
      FROM json_to_recordset(${json(mails.map(({ message: m }, i) => messageRow(i, m)))}) AS m(
             i int, received_at timestamptz, mail_from text, rcpt_to text[], remote_address text, message_id text, subject text,
             content_hash text, attachments int, status text, detail text, template_name text, template_version int, alternatives int)
      JOIN ids USING (i) JOIN raw USING (i)
  )`,
  ];
  if (events.length > 0) {
    // The events' rows are read twice (events, typed rows): materialised once, and never joined
    // with the children, so that a long chat's values are not read again for each of its lines.
    ctes.push(`e_in AS MATERIALIZED (
    SELECT * FROM json_to_recordset(${json(events.map(({ i, rows, origin }) => eventRow(i, rows, origin)))}) AS e(
             i int, event text, lsid text, lseq bigint, external_key text, occurred_at timestamptz, received_at timestamptz,
             template_name text, template_version int, ambiguous boolean, values jsonb, typed jsonb, dedup_key text, detail text)
  )`);
    ctes.push(`event AS (
    INSERT INTO ${schema}.events (source, event, lsid, lseq, external_key, occurred_at, received_at, mail_id,
                                 template_name, template_version, ambiguous, values, typed, dedup_key, detail)
    SELECT 'email', e.event, e.lsid, e.lseq, e.external_key, coalesce(e.occurred_at, e.received_at), e.received_at, ids.mail_id,
           e.template_name, e.template_version, e.ambiguous, e.values, e.typed, decode(e.dedup_key, 'hex'), e.detail
      FROM e_in e JOIN ids USING (i)
    RETURNING id, mail_id
  )`);
    for (const table of TYPED_TABLES) {
      const typed = events.flatMap(({ i, rows, origin }) => (rows.typedRow?.table === table ? [{ i, row: typedRow(rows, origin) }] : []));
      if (typed.length === 0) continue;
      // The event's values with the typed columns laid over them (see EventRows.typedRow); the
      // relation's own column types decide each cast; the ids come from the rows just inserted.
      ctes.push(`typed_${table} AS (
    INSERT INTO ${schema}.${table}
    SELECT r.*
      FROM json_to_recordset(${json(typed)}) AS t(i int, row jsonb) JOIN ids USING (i) JOIN event ON event.mail_id = ids.mail_id JOIN e_in e USING (i),
           jsonb_populate_record(NULL::${schema}.${table}, e.values || t.row || jsonb_build_object('event_id', event.id, 'mail_id', ids.mail_id)) r
  )`);
    }
    const child = (name: string, table: string, columns: string, rows: readonly object[]) => {
      if (rows.length === 0) return;
      const names = columns.split(',').map((c) => c.trim().split(' ')[0]).join(', ');
      ctes.push(`${name} AS (
    INSERT INTO ${schema}.${table} (event_id, ${names})
    SELECT event.id, ${names}
      FROM json_to_recordset(${json(rows)}) AS c(i int, ${columns}) JOIN ids USING (i) JOIN event ON event.mail_id = ids.mail_id
  )`);
    };
    child('chat', 'chat_messages', 'seq int, sent_at_text text, speaker text, body text', children((e) => (chatInStatement(e) ? e.chat.map(chatRow) : [])));
    child('answers', 'survey_answers', 'survey text, seq int, question text, answer text', children((e) => e.surveyAnswers));
    child('recordings', 'recordings', 'kind text, seq int, url text', children((e) => e.recordings));
    child('labels', 'event_labels', 'section text, seq int, label text, value text', children((e) => e.labels));
  }
  const sql = `WITH ${ctes.join(',\n  ')}\nSELECT mail_id::text AS id FROM ids ORDER BY i`;
  // A lone mail's statement comes in a few shapes: prepared (where each connection is its own
  // session), it is planned once per connection instead of for every mail.
  const name = prepared && mails.length === 1 ? `unmacro-mail-${createHash('sha1').update(sql).digest('hex').slice(0, 16)}` : undefined;
  const { rows } = await client.query<{ id: string }>({ name, text: sql, values });
  return rows.map((r) => r.id);
}

const TYPED_TABLES: readonly TypedTable[] = ['session_end', 'customer_exit_survey', 'rep_exit_survey'];

/** Dates and byte strings as JSON that `json_to_recordset` casts back: ISO 8601 and hex. */
function messageRow(i: number, m: NewMessage) {
  return {
    i,
    received_at: m.receivedAt.toISOString(),
    mail_from: text(m.mailFrom),
    rcpt_to: m.rcptTo.map(text),
    remote_address: text(m.remoteAddress),
    message_id: text(m.messageId),
    subject: text(m.subject),
    content_hash: m.contentHash?.toString('hex') ?? null,
    attachments: m.attachments,
    status: m.status,
    detail: text(m.detail),
    template_name: m.templateName,
    template_version: m.templateVersion,
    alternatives: m.alternatives,
  };
}

function eventRow(i: number, e: EventRows, origin: EventOrigin) {
  return {
    i,
    event: e.event,
    lsid: e.lsid,
    lseq: e.lseq,
    external_key: e.externalKey,
    occurred_at: e.occurredAt,
    received_at: origin.receivedAt.toISOString(),
    template_name: origin.templateName,
    template_version: origin.templateVersion,
    ambiguous: e.ambiguous,
    values: e.values,
    typed: e.typed,
    dedup_key: e.dedupKey?.toString('hex') ?? null,
    detail: e.detail,
  };
}

function typedRow(e: EventRows, origin: EventOrigin) {
  return { ...e.typedRow?.columns, received_at: origin.receivedAt.toISOString(), template_name: origin.templateName, template_version: origin.templateVersion };
}
