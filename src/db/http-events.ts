import type pg from 'pg';
import { dedupKey } from './events.js';
import { text } from './messages.js';

/** An HTTP outbound event: every posted variable, empty or unrendered ones as null. */
export type HttpVariables = Readonly<Record<string, string | null>>;

/**
 * Stores one HTTP event in one statement (so one transaction): its `events` row and its
 * `http_events` row. Identical variables posted again (the appliance retries until it gets a
 * 200) insert nothing; resolves with the event id, or undefined for such a duplicate.
 */
export async function insertHttpEvent(db: pg.Pool, schema: string, v: HttpVariables, receivedAt: Date): Promise<string | undefined> {
  const variables = Object.fromEntries(Object.entries(v).map(([k, value]) => [text(k), value === null ? null : text(value)]));
  const key = dedupKey('http', variables);
  const seconds = Number(variables.timestamp);
  const at = variables.timestamp && Number.isFinite(seconds) ? new Date(seconds * 1000) : null;
  const lsid = variables.lsid ? variables.lsid.toLowerCase() : null;
  const get = (k: string) => variables[k] ?? null;
  const { rows } = await db.query<{ id: string }>(
    `WITH event AS (
       INSERT INTO ${schema}.events (source, event, lsid, external_key, occurred_at, received_at, values, dedup_key)
       VALUES ('http', $1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (dedup_key) DO NOTHING
       RETURNING id
     ), http AS (
       INSERT INTO ${schema}.http_events (event_id, event, version, "timestamp", lsid, external_key, conference_id, conference_name,
                                          type, name, user_id, username, display_name)
       SELECT event.id, $1, $8, $4, $2, $3, $9, $10, $11, $12, $13, $14, $15 FROM event
     )
     SELECT id FROM event`,
    [get('event'), lsid, get('external_key'), at, receivedAt, variables, key, get('version'), get('conference_id'),
     get('conference_name'), get('type'), get('name'), get('user_id'), get('username'), get('display_name')],
  );
  return rows[0]?.id;
}
