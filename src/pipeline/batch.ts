import type pg from 'pg';
import type { Database } from '../db/pool.js';
import { StorageUnavailableError } from '../errors.js';

/**
 * Most mails written in one transaction. Each mail's savepoint leaves a subtransaction id until
 * COMMIT; past 64 of them PostgreSQL's per-backend cache overflows and every snapshot slows.
 */
export const BATCH_MAX_MAILS = 48;
/** Most raw bytes written in one transaction (a single larger mail still goes, alone). */
export const BATCH_MAX_BYTES = 16 * 1024 * 1024;
/**
 * Batches of small mails in flight at once. On a two-core machine one is fastest: while it is
 * written, the next batch gathers what arrives, and PostgreSQL and Node each keep a core. With 2
 * or 4, batches only got smaller (measured at 8 and 32 connections: 10-25% fewer mails/s, a
 * higher p99).
 */
export const BATCHES_IN_FLIGHT = 1;
/**
 * A mail this large is written in a lane of its own: its statement takes seconds, and the small
 * mails behind it would wait that long for their 250.
 */
export const LARGE_MAIL_BYTES = 1024 * 1024;

/**
 * Writes one mail inside a batch's transaction. It rejects for this mail alone (the caller has
 * rolled back to its savepoint); a BatchBroken error means the transaction itself is lost.
 */
export type BatchStep<T, R> = (client: pg.PoolClient, item: T) => Promise<R>;

/**
 * Writes every item of a batch in ONE statement (so one transaction without BEGIN, and one round
 * trip), resolving with each item's result in order; it throws when any item cannot be written
 * that way, and then nothing of it is stored.
 */
export type BatchAll<T, R> = (client: pg.PoolClient, items: readonly T[]) => Promise<R[]>;

/** How a batch is written: all at once when that works, else item by item. */
export interface BatchSteps<T, R> {
  readonly all?: BatchAll<T, R>;
  readonly each: BatchStep<T, R>;
}

/** The transaction of a batch cannot go on (a savepoint could not be rolled back to): every mail in it fails. */
export class BatchBroken extends Error {
  constructor(readonly reason: unknown) {
    super('the batch transaction is broken', { cause: reason });
  }
}

/** A mail's result, or its own failure, once its batch has committed. */
export type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/**
 * Writes `items` on one connection and resolves after they are committed, with each item's own
 * result or failure; rejects (StorageUnavailableError) when the batch as a whole fails, and then
 * nothing of it is stored.
 *
 * First all together (`steps.all`, one statement). When the database refuses that statement (a
 * delivery already stored, an identical event, a value it rejects, a conflict), nothing of it was
 * stored, and the items go again one by one in ONE transaction, each behind a savepoint, so that
 * an item's failure is its own. When the statement failed without an answer from the database
 * (connection lost, client timeout), whether it committed is unknown: the batch fails, and the
 * connection is not reused.
 */
export async function writeBatch<T, R>(pool: pg.Pool, items: readonly T[], steps: BatchSteps<T, R>): Promise<Settled<R>[]> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw new StorageUnavailableError(err);
  }
  let broken = false;
  try {
    if (steps.all) {
      try {
        return (await steps.all(client, items)).map((value) => ({ ok: true, value }));
      } catch (err) {
        if (!refusedByServer(err)) {
          broken = true;
          throw new StorageUnavailableError(err);
        }
      }
    }
    return await oneByOne(client, items, steps.each).catch(async (err: unknown) => {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw err instanceof StorageUnavailableError ? err : new StorageUnavailableError(err);
    });
  } finally {
    // A connection that could not even roll back is not given to the next caller.
    client.release(broken || undefined);
  }
}

/** Each item behind its own savepoint, all in one transaction. */
async function oneByOne<T, R>(client: pg.PoolClient, items: readonly T[], step: BatchStep<T, R>): Promise<Settled<R>[]> {
  await client.query('BEGIN');
  const settled: Settled<R>[] = [];
  for (const item of items) {
    try {
      settled.push({ ok: true, value: await step(client, item) });
    } catch (err) {
      if (err instanceof BatchBroken) throw err.reason;
      settled.push({ ok: false, error: err });
    }
  }
  await client.query('COMMIT');
  return settled;
}

