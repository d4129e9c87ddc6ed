import { Command } from 'commander';
import { helpDefault, loadConfig, settingsOf, type Config, type SettingGroup } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openDatabase, type Database } from '../db/pool.js';
import { UnmacroError, UserError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';

/** What the CLI reads and writes; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A command's exit code when it has something to report besides success (lint errors, say). */
export type SetExitCode = (code: number) => void;

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;

/** Adds the flags of the given setting groups; each names its environment variable and default. */
export function withSettings(cmd: Command, ...groups: SettingGroup[]): Command {
  for (const setting of settingsOf(...groups)) {
    const shown = helpDefault(setting);
    const defaultText = shown === undefined ? '' : `, default ${shown}`;
    cmd.option(setting.flag, `${setting.description} (env ${setting.env}${defaultText})`);
  }
  return cmd;
}

/** The validated config of a command: its flags, then the environment, then the defaults (quieter logs outside serve). */
export function configOf(cmd: Command, io: CliIo, defaults: Partial<Record<keyof Config, string>> = { logLevel: 'warn' }): Config {
  // With globals: `messages show` sees flags that the parser gave to `messages`.
  return loadConfig({ flags: cmd.optsWithGlobals(), env: io.env, defaults });
}

/** Opens the configured database (migrated unless told not to), runs `work`, and closes it. */
export async function withDatabase<T>(
  config: Config,
  io: CliIo,
  work: (db: Database, logger: Logger) => Promise<T>,
  options: { migrate?: boolean } = { migrate: true },
): Promise<T> {
  const logger = createLogger(config, io.stderr);
  const database = await openDatabase(config, logger).catch((err: unknown) => {
    throw asUserError(err, config);
  });
  try {
    if (options.migrate) await migrate(database.pool, database.schema, logger);
    return await work(database, logger);
  } finally {
    await database.close();
  }
}

/** A database that cannot be reached is something the user fixes: say which one, briefly. */
export function asUserError(err: unknown, config: Config): unknown {
  if (err instanceof UnmacroError) return err;
  const where = config.databaseUrl ? 'the database at DATABASE_URL' : `the embedded database in ${config.dataDir}`;
  return new UserError('DATABASE_UNAVAILABLE', `cannot open ${where}: ${(err as Error).message}`, { cause: err });
}
