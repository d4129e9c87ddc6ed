/**
 * The console's read queries (src/ui). Every list is bounded: a time range on an indexed column,
 * or keyset paging on `id`, so pages stay fast with millions of rows.
 */
import type pg from 'pg';

type Db = Pick<pg.Pool, 'query'>;

export type Bucket = 'hour' | 'day';

/** Mail counts by status per hour or day since `since`. */
export async function mailByStatus(db: Db, schema: string, since: Date, bucket: Bucket) {
  const { rows } = await db.query<{ at: Date; status: string; n: number }>(
    // date_bin from a UTC origin: UTC hours and days, and cheaper than date_trunc with a zone.
    `SELECT date_bin('1 ${bucket === 'hour' ? 'hour' : 'day'}', received_at, '2000-01-01 00:00:00+00') AS at, status, count(*)::int AS n
       FROM ${schema}.messages WHERE received_at >= $1 GROUP BY 1, 2 ORDER BY 1`,
    [since],
  );
  return rows;
}

/** Mail per template (NULL: no template) and status since `since`. */
export async function mailByTemplate(db: Db, schema: string, since: Date) {
  const { rows } = await db.query<{ template: string | null; status: string; n: number; last: Date }>(
    `SELECT template_name AS template, status, count(*)::int AS n, max(received_at) AS last
       FROM ${schema}.messages WHERE received_at >= $1 GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2`,
    [since],
  );
  return rows;
}

/** The last event of each kind (a skip scan over the (event, received_at) index). */
export async function lastEventOfEachKind(db: Db, schema: string) {
  const { rows } = await db.query<{ event: string; source: string; last: Date }>(
    `WITH RECURSIVE kinds AS (
       (SELECT event FROM ${schema}.events ORDER BY event LIMIT 1)
       UNION ALL
       SELECT (SELECT e.event FROM ${schema}.events e WHERE e.event > k.event ORDER BY e.event LIMIT 1) FROM kinds k WHERE k.event IS NOT NULL
     )
     SELECT k.event, l.source, l.received_at AS last FROM kinds k
       CROSS JOIN LATERAL (SELECT source, received_at FROM ${schema}.events e WHERE e.event = k.event ORDER BY received_at DESC LIMIT 1) l
      WHERE k.event IS NOT NULL ORDER BY k.event`,
  );
  return rows;
}

/** Senders (sites) of mail since `since` and when each was last heard from. */
export async function senders(db: Db, schema: string, since: Date) {
  const { rows } = await db.query<{ sender: string | null; last: Date; n: number }>(
    `SELECT coalesce(mail_from, remote_address) AS sender, max(received_at) AS last, count(*)::int AS n
       FROM ${schema}.messages WHERE received_at >= $1 GROUP BY 1 ORDER BY 2 DESC LIMIT 50`,
    [since],
  );
  return rows;
}

/** Mail waiting for a template: unmatched and ambiguous (a partial index holds them). */
export async function backlog(db: Db, schema: string) {
  const { rows } = await db.query<{ status: string; n: number; oldest: Date | null }>(
    `SELECT status, count(*)::int AS n, min(received_at) AS oldest FROM ${schema}.messages
      WHERE status IN ('unmatched', 'ambiguous') GROUP BY 1 ORDER BY 1`,
  );
  return rows;
}

