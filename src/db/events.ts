import { createHash } from 'node:crypto';
import type pg from 'pg';
import { jsonHasher } from '../hashing.js';
import { messageInsert, parameters, text, type NewMessage, type Param } from './messages.js';

/** The typed relations written at ingest, one per email event. */
export type TypedTable = 'session_end' | 'customer_exit_survey' | 'rep_exit_survey';

/** An event row and its parsed children, ready to insert; every value already fits its column. */
export interface EventRows {
  readonly event: string;
  readonly lsid: string | null;
  /** bigint as text. */
  readonly lseq: string | null;
  readonly externalKey: string | null;
  /** timestamptz input text (see `timestamptzText`), or null. */
  readonly occurredAt: string | null;
  readonly ambiguous: boolean;
  /** Column name → normalised value (NULL for empty or unrendered) of every macro of the template. */
  readonly values: Record<string, string | null>;
  /** Parsed instants of the rendered times, as ISO 8601 (kept in `events.typed`). */
  readonly typed: { start_time: string | null; end_time: string | null };
  /**
   * The row of the event's typed relation: `values` overlaid with `columns` (column → value, only
   * where the typed column differs or is not a macro's), without the columns the insert adds (ids,
   * received_at, template). A long chat is sent once, in `values`.
   */
  readonly typedRow: { readonly table: TypedTable; readonly columns: Readonly<Record<string, string | boolean | null>> } | null;
  /** Values left out of their typed columns, and why; null when everything fit. */
  readonly detail: string | null;
  /** Identifies an identical event from another mail; null when there is no LSID to tie it to a session. */
  readonly dedupKey: Buffer | null;
  readonly chat: readonly { seq: number; timeText: string; speaker: string | null; body: string }[];
  readonly surveyAnswers: readonly { survey: 'customer' | 'representative'; seq: number; question: string; answer: string | null }[];
  readonly recordings: readonly { kind: 'screen_sharing' | 'command_shell'; seq: number; url: string }[];
  readonly labels: readonly { section: 'session_summary' | 'system_information'; seq: number; label: string; value: string | null }[];
}

/** Where an email event came from. */
export interface EventOrigin {
  readonly receivedAt: Date;
  readonly templateName: string;
  readonly templateVersion: number;
}

/**
 * The key of the unique index that makes an identical event a duplicate: `scope` (the event name
 * for mail, `http` for HTTP posts) and every value, in key order.
 */
export function dedupKey(scope: string, values: Readonly<Record<string, string | null>>): Buffer {
  // The digest of `scope \0 JSON.stringify(Object.keys(values).sort().map((k) => [k, values[k]]))`,
  // without that copy of every value (a long chat is tens of megabytes).
  const json = jsonHasher(createHash('sha256').update(scope).update('\0'));
  json.raw('[');
  Object.keys(values).sort().forEach((k, i) => {
    const value = values[k] ?? null;
    json.raw(`${i > 0 ? ',' : ''}[${JSON.stringify(k)},`);
    if (value === null) json.raw('null');
    else json.string(value);
    json.raw(']');
  });
  json.raw(']');
  return json.digest();
}

/**
 * The CTEs that insert an email event and its children (multi-row, through unnest) for the mail
 * whose id the CTE named `mail` returns. An identical event already stored (same dedup key)
 * inserts nothing: the unique index decides, so two daemons cannot both insert it.
 */
