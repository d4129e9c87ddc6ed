import type pg from 'pg';
import type { EventRows } from '../pipeline/event.js';
import { messageInsert, parameters, type NewMessage, type Param } from './messages.js';

/** Where an email event came from. */
export interface EventOrigin {
  readonly receivedAt: Date;
  readonly templateName: string;
  readonly templateVersion: number;
}

/**
 * The CTEs that insert an email event and its children (multi-row, through unnest) for the mail
 * whose id the CTE named `mail` returns. An identical event already stored (same dedup key)
 * inserts nothing: the unique index decides, so two daemons cannot both insert it.
 */
function eventCtes(schema: string, e: EventRows, origin: EventOrigin, $: Param): string {
  const chat = e.chat;
  const answers = e.surveyAnswers;
  const recordings = e.recordings;
  const labels = e.labels;
  return `
  event AS (
    INSERT INTO ${schema}.events (source, event, lsid, lseq, external_key, occurred_at, received_at, mail_id,
                                  template_name, template_version, ambiguous, values, typed, dedup_key)
    SELECT 'email', ${$(e.event)}, ${$(e.lsid)}, ${$(e.lseq)}, ${$(e.externalKey)}, coalesce(${$(e.occurredAt)}::timestamptz, ${$(origin.receivedAt)}::timestamptz),
           ${$(origin.receivedAt)}, mail.id, ${$(origin.templateName)}, ${$(origin.templateVersion)}, ${$(e.ambiguous)}, ${$(e.values)}, ${$(e.typed)}, ${$(e.dedupKey)}
      FROM mail
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING id
  ), chat AS (
    INSERT INTO ${schema}.chat_messages (event_id, seq, sent_at_text, speaker, body)
    SELECT event.id, u.* FROM event, unnest(${$(chat.map((c) => c.seq))}::int[], ${$(chat.map((c) => c.sentAtText))}::text[],
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
 * Inserts a message and, when it has one, its event and children: one statement, one round trip.
 * `prepared` names the statement (only where each connection is its own session).
 * `messageId` is undefined when the delivery was already stored; `eventId` when the event was.
 */
export async function insertMessageWithEvent(
  client: pg.PoolClient,
  schema: string,
  message: NewMessage,
  event: EventRows,
  origin: EventOrigin,
  prepared: boolean,
): Promise<{ messageId: string | undefined; eventId: string | undefined }> {
  const { values, $ } = parameters();
  const sql = `WITH mail AS (${messageInsert(schema, message, $)}),${eventCtes(schema, event, origin, $)}
    SELECT (SELECT id FROM mail) AS "messageId", (SELECT id FROM event) AS "eventId"`;
  // Prepared once per connection on a server, which saves planning this large statement per mail.
  // Not on the embedded database: its connections share one session, and their names would collide.
  const query = prepared ? { name: `unmacro-store-${schema}`, text: sql, values } : { text: sql, values };
  const { rows } = await client.query<{ messageId: string | null; eventId: string | null }>(query);
  return { messageId: rows[0]?.messageId ?? undefined, eventId: rows[0]?.eventId ?? undefined };
}

/** Inserts the event of a stored mail (for reprocessing); resolves with undefined when an identical event exists. */
export async function insertEmailEvent(client: pg.PoolClient, schema: string, mailId: string, event: EventRows, origin: EventOrigin): Promise<string | undefined> {
  const { values, $ } = parameters();
  const sql = `WITH mail AS (SELECT ${$(mailId)}::bigint AS id),${eventCtes(schema, event, origin, $)} SELECT id FROM event`;
  const { rows } = await client.query<{ id: string }>(sql, values);
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
