/**
 * What a failed statement means for the data that was being stored, decided by SQLSTATE class:
 * - `unavailable`: the database could not take it now (connection, timeout, shutdown, resources,
 *   serialization, or anything unknown); a retry may succeed, so the sender is told to retry;
 * - `content`: the database rejects the values themselves (data exceptions, program limits such as
 *   index row size, invalid text or JSON, constraint violations other than races); no retry can
 *   cure it, so the caller stores what it can instead;
 * - `conflict`: another transaction stored the same thing at the same moment (unique or foreign
 *   key violation); running the statement again sees what the other one committed.
 */
export type FailureKind = 'unavailable' | 'content' | 'conflict';

/** SQLSTATE classes whose errors are about the values sent. */
const CONTENT_CLASSES = new Set(['22', '54']);
/** Integrity violations that only a concurrent writer explains. */
const CONFLICT_CODES = new Set(['23505', '23503']);

/** Classifies an error from `pg` (or one without a SQLSTATE: a socket error, a client timeout). */
export function failureKind(err: unknown): FailureKind {
  const code = (err as { code?: unknown } | null)?.code;
  // Node's own errors (ECONNREFUSED, ...) and pg's client-side timeouts have no five-character SQLSTATE.
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return 'unavailable';
  if (CONFLICT_CODES.has(code)) return 'conflict';
  if (CONTENT_CLASSES.has(code.slice(0, 2)) || code.startsWith('23')) return 'content';
  return 'unavailable';
}

/** The database's reason, safe to keep in `detail`: its message, without the values it quotes at length. */
export function contentReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = (e.message ?? String(err)).slice(0, 300);
  return `${message}${e.code ? ` (SQLSTATE ${e.code})` : ''}`;
}

/** Node socket errors that mean the server cannot be reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ENOENT', 'EACCES']);

/**
 * A short reason when `err` is a failure to connect or to log in (refused, unknown host, wrong
 * password, missing database, timeout), else undefined: what the user fixes in a setting.
 */
export function connectionProblem(err: unknown): string | undefined {
  const e = err as { code?: string; message?: string; address?: string; port?: number; errors?: unknown[] } | null;
  if (!e) return undefined;
  const code = e.code ?? '';
  if (UNREACHABLE.has(code)) {
    const inner = (e.errors?.[0] ?? e) as { address?: string; port?: number };
    const where = inner.address ? ` ${inner.address}${inner.port ? `:${inner.port}` : ''}` : '';
    const why = { ECONNREFUSED: 'connection refused', ENOTFOUND: 'unknown host', EAI_AGAIN: 'host name lookup failed', ENOENT: 'no socket' }[code] ?? code;
    return `cannot connect to${where || ' the server'} (${why})`;
  }
  // 28: invalid authorisation; 3D000: no such database; 08: connection exceptions; 57P03: starting up.
  if (/^(28|08)/.test(code) || code === '3D000' || code === '57P03') return (e.message ?? code).split('\n')[0];
  if (/timeout expired|Connection terminated|connect ETIMEDOUT/i.test(e.message ?? '')) return 'the server did not answer in time (--db-timeout-ms)';
  return undefined;
}