/** Filters of the message list. */
export interface MessageQuery {
  readonly status?: string | undefined;
  readonly template?: string | undefined;
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  /** An LSID (32 hex digits, exact) or part of a customer or representative name. */
  readonly search?: string | undefined;
  /** Keyset: rows with a smaller id (older), or with a larger id (newer). */
  readonly before?: string | undefined;
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface MessageRow {
  id: string;
  received_at: Date;
  status: string;
  template_name: string | null;
  template_version: number | null;
  subject: string | null;
  mail_from: string | null;
  lsid: string | null;
  customer: string | null;
  representative: string | null;
}

/**
 * One page of messages, newest first, by keyset on id (never OFFSET). Fetches one row more than
 * `limit` to know whether there is a further page.
 */
export async function listMessages(db: Db, schema: string, q: MessageQuery): Promise<{ rows: MessageRow[]; more: boolean }> {
  const params: unknown[] = [];
  const $ = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (q.status) where.push(`m.status = ${$(q.status)}`);
  if (q.template) where.push(`m.template_name = ${$(q.template)}`);
  if (q.since) where.push(`m.received_at >= ${$(q.since)}`);
  if (q.until) where.push(`m.received_at < ${$(q.until)}`);
  const search = q.search?.trim();
  if (search) {
    if (/^[0-9a-f]{32}$/i.test(search)) where.push(`e.lsid = ${$(search.toLowerCase())}`);
    else {
      const like = $(`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(
        `(e.values ->> 'customer_name' ILIKE ${like} OR e.values ->> 'primary_rep_private_display_name' ILIKE ${like}` +
          ` OR e.values ->> 'primary_rep_public_display_name' ILIKE ${like} OR e.values ->> 'primary_rep_user_name' ILIKE ${like})`,
      );
    }
  }
  const newer = q.after !== undefined && q.before === undefined;
  if (q.before !== undefined) where.push(`m.id < ${$(q.before)}::bigint`);
  if (newer) where.push(`m.id > ${$(q.after)}::bigint`);
  const { rows } = await db.query<MessageRow>(
    `SELECT m.id, m.received_at, m.status, m.template_name, m.template_version, m.subject, m.mail_from, e.lsid,
            e.values ->> 'customer_name' AS customer,
            coalesce(e.values ->> 'primary_rep_private_display_name', e.values ->> 'primary_rep_user_name') AS representative
       FROM ${schema}.messages m LEFT JOIN ${schema}.events e ON e.mail_id = m.id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY m.id ${newer ? 'ASC' : 'DESC'} LIMIT ${$(q.limit + 1)}`,
    params,
  );
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  return { rows: newer ? page.reverse() : page, more };
}

export interface MessageDetail {
  id: string;
  received_at: Date;
  mail_from: string | null;
  rcpt_to: string[];
  remote_address: string | null;
  message_id: string | null;
  subject: string | null;
  size_bytes: number;
  status: string;
  template_name: string | null;
  template_version: number | null;
  detail: string | null;
  duplicate_of: string | null;
  has_raw: boolean;
  event_id: string | null;
  event: string | null;
  lsid: string | null;
  values: Record<string, string | null> | null;
}

/** One stored mail with its event, without the raw bytes. */
export async function getMessage(db: Db, schema: string, id: string): Promise<MessageDetail | undefined> {
  const { rows } = await db.query<MessageDetail>(
    `SELECT m.id, m.received_at, m.mail_from, m.rcpt_to, m.remote_address, m.message_id, m.subject, m.size_bytes, m.status,
            m.template_name, m.template_version, m.detail, m.duplicate_of, m.raw IS NOT NULL AS has_raw,
            e.id AS event_id, e.event, e.lsid, e.values
       FROM ${schema}.messages m LEFT JOIN ${schema}.events e ON e.mail_id = m.id
      WHERE m.id = $1::bigint`,
    [id],
  );
  return rows[0];
}

/** The raw bytes of a stored mail (undefined: unknown id; null: removed by retention). */
export async function rawMessage(db: Db, schema: string, id: string): Promise<{ raw: Buffer | null; rcpt_to: string[] } | undefined> {
  const { rows } = await db.query<{ raw: Buffer | null; rcpt_to: string[] }>(`SELECT raw, rcpt_to FROM ${schema}.messages WHERE id = $1::bigint`, [id]);
  return rows[0];
}

/** The received_at of a message, for reprocessing exactly its instant. */
export async function receivedAt(db: Db, schema: string, id: string): Promise<{ received_at: Date; status: string } | undefined> {
  const { rows } = await db.query<{ received_at: Date; status: string }>(`SELECT received_at, status FROM ${schema}.messages WHERE id = $1::bigint`, [id]);
  return rows[0];
}

export interface TemplateSummary {
  name: string;
  event: string;
  latest: number;
  active_version: number | null;
  versions: number;
  matches: number;
}

/** Every template name: newest and active version, number of versions, events made. */
export async function templateSummaries(db: Db, schema: string): Promise<TemplateSummary[]> {
  const { rows } = await db.query<TemplateSummary>(
    `SELECT t.name, (array_agg(t.event ORDER BY t.version DESC))[1] AS event, max(t.version) AS latest,
            max(t.version) FILTER (WHERE t.active) AS active_version, count(*)::int AS versions,
            coalesce((SELECT count(*)::int FROM ${schema}.events e WHERE e.template_name = t.name), 0) AS matches
       FROM ${schema}.templates t GROUP BY t.name ORDER BY t.name`,
  );
  return rows;
}

/** Every template name (for filters). */
export async function templateNames(db: Db, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(`SELECT DISTINCT name FROM ${schema}.templates ORDER BY name`);
  return rows.map((r) => r.name);
}

export interface TemplateVersion {
  name: string;
  version: number;
  event: string;
  active: boolean;
  created_at: Date;
  source: string;
  file_name: string | null;
  matches: number;
}

/** Every version of one template, newest first, with the events each made. */
export async function templateVersions(db: Db, schema: string, name: string): Promise<TemplateVersion[]> {
  const { rows } = await db.query<TemplateVersion>(
    `SELECT t.name, t.version, t.event, t.active, t.created_at, t.source, t.file_name, coalesce(c.n, 0)::int AS matches
       FROM ${schema}.templates t
       LEFT JOIN (SELECT template_version, count(*) AS n FROM ${schema}.events WHERE template_name = $1 GROUP BY 1) c ON c.template_version = t.version
      WHERE t.name = $1 ORDER BY t.version DESC`,
    [name],
  );
  return rows;
}

/** Sessions (session_end rows) per UTC day since `since`. */
export async function sessionsPerDay(db: Db, schema: string, since: Date) {
  const { rows } = await db.query<{ day: string; sessions: number }>(
    `SELECT (coalesce(end_time, received_at) AT TIME ZONE 'UTC')::date::text AS day, count(*)::int AS sessions
       FROM ${schema}.session_end WHERE received_at >= $1 GROUP BY 1 ORDER BY 1`,
    [since],
  );
  return rows;
}

/**
 * Sessions per representative since `since`, with average and 90th-percentile duration (seconds),
 * and the same over all sessions: one scan (GROUPING SETS) for both.
 */
export async function sessionsPerRepresentative(db: Db, schema: string, since: Date) {
  const { rows } = await db.query<{ representative: string | null; overall: boolean; sessions: number; avg_seconds: number | null; p90_seconds: number | null }>(
    `SELECT coalesce(primary_rep_private_display_name, primary_rep_user_name, '(none)') AS representative,
            grouping(coalesce(primary_rep_private_display_name, primary_rep_user_name, '(none)')) = 1 AS overall, count(*)::int AS sessions,
            round(avg(extract(epoch FROM end_time - start_time)))::float8 AS avg_seconds,
            round(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM end_time - start_time)))::float8 AS p90_seconds
       FROM ${schema}.session_end WHERE received_at >= $1
      GROUP BY GROUPING SETS ((1), ())`,
    [since],
  );
  const overall = rows.find((r) => r.overall) ?? { sessions: 0, avg_seconds: null, p90_seconds: null };
  const perRep = rows.filter((r) => !r.overall).sort((a, b) => b.sessions - a.sessions || String(a.representative).localeCompare(String(b.representative))).slice(0, 500);
  return { overall: { sessions: overall.sessions, avg_seconds: overall.avg_seconds, p90_seconds: overall.p90_seconds }, perRep: perRep.map((r) => ({ ...r, representative: r.representative ?? '(none)' })) };
}

/** Survey answers per question and answer since `since`. */
export async function surveyAnswers(db: Db, schema: string, since: Date) {
  const { rows } = await db.query<{ survey: string; question: string; answer: string | null; n: number }>(
    `SELECT a.survey, a.question, a.answer, count(*)::int AS n
       FROM ${schema}.survey_answers a JOIN ${schema}.events e ON e.id = a.event_id
      WHERE e.received_at >= $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 4 DESC, 3 LIMIT 2000`,
    [since],
  );
  return rows;
}

/** The source of one template version. */
export async function templateSource(db: Db, schema: string, name: string, version: number): Promise<{ source: string; file_name: string | null } | undefined> {
  const { rows } = await db.query<{ source: string; file_name: string | null }>(
    `SELECT source, file_name FROM ${schema}.templates WHERE name = $1 AND version = $2`,
    [name, version],
  );
  return rows[0];
}

/** The active (else newest) source of a template name. */
export async function currentTemplateSource(db: Db, schema: string, name: string): Promise<string | undefined> {
  const { rows } = await db.query<{ source: string }>(
    `SELECT source FROM ${schema}.templates WHERE name = $1 ORDER BY active DESC, version DESC LIMIT 1`,
    [name],
  );
  return rows[0]?.source;
}
