import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import type { Logger } from '../logger.js';

/** The socket's file name; `psql "host=<data dir>"` finds it under the default port. */
export const SOCKET_NAME = '.s.PGSQL.5432';
/** PGlite's own directory inside the data directory. */
export const PGDATA_NAME = 'pgdata';
/** Socket connections beyond the pool, for `unmacro query`, psql and other commands. */
const EXTRA_CONNECTIONS = 16;
/** How long a command waits for another process that is still opening the data directory. */
const WAIT_FOR_OWNER_MS = 60_000;
const POLL_MS = 200;

/** The embedded database as seen by this process: served by it, or by another process. */
export interface EmbeddedDatabase {
  /** Directory that holds the socket: the `host` for `pg`. */
  readonly socketDir: string;
  /** True when this process runs PGlite; false when it connects to another process's socket. */
  readonly owned: boolean;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Refuse (instead of connecting to it) when another process already serves the directory. */
  readonly exclusive: boolean;
  readonly poolSize: number;
  readonly logger: Logger;
  /** Create the database when the directory has none (serve, db migrate, template add); else refuse. */
  readonly create?: boolean;
}

/**
 * Serves PGlite in `dataDir` on a private unix socket, or, when another unmacro process already
 * serves it, returns that process's socket. Two processes never open PGlite on one directory:
 * PGlite does not lock it, and both would silently lose rows.
 */
export async function openEmbedded(dataDir: string, options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { exclusive, logger } = options;
  const socketPath = path.join(dataDir, SOCKET_NAME);
  if (options.create === false && !existsSync(path.join(dataDir, PGDATA_NAME, 'PG_VERSION')) && !(await socketAnswers(socketPath))) {
    throw new UserError(
      'NO_DATABASE',
      `there is no unmacro database in ${dataDir}: point at one with --data-dir DIR (UNMACRO_DATA_DIR) or --database-url URL (DATABASE_URL)`,
    );
  }
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + WAIT_FOR_OWNER_MS;
  for (;;) {
    if (await socketAnswers(socketPath)) {
      if (exclusive) throw busy(dataDir, `its socket ${socketPath} answers`);
      logger.debug({ socketPath }, 'connecting to the embedded database served by another process');
      return { socketDir: dataDir, owned: false, close: async () => {} };
    }
    const lock = await tryLock(dataDir);
    if (lock) {
      try {
        return await serve(dataDir, socketPath, lock, options);
      } catch (err) {
        lock.close();
        throw err;
      }
    }
    if (exclusive) throw busy(dataDir, 'it is being opened right now');
    if (Date.now() > deadline) {
      throw new UserError('DATA_DIR_BUSY', `gave up waiting for another unmacro process to open ${dataDir}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function serve(dataDir: string, socketPath: string, lock: net.Server, options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { logger } = options;
  // Only the lock holder gets here, so a socket file left now belongs to a dead process.
  if (existsSync(socketPath)) {
    logger.warn({ socketPath }, 'removing the stale socket of a process that did not stop cleanly');
    await fs.rm(socketPath, { force: true });
  }
  const pgdata = path.join(dataDir, PGDATA_NAME);
  await initialise(pgdata, logger);
  const started = Date.now();
  const worker = await startServerThread(pgdata, socketPath, options.poolSize + EXTRA_CONNECTIONS);
  logger.info({ dataDir, ms: Date.now() - started }, 'embedded database open');
  worker.on('error', (err) => logger.error({ err }, 'the embedded database thread failed'));
  let closing: Promise<void> | undefined;
  return {
    socketDir: dataDir,
    owned: true,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => {
          worker.on('message', (m: { type?: string }) => m?.type === 'closed' && resolve());
          worker.once('exit', () => resolve());
        });
        worker.postMessage({ type: 'close' });
        await closed;
        await worker.terminate();
        lock.close();
      })()),
  };
}

/**
 * Runs PGlite and its socket server in a worker thread (see embedded-server.ts) and resolves once
 * the socket accepts connections.
 */
function startServerThread(pgdata: string, socketPath: string, maxConnections: number): Promise<Worker> {
  const self = fileURLToPath(import.meta.url);
  const script = path.join(path.dirname(self), `embedded-server${path.extname(self)}`);
  const url = JSON.stringify(pathToFileURL(script).href);
  // From source (tests, tsx) the worker registers tsx itself: a loader given by --import does not reach workers.
  const code = script.endsWith('.ts') ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${url}); })` : `import(${url})`;
  const worker = new Worker(code, { eval: true, workerData: { pgdata, socketPath, maxConnections }, execArgv: [] });
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the embedded database thread exited (${code}) before it was ready`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (m: { type?: string; message?: string }) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (m?.type === 'ready') return resolve(worker);
      void worker.terminate();
      reject(new Error(`the embedded database could not be opened: ${m?.message ?? 'unknown reason'}`));
    });
  });
}

/** Creates the PGlite data directory in a child process, then moves it into place whole. */
export async function initialise(pgdata: string, logger: Logger): Promise<void> {
  if (existsSync(path.join(pgdata, 'PG_VERSION'))) return;
  if (existsSync(pgdata)) {
    throw new UserError('DATA_DIR_INVALID', `${pgdata} exists but is not a database directory; move it away`);
  }
  const staging = `${pgdata}.init-${process.pid}`;
  await fs.mkdir(path.dirname(pgdata), { recursive: true, mode: 0o700 });
  await fs.rm(staging, { recursive: true, force: true });
  logger.info({ pgdata }, 'creating the embedded database (first start only, takes a few seconds)');
  const started = Date.now();
  await runInitChild(staging);
  await fs.rename(staging, pgdata);
  logger.info({ ms: Date.now() - started }, 'embedded database created');
}

function runInitChild(dir: string): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const script = path.join(path.dirname(self), `embedded-init${path.extname(self)}`);
  // Keep loaders such as tsx (tests run from source), drop the test runner's own flags.
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--test'));
  return new Promise((resolve, reject) => {
    const child = fork(script, [dir], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`initialising the embedded database failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

/** True when something accepts connections on the unix socket. */
export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Takes the data directory's lock: an abstract unix socket named after the directory. The kernel
 * frees it when the process dies, even by kill -9, so a crash never leaves a stale lock, and two
 * processes that both find a stale socket file cannot both remove it and start.
 */
function tryLock(dataDir: string): Promise<net.Server | undefined> {
  return fs.realpath(dataDir).then(
    (real) =>
      new Promise((resolve, reject) => {
        const name = `\0unmacro-${createHash('sha256').update(real).digest('hex').slice(0, 40)}`;
        const server = net.createServer((socket) => socket.destroy());
        server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)));
        server.listen(name, () => resolve(server));
        server.unref();
      }),
  );
}

function busy(dataDir: string, why: string): UserError {
  return new UserError(
    'DATA_DIR_BUSY',
    `data directory ${dataDir} is in use by another unmacro process (${why}); stop it, or use another --data-dir`,
  );
}
