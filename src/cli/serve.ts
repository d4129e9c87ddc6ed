import type { Command } from 'commander';
import { startDaemon } from '../daemon.js';
import { openDatabase } from '../db/pool.js';
import { createLogger } from '../logger.js';
import { asUserError, configOf, EXIT_OK, EXIT_USER_ERROR, withSettings, type CliIo, type SetExitCode } from './context.js';

/** `unmacro serve`: the daemon, until SIGINT or SIGTERM; a second signal exits at once. */
export function registerServe(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  withSettings(program.command('serve'), 'database', 'smtp', 'http', 'retention', 'log')
    .description('receive mail on SMTP and store it until SIGINT/SIGTERM; migrates the database first')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = configOf(cmd, io, {});
      const logger = createLogger(config, io.stderr);
      let signalled: ((signal: string) => void) | undefined;
      const signal = new Promise<string>((resolve) => (signalled = resolve));
      let signals = 0;
      const onSignal = (name: string) => {
        signals += 1;
        if (signals > 1) {
          logger.warn({ signal: name }, 'second signal: exiting without waiting');
          process.exit(EXIT_USER_ERROR);
        }
        signalled?.(name);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const db = await openDatabase(config, logger, { exclusive: true }).catch((err: unknown) => {
          throw asUserError(err, config);
        });
        try {
          logger.info({ database: db.kind, location: db.location }, 'database open');
          const daemon = await startDaemon({ config, logger, db });
          logger.info({ signal: await signal }, 'signal received');
          await daemon.stop();
        } finally {
          await db.close();
        }
        logger.info('stopped');
        setExitCode(EXIT_OK);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