function eventCtes(schema: string, e: EventRows, origin: EventOrigin, $: Param, key = $(e.dedupKey)): string {
  const chat = chatInStatement(e) ? e.chat : [];
  const answers = e.surveyAnswers;
  const recordings = e.recordings;
  const labels = e.labels;
  // One parameter for the values, read by the event and by its typed row.
  const values = $(e.values);
  return `
  event AS (
    INSERT INTO ${schema}.events (source, event, lsid, lseq, external_key, occurred_at, received_at, mail_id,
                                  template_name, template_version, ambiguous, values, typed, dedup_key, detail)
    SELECT 'email', ${$(e.event)}, ${$(e.lsid)}, ${$(e.lseq)}::bigint, ${$(e.externalKey)}, coalesce(${$(e.occurredAt)}::timestamptz, ${$(origin.receivedAt)}::timestamptz),
           ${$(origin.receivedAt)}, mail.id, ${$(origin.templateName)}, ${$(origin.templateVersion)}, ${$(e.ambiguous)}, ${values}::jsonb, ${$(e.typed)}, ${key}::bytea,
           ${$(e.detail)}
      FROM mail
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING id
  ),${typedCte(schema, e, origin, $, values)} chat AS (
    INSERT INTO ${schema}.chat_messages (event_id, seq, sent_at_text, speaker, body)
    SELECT event.id, u.* FROM event, unnest(${$(chat.map((c) => c.seq))}::int[], ${$(chat.map((c) => c.timeText))}::text[],
                                           ${$(chat.map((c) => c.speaker))}::text[], ${$(chat.map((c) => c.body))}::text[]) u
  ), answers AS (
    INSERT INTO ${schema}.survey_answers (event_id, survey, seq, question, answer)
    SELECT event.id, u.* FROM event, unnest(${$(answers.map((a) => a.survey))}::text[], ${$(answers.map((a) => a.seq))}::int[],
                                           ${$(answers.map((a) => a.question))}::text[], ${$(answers.map((a) => a.answer))}::text[]) u
  ), recordings AS (
    INSERT INTO ${schema}.recordings (event_id, kind, seq, url)
    SELECT event.id, u.* FROM event, unnest(${$(recordings.map((r) => r.kind))}::text[], ${$(recordings.map((r) => r.seq))}::int[],
                                           ${$(recordings.map((r) => r.url))}::text[]) u
  ), labels AS (
    INSERT INTO ${schema}.event_labels (event_id, section, seq, label, value)
    SELECT event.id, u.* FROM event, unnest(${$(labels.map((l) => l.section))}::text[], ${$(labels.map((l) => l.seq))}::int[],
                                           ${$(labels.map((l) => l.label))}::text[], ${$(labels.map((l) => l.value))}::text[]) u
  )`;
}

/**
 * Most chat lines written by one statement. A longer chat (a session of hours: a 25 MiB mail has
 * ~430,000 lines) goes in statements of this many lines after its event's own, in the same
 * transaction: one statement would carry them all at once as one parameter, and pg builds each
 * statement's message in memory (several copies of it while it grows).
 */
export const CHAT_LINES_PER_STATEMENT = 10_000;

/** Whether the event's own statement writes its chat lines (else `insertLongChat` does, after it). */
export function chatInStatement(e: EventRows): boolean {
  return e.chat.length <= CHAT_LINES_PER_STATEMENT;
}

/** A chat line as the JSON row that `json_to_recordset` reads. */
export function chatRow(c: EventRows['chat'][number]) {
  return { seq: c.seq, sent_at_text: c.timeText, speaker: c.speaker, body: c.body };
}

/**
 * Writes the chat lines of a chat too long for its event's statement (see `chatInStatement`), in
 * statements of CHAT_LINES_PER_STATEMENT lines, for the event of mail `mailId` (none when that
 * mail has no event, e.g. an identical event was already stored). Nothing for a chat the event's
 * statement wrote. Call it in the transaction of the event's statement.
 */
export async function insertLongChat(client: pg.PoolClient, schema: string, mailId: string, e: EventRows): Promise<void> {
  if (chatInStatement(e)) return;
  for (let at = 0; at < e.chat.length; at += CHAT_LINES_PER_STATEMENT) {
    const rows = e.chat.slice(at, at + CHAT_LINES_PER_STATEMENT).map(chatRow);
    await client.query(
      `INSERT INTO ${schema}.chat_messages (event_id, seq, sent_at_text, speaker, body)
       SELECT event.id, c.seq, c.sent_at_text, c.speaker, c.body
         FROM ${schema}.events event, json_to_recordset($2) AS c(seq int, sent_at_text text, speaker text, body text)
        WHERE event.mail_id = $1`,
      [mailId, JSON.stringify(rows)],
    );
  }
}

/**
 * The CTE that writes the event's row of its typed relation (same transaction as the event, so
 * reprocessing replaces both together): the event's values with the typed columns laid over them,
 * each already fitted to its column; `jsonb_populate_record` casts each to its column's type.
 */
function typedCte(schema: string, e: EventRows, origin: EventOrigin, $: Param, values: string): string {
  if (!e.typedRow) return '';
  const table = `${schema}.${e.typedRow.table}`;
  return `
  typed AS (
    INSERT INTO ${table}
    SELECT r.*
      FROM event, mail,
           jsonb_populate_record(NULL::${table}, ${values}::jsonb || ${$(e.typedRow.columns)}::jsonb || jsonb_build_object(
             'event_id', event.id, 'mail_id', mail.id, 'received_at', ${$(origin.receivedAt)}::timestamptz,
             'template_name', ${$(origin.templateName)}::text, 'template_version', ${$(origin.templateVersion)}::int)) r
  ),`;
}