/**
 * True when the database answered that the statement failed (an error with a SQLSTATE): its
 * implicit transaction was rolled back. Not for lost connections and shutdowns (class 08, 57),
 * after which the connection is gone.
 */
function refusedByServer(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57)/.test(code);
}

/** Counts of the group commit, for metrics and tests. */
export interface BatchStats {
  readonly transactions: number;
  readonly mails: number;
}

/** Where mails wait to be written: several callers, one transaction in flight. */
export interface GroupCommit<T, R> {
  /** Resolves after the COMMIT of the transaction that wrote `item`. */
  write(item: T): Promise<R>;
  stats(): BatchStats;
}

interface Waiting<T, R> {
  readonly item: T;
  readonly bytes: number;
  resolve(value: R): void;
  reject(err: unknown): void;
}

interface GroupCommitOptions<T, R> {
  readonly db: Pick<Database, 'pool'>;
  readonly steps: BatchSteps<T, R>;
  readonly bytes: (item: T) => number;
  readonly maxMails?: number;
  readonly maxBytes?: number;
  readonly inFlight?: number;
  readonly onBatch?: (mails: number) => void;
}

/**
 * Group commit: a mail that arrives while fewer than `inFlight` batches are being written is
 * written at once; those that arrive while all are busy wait, then go together in the next batch
 * (at most `maxMails` and `maxBytes` of them), so they share one statement and one WAL flush.
 * Mails of LARGE_MAIL_BYTES or more take a second lane, one at a time, beside the first.
 */
export function createGroupCommit<T, R>(options: GroupCommitOptions<T, R>): GroupCommit<T, R> {
  const small = lane(options);
  const large = lane({ ...options, maxMails: 1, inFlight: 1 });
  return {
    write: (item) => (options.bytes(item) >= LARGE_MAIL_BYTES ? large : small).write(item),
    stats: () => {
      const [a, b] = [small.stats(), large.stats()];
      return { transactions: a.transactions + b.transactions, mails: a.mails + b.mails };
    },
  };
}

function lane<T, R>(options: GroupCommitOptions<T, R>): GroupCommit<T, R> {
  const maxMails = options.maxMails ?? BATCH_MAX_MAILS;
  const maxBytes = options.maxBytes ?? BATCH_MAX_BYTES;
  const inFlight = options.inFlight ?? BATCHES_IN_FLIGHT;
  const queue: Waiting<T, R>[] = [];
  let running = 0;
  let transactions = 0;
  let mails = 0;

  function take(): Waiting<T, R>[] {
    let bytes = 0;
    let n = 0;
    while (n < queue.length && n < maxMails && (n === 0 || bytes + (queue[n] as Waiting<T, R>).bytes <= maxBytes)) {
      bytes += (queue[n] as Waiting<T, R>).bytes;
      n += 1;
    }
    return queue.splice(0, n);
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) await writeNext();
    } finally {
      // In the same tick as the last look at the queue: a mail queued from now on starts a new drain.
      running -= 1;
    }
  }

  async function writeNext(): Promise<void> {
    const batch = take();
    transactions += 1;
    mails += batch.length;
    try {
      options.onBatch?.(batch.length);
      const settled = await writeBatch(
        options.db.pool,
        batch.map((w) => w.item),
        options.steps,
      );
      settled.forEach((s, i) => {
        const w = batch[i] as Waiting<T, R>;
        if (s.ok) w.resolve(s.value);
        else w.reject(s.error);
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }

  return {
    write(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, bytes: options.bytes(item), resolve, reject });
        if (running < inFlight) {
          running += 1;
          void drain();
        }
      });
    },
    stats: () => ({ transactions, mails }),
  };
}
