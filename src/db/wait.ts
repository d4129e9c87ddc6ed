import { UnmacroError, UserError } from '../errors.js';
import type { Logger } from '../logger.js';
import { connectionProblem } from './failure.js';
import type { Database } from './pool.js';

/** Backoff between attempts to reach the database: doubles from the first to the last. */
const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 10_000;

/** Thrown when `stopped` resolves while waiting: the daemon never started, which is no error. */
export class StoppedWhileWaiting extends UnmacroError {
  constructor() {
    super('STOPPED', 'stopped while waiting for the database');
  }
}

/**
 * Resolves once the database answers. While it is unreachable (refused, timed out, starting up),
 * retries with backoff and logs one line when it becomes unavailable and one when it is back, not
 * one per attempt. A failure no retry can cure (a wrong password, a missing database) throws a
 * UserError naming `setting`, so the operator sees one line, not a process that waits forever.
 */
export async function waitForDatabase(
  db: Pick<Database, 'pool' | 'location'>,
  logger: Logger,
  options: { setting: string; stopped?: Promise<unknown> },
): Promise<void> {
  let delay = FIRST_RETRY_MS;
  let waiting = false;
  let stopped = false;
  void options.stopped?.then(() => (stopped = true));
  for (;;) {
    try {
      await db.pool.query('SELECT 1');
      if (waiting) logger.info({ location: db.location }, 'database available');
      return;
    } catch (err) {
      const problem = connectionProblem(err) ?? (err as Error).message;
      const code = (err as { code?: string }).code ?? '';
      if (/^28/.test(code) || code === '3D000') throw new UserError('DATABASE_UNAVAILABLE', `${options.setting}: ${problem}`, { cause: err });
      if (!waiting) logger.warn({ location: db.location, reason: problem }, 'database unavailable; waiting for it (retrying with backoff)');
      waiting = true;
    }
    if (stopped) throw new StoppedWhileWaiting();
    await Promise.race([new Promise((resolve) => setTimeout(resolve, delay).unref()), options.stopped]);
    if (stopped) throw new StoppedWhileWaiting();
    delay = Math.min(delay * 2, LAST_RETRY_MS);
  }
}