/**
 * Stores a matched mail in ONE statement (one round trip): its event and children, then its
 * message row, whose status says `duplicate` when an identical event was already stored (the
 * unique index on the dedup key decides); a chat too long for one statement follows in statements
 * of its own (`insertLongChat`), so `client` must be in a transaction. When the same delivery is
 * already stored, nothing is written and `messageId` is undefined; `known` is that delivery, when
 * seen. `prepared` names the statement (only where each connection is its own session).
 */
export async function insertMatchedMail(
  client: pg.PoolClient,
  schema: string,
  message: NewMessage,
  event: EventRows,
  origin: EventOrigin,
  prepared: boolean,
): Promise<{ messageId: string | undefined; status: string | undefined; known: string | undefined }> {
  const { values, $ } = parameters();
  const key = $(event.dedupKey);
  // The message id is drawn first, so the event can point at the row inserted after it.
  const sql = `WITH slot AS (SELECT nextval(pg_get_serial_sequence('${schema}.messages', 'id')) AS id),
  known AS (
    SELECT id FROM ${schema}.messages
     WHERE md5(message_id) = md5(${$(text(message.messageId))}::text) AND message_id = ${$(text(message.messageId))} AND content_hash = ${$(message.contentHash)}::bytea AND status <> 'duplicate' LIMIT 1
  ),
  mail AS (SELECT id FROM slot WHERE NOT EXISTS (SELECT 1 FROM known)),
  prior AS (SELECT mail_id FROM ${schema}.events WHERE dedup_key = ${key}::bytea),${eventCtes(schema, event, origin, $, key)},
  message AS (${messageInsert(schema, message, $, {
    id: 'mail.id',
    from: 'FROM mail',
    status: `CASE WHEN EXISTS (SELECT 1 FROM event) THEN ${$(message.status)} ELSE 'duplicate' END`,
    detail: `CASE WHEN EXISTS (SELECT 1 FROM event) THEN ${$(message.detail)}
             ELSE 'identical event to the one of message ' || coalesce((SELECT mail_id::text FROM prior), 'stored at the same time') END`,
    duplicateOf: `CASE WHEN EXISTS (SELECT 1 FROM event) THEN NULL ELSE (SELECT mail_id FROM prior) END`,
  })})
  SELECT (SELECT id FROM message) AS "messageId", (SELECT status FROM message) AS status, (SELECT id FROM known) AS known`;
  // One name per typed relation: the statement's text differs with it.
  const query = prepared ? { name: `unmacro-store-${schema}-${event.typedRow?.table ?? 'none'}`, text: sql, values } : { text: sql, values };
  const { rows } = await client.query<{ messageId: string | null; status: string | null; known: string | null }>(query);
  if (rows[0]?.messageId) await insertLongChat(client, schema, rows[0].messageId, event);
  return { messageId: rows[0]?.messageId ?? undefined, status: rows[0]?.status ?? undefined, known: rows[0]?.known ?? undefined };
}

/** Inserts the event of a stored mail (for reprocessing, in a transaction); resolves with undefined when an identical event exists. */
export async function insertEmailEvent(client: pg.PoolClient, schema: string, mailId: string, event: EventRows, origin: EventOrigin): Promise<string | undefined> {
  const { values, $ } = parameters();
  const sql = `WITH mail AS (SELECT ${$(mailId)}::bigint AS id),${eventCtes(schema, event, origin, $)} SELECT id FROM event`;
  const { rows } = await client.query<{ id: string }>(sql, values);
  if (rows[0]) await insertLongChat(client, schema, mailId, event);
  return rows[0]?.id;
}

/** The mail whose event has this dedup key. */
export async function mailOfEvent(client: pg.Pool | pg.PoolClient, schema: string, dedupKey: Buffer): Promise<string | undefined> {
  const { rows } = await client.query<{ mail_id: string }>(`SELECT mail_id FROM ${schema}.events WHERE dedup_key = $1`, [dedupKey]);
  return rows[0]?.mail_id;
}

/** Removes the event of a mail (its children go with it), for reprocessing. */
export async function deleteEventOfMail(client: pg.PoolClient, schema: string, mailId: string): Promise<void> {
  await client.query(`DELETE FROM ${schema}.events WHERE mail_id = $1`, [mailId]);
}
