import { dedupKey } from '../db/events.js';
import { contentReason, failureKind } from '../db/failure.js';
import { insertHttpEvent, storableVariables, type HttpVariables } from '../db/http-events.js';
import type { Database } from '../db/pool.js';
import { StorageUnavailableError } from '../errors.js';
import { Misfits } from './fit.js';

/** Attempts when the same event is stored by another request at the same moment. */
const CONFLICT_ATTEMPTS = 3;

/** What became of one HTTP event. */
export interface HttpIngestResult {
  /** The event's id; undefined when the same event was already stored. */
  readonly id: string | undefined;
  readonly duplicate: boolean;
  /** Values left out of their typed columns, and why. */
  readonly detail: string | null;
}

/**
 * Stores one HTTP event, whatever its values hold: a value that does not fit its column is NULL
 * there and kept in `values`. Throws StorageUnavailableError (503) only when the database is
 * unavailable; content the database still rejects is stored as what fits, with the reason.
 */
export async function ingestHttpEvent(db: Pick<Database, 'pool' | 'schema'>, posted: HttpVariables, receivedAt: Date): Promise<HttpIngestResult> {
  const variables = storableVariables(posted);
  const misfits = new Misfits();
  const name = variables.event ?? '';
  const event = misfits.cut('event', name);
  const lsid = misfits.indexed('lsid', variables.lsid ? variables.lsid.toLowerCase() : null);
  const seconds = variables.timestamp ? Number(variables.timestamp) : NaN;
  const timestamp = variables.timestamp
    ? Number.isFinite(seconds)
      ? misfits.timestamptz('timestamp', new Date(seconds * 1000), variables.timestamp)
      : (misfits.note('timestamp', variables.timestamp, 'is not a number of seconds'), null)
    : null;
  const key = dedupKey('http', variables);
  let row = { event, lsid, externalKey: variables.external_key ?? null, timestamp, variables, dedupKey: key, detail: misfits.detail() };
  for (let attempt = 1; ; attempt++) {
    try {
      const id = await insertHttpEvent(db.pool, db.schema, row, receivedAt);
      return { id, duplicate: id === undefined, detail: row.detail };
    } catch (err) {
      const kind = failureKind(err);
      if (kind === 'conflict' && attempt < CONFLICT_ATTEMPTS) continue;
      if (kind !== 'content' || row.variables.event === undefined) throw new StorageUnavailableError(err);
      // What no check foresaw: keep the event's name and the reason; the dedup key still recognises a retry.
      row = { ...row, lsid: null, externalKey: null, timestamp: null, variables: {}, detail: `the database cannot hold this event as posted: ${contentReason(err)}` };
    }
  }
}
