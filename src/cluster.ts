import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Config } from './config.js';
import { migrate } from './db/migrate.js';
import { waitForDatabase } from './db/wait.js';
import type { Database } from './db/pool.js';
import type { Logger } from './logger.js';
import { checkTokenPolicy } from './ui/security.js';

/** A worker that dies this soon after it started is restarted only after a pause, not in a loop. */
const RESTART_PAUSE_MS = 1_000;
/** Beyond the shutdown timeout, how long the primary waits before it kills a worker. */
const KILL_GRACE_MS = 5_000;
const METRICS_REQUEST = 'unmacro:metrics';

/** True in a process forked by `serve --workers N`. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

/**
 * The primary of `serve --workers N`: it owns the database (on the embedded default, the one
 * process that runs PGlite; workers connect to its socket), migrates it once, forks the workers
 * that share the SMTP and HTTP listeners, restarts one that dies, answers their requests for
 * the cluster's metrics, and on `stopped` stops them all (each finishes its mail in flight).
 */
export async function runPrimary(deps: { config: Config; logger: Logger; db: Database; stopped: Promise<unknown> }): Promise<void> {
  const { config, logger, db } = deps;
  const log = logger.child({ component: 'cluster' });
  // As startDaemon: refuse an open console without a token here, or every worker would fail and be restarted.
  if (config.httpPort !== undefined) checkTokenPolicy(config.httpHost, config.uiToken);
  await waitForDatabase(db, logger, { setting: config.databaseUrl ? 'DATABASE_URL' : `--data-dir ${config.dataDir}`, stopped: deps.stopped });
  await migrate(db.pool, db.schema, logger);
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const fork = () => {
    const started = Date.now();
    const worker = cluster.fork();
    worker.on('message', (message: { type?: string; id?: number }) => {
      if (message?.type !== METRICS_REQUEST) return;
      aggregator.clusterMetrics().then(
        (text) => worker.send({ type: METRICS_REQUEST, id: message.id, text }),
        (err: Error) => worker.send({ type: METRICS_REQUEST, id: message.id, error: err.message }),
      );
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      log.error({ worker: worker.process.pid, code, signal }, 'worker died; starting another');
      setTimeout(fork, Date.now() - started < RESTART_PAUSE_MS ? RESTART_PAUSE_MS : 0);
    });
  };
  for (let i = 0; i < config.workers; i++) fork();
  log.info({ workers: config.workers }, 'workers started');
  await deps.stopped;
  stopping = true;
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          const kill = setTimeout(() => worker.process.kill('SIGKILL'), config.shutdownTimeoutMs + KILL_GRACE_MS);
          worker.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          worker.process.kill('SIGTERM');
        }),
    ),
  );
  log.info('workers stopped');
}

/**
 * In a worker: lets the primary collect this worker's metrics, and returns the function that
 * fetches the whole cluster's (summed over the workers) for `GET /metrics`.
 */
export function clusterMetrics(registry: Registry): () => Promise<string> {
  new AggregatorRegistry(); // installs prom-client's worker-side listener
  AggregatorRegistry.setRegistries([registry]);
  let next = 0;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  process.on('message', (message: { type?: string; id?: number; text?: string; error?: string }) => {
    if (message?.type !== METRICS_REQUEST || message.id === undefined) return;
    const request = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error !== undefined) request?.reject(new Error(message.error));
    else request?.resolve(message.text ?? '');
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      process.send?.({ type: METRICS_REQUEST, id });
    });
}
