import type pg from 'pg';
import { text } from './messages.js';

/** An HTTP outbound event: every posted variable, empty or unrendered ones as null. */
export type HttpVariables = Readonly<Record<string, string | null>>;

/** An HTTP event ready to insert; every typed value already fits its column. */
export interface HttpEventRow {
  /** The event name for `events.event` (cut to what its index holds); `http_events.event` gets the whole name. */
  readonly event: string;
  readonly lsid: string | null;
  readonly externalKey: string | null;
  /** timestamptz input text, or null. */
  readonly timestamp: string | null;
  /** Every variable as posted (text PostgreSQL can hold). */
  readonly variables: HttpVariables;
  readonly dedupKey: Buffer;
  /** Values left out of their typed columns, and why. */
  readonly detail: string | null;
}

/** Variables as text PostgreSQL can hold (no NUL, no lone surrogate), keys too. */
export function storableVariables(v: HttpVariables): Record<string, string | null> {
  return Object.fromEntries(Object.entries(v).map(([k, value]) => [text(k), value === null ? null : text(value)]));
}

/**
 * Stores one HTTP event in one statement (so one transaction): its `events` row and its
 * `http_events` row. Identical variables posted again (the appliance retries until it gets a
 * 200) insert nothing; resolves with the event id, or undefined for such a duplicate.
 */
export async function insertHttpEvent(db: pg.Pool, schema: string, row: HttpEventRow, receivedAt: Date): Promise<string | undefined> {
  const get = (k: string) => row.variables[k] ?? null;
  const { rows } = await db.query<{ id: string }>(
    `WITH event AS (
       INSERT INTO ${schema}.events (source, event, lsid, external_key, occurred_at, received_at, values, dedup_key, detail)
       VALUES ('http', $1, $2, $3, $4::timestamptz, $5, $6, $7, $16)
       ON CONFLICT (dedup_key) DO NOTHING
       RETURNING id
     ), http AS (
       INSERT INTO ${schema}.http_events (event_id, event, version, "timestamp", lsid, external_key, conference_id, conference_name,
                                          type, name, user_id, username, display_name)
       SELECT event.id, $17, $8, $4::timestamptz, $2, $3, $9, $10, $11, $12, $13, $14, $15 FROM event
     )
     SELECT id FROM event`,
    [row.event, row.lsid, row.externalKey, row.timestamp, receivedAt, row.variables, row.dedupKey, get('version'), get('conference_id'),
     get('conference_name'), get('type'), get('name'), get('user_id'), get('username'), get('display_name'), row.detail, get('event') ?? row.event],
  );
  return rows[0]?.id;
}
