import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clusterMetrics } from './cluster.js';
import type { Config } from './config.js';
import { migrate } from './db/migrate.js';
import type { Database } from './db/pool.js';
import { pruneRawMail } from './db/retention.js';
import { waitForDatabase } from './db/wait.js';
import { createHttpReceiver, type HttpReceiver } from './http/server.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { loadCatalog } from './pipeline/catalog.js';
import { createMailWriter, ingestMail } from './pipeline/ingest.js';
import { createSmtpReceiver } from './smtp/server.js';
import { createConsole, type Console } from './ui/console.js';
import { checkTokenPolicy } from './ui/security.js';

/** How often the daemon applies the retention setting. */
const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

/** A running daemon. */
export interface Daemon {
  readonly smtp: AddressInfo;
  /** Undefined when the HTTP receiver is off. */
  readonly http: AddressInfo | undefined;
  readonly metrics: Metrics;
  /** Stops intake and waits (bounded) for work in flight. The database stays open: its opener closes it. */
  stop(): Promise<void>;
}

/**
 * Answers /healthz (503 until ready), waits for the database, migrates it, loads the templates,
 * then receives mail (SMTP) and events (HTTP). Throws StoppedWhileWaiting when `stopped` resolves
 * before the database could be reached.
 */
export async function startDaemon(deps: { config: Config; logger: Logger; db: Database; inCluster?: boolean; stopped?: Promise<unknown> }): Promise<Daemon> {
  const { config, logger, db } = deps;
  // The console refuses to be reachable from other machines without a token: before anything changes.
  if (config.httpPort !== undefined) checkTokenPolicy(config.httpHost, config.uiToken);
  const metrics = createMetrics(db);
  let ready = false;
  // The console needs the templates, which load once the database answers: until then /ui is 503.
  let ui: Console | undefined;
  const uiHandler = {
    handle: async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (ui) return ui.handle(req, res);
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end('the console is waiting for the database\n');
    },
  };
  const metricsText = deps.inCluster ? clusterMetrics(metrics.registry) : undefined;
  const http: HttpReceiver | undefined =
    config.httpPort === undefined
      ? undefined
      : createHttpReceiver({ config, logger, db, metrics, ready: () => ready, ui: uiHandler, ...(metricsText ? { metricsText } : {}) });
  let catalog: Awaited<ReturnType<typeof loadCatalog>>;
  let httpAddress: AddressInfo | undefined;
  try {
    httpAddress = await http?.start();
    const setting = config.databaseUrl ? 'DATABASE_URL' : `--data-dir ${config.dataDir}`;
    await waitForDatabase(db, logger, { setting, ...(deps.stopped ? { stopped: deps.stopped } : {}) });
    await migrate(db.pool, db.schema, logger);
    catalog = await loadCatalog(db, logger);
  } catch (err) {
    await http?.stop();
    throw err;
  }
  if (http) ui = createConsole({ config, logger, db, catalog });
  // Mails whose DATA ends while a transaction is in flight share the next one (group commit).
  const writer = createMailWriter(db, { onBatch: (mails) => metrics.batch(mails) });
  const smtp = createSmtpReceiver({
    config,
    logger,
    sink: async (mail) => {
      // Only an unavailable database throws (content the database rejects is stored as invalid): 451.
      const result = await ingestMail({ db, templates: catalog.current(), writer }, mail).catch((err: unknown) => {
        metrics.temporaryFailure('smtp');
        throw err;
      });
      metrics.mail(result);
      return result;
    },
    onOverBudget: () => metrics.temporaryFailure('smtp'),
  });
  let retention: NodeJS.Timeout | undefined;
  const stop = async () => {
    logger.info('stopping: no new mail or events, waiting for those in flight');
    await Promise.all([smtp.stop(), http?.stop()]);
    catalog.stop();
    clearInterval(retention);
  };
  try {
    catalog.start();
    const smtpAddress = await smtp.start();
    ready = true;
    retention = config.retentionDays > 0 ? startRetention(config.retentionDays, db, logger) : undefined;
    let stopping: Promise<void> | undefined;
    return { smtp: smtpAddress, http: httpAddress, metrics, stop: () => (stopping ??= stop()) };
  } catch (err) {
    await stop();
    throw err;
  }
}

function startRetention(days: number, db: Database, logger: Logger): NodeJS.Timeout {
  const log = logger.child({ component: 'retention' });
  const run = () =>
    pruneRawMail(db, days).then(
      (pruned) => pruned > 0 && log.info({ pruned, days }, 'raw mail removed by the retention setting'),
      (err: unknown) => log.warn({ err }, 'retention run failed; will try again'),
    );
  void run();
  const timer = setInterval(run, RETENTION_INTERVAL_MS);
  timer.unref();
  return timer;
}
