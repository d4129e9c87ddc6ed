import type { Command } from 'commander';
import { isWorker, runPrimary } from '../cluster.js';
import { loadConfig, type Config } from '../config.js';
import { startDaemon } from '../daemon.js';
import { openDatabase } from '../db/pool.js';
import { StoppedWhileWaiting } from '../db/wait.js';
import { createLogger, type Logger } from '../logger.js';
import { asUserError, EXIT_OK, EXIT_USER_ERROR, withSettings, type CliIo, type SetExitCode } from './context.js';

/**
 * `unmacro serve`: the daemon, until SIGINT or SIGTERM; a second signal exits at once. With
 * `--workers N` this process becomes the cluster's primary and N forked copies of it serve.
 */
export function registerServe(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  withSettings(program.command('serve'), 'database', 'smtp', 'http', 'retention', 'log')
    .description('receive mail (SMTP) and outbound events (HTTP POST /events) and store them until SIGINT/SIGTERM; migrates the database first')
    .action(async (_opts: unknown, cmd: Command) => {
      // Every setting, the TLS files included, is checked before the database opens.
      const config = loadConfig({ flags: cmd.optsWithGlobals(), env: io.env, checkFiles: true });
      const logger = createLogger(config, io.stderr).child(isWorker() ? { worker: process.pid } : {});
      const stopped = untilSignal(logger, isWorker());
      try {
        const db = await openDatabase(config, logger, { exclusive: !isWorker() }).catch((err: unknown) => {
          throw asUserError(err, config);
        });
        try {
          logger.info({ database: db.kind, location: db.location }, 'database open');
          if (config.workers > 1 && !isWorker()) {
            await runPrimary({ config, logger, db, stopped: stopped.signal }).catch((err: unknown) => {
              if (!(err instanceof StoppedWhileWaiting)) throw err;
            });
          } else {
            await serveHere(config, logger, db, stopped.signal);
          }
        } finally {
          await db.close();
        }
        logger.info('stopped');
        setExitCode(EXIT_OK);
      } finally {
        stopped.dispose();
      }
    });
}

async function serveHere(config: Config, logger: Logger, db: Awaited<ReturnType<typeof openDatabase>>, stopped: Promise<string>): Promise<void> {
  const daemon = await startDaemon({ config, logger, db, inCluster: isWorker(), stopped }).catch((err: unknown) => {
    if (err instanceof StoppedWhileWaiting) return undefined; // a signal while the database was still away
    throw err;
  });
  if (!daemon) return;
  logger.info({ signal: await stopped }, 'signal received');
  await daemon.stop();
}

/**
 * Resolves on the first SIGINT or SIGTERM; a second one exits at once. A worker obeys only its
 * primary's SIGTERM: a Ctrl-C reaches the whole process group, and the primary passes it on.
 */
function untilSignal(logger: Logger, worker: boolean): { signal: Promise<string>; dispose(): void } {
  let signalled: ((signal: string) => void) | undefined;
  const signal = new Promise<string>((resolve) => (signalled = resolve));
  let signals = 0;
  const onSignal = (name: string) => {
    if (worker && name === 'SIGINT') return;
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal: name }, 'second signal: exiting without waiting');
      process.exit(EXIT_USER_ERROR);
    }
    signalled?.(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
