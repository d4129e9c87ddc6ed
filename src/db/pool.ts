import pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { openEmbedded } from './embedded.js';

/** Client-side margin over the server's statement_timeout, for a server that stopped answering. */
const QUERY_TIMEOUT_GRACE_MS = 2_000;
const IDLE_CLIENT_MS = 30_000;

/** An open database: one `pg.Pool`, whatever serves it. */
export interface Database {
  readonly pool: pg.Pool;
  /**
   * Schema of unmacro's tables. Queries name it rather than rely on search_path: on the embedded
   * database every connection shares one session, so another client's SET would reach ours.
   */
  readonly schema: string;
  /** `server`, `embedded` (served by this process) or `embedded-client` (served by another). */
  readonly kind: 'server' | 'embedded' | 'embedded-client';
  /** Where the data is, for log lines and messages; never contains a password. */
  readonly location: string;
  /** Ends the pool, then stops the embedded database if this process serves it. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** For the daemon: refuse when another process already serves the embedded data directory. */
  readonly exclusive?: boolean;
  /** Create a missing embedded database (default true); false refuses with a message naming --data-dir. */
  readonly create?: boolean;
}

/** Opens the database the configuration names: `databaseUrl`, else the embedded one in `dataDir`. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbSchema' | 'dbPoolSize' | 'dbTimeoutMs'> & Partial<Pick<Config, 'workers'>>,
  logger: Logger,
  options: OpenOptions = {},
): Promise<Database> {
  const common: pg.PoolConfig = {
    max: config.dbPoolSize,
    connectionTimeoutMillis: config.dbTimeoutMs,
    idleTimeoutMillis: IDLE_CLIENT_MS,
    statement_timeout: config.dbTimeoutMs,
    query_timeout: config.dbTimeoutMs + QUERY_TIMEOUT_GRACE_MS,
    options: `-c search_path=${config.dbSchema}`,
    application_name: 'unmacro',
  };
  if (config.databaseUrl) {
    const pool = watch(new pg.Pool({ ...common, connectionString: config.databaseUrl }), logger);
    return { pool, schema: config.dbSchema, kind: 'server', location: redactUrl(config.databaseUrl), close: once(() => pool.end()) };
  }
  const embedded = await openEmbedded(config.dataDir, {
    exclusive: options.exclusive ?? false,
    create: options.create ?? true,
    // Every worker of `serve --workers N` has a pool of its own on this socket, as has the primary.
    poolSize: config.dbPoolSize * ((config.workers ?? 1) + 1),
    logger,
  });
  const pool = watch(new pg.Pool({ ...common, host: embedded.socketDir, user: 'postgres', database: 'postgres' }), logger);
  return {
    pool,
    schema: config.dbSchema,
    kind: embedded.owned ? 'embedded' : 'embedded-client',
    location: config.dataDir,
    close: once(async () => {
      await pool.end();
      await embedded.close();
    }),
  };
}

/**
 * A connection whose server goes away emits 'error': on the pool while idle, on the client while
 * checked out between queries. Unheard, either would crash the process; the query in flight, if
 * any, fails by itself and the mail gets a 451.
 */
function watch(pool: pg.Pool, logger: Logger): pg.Pool {
  pool.on('error', (err) => logger.warn({ err }, 'idle database connection lost'));
  pool.on('connect', (client) => client.on('error', (err) => logger.warn({ err }, 'database connection lost')));
  return pool;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database URL)';
  }
}
