import { Command } from 'commander';
import { helpDefault, loadConfig, settingsOf, type Config, type SettingGroup } from '../config.js';
import { connectionProblem } from '../db/failure.js';
import { assertSchemaCurrent, migrate, schemaVersion } from '../db/migrate.js';
import { openDatabase, type Database } from '../db/pool.js';
import { StorageUnavailableError, UnmacroError, UserError } from '../errors.js';
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

/**
 * What a command does with the schema: `check` refuses one that is behind or ahead (every
 * command but these), `migrate` brings it up to date (`db migrate`), `migrate-new` migrates only
 * a database that has no schema yet (`template add`, which may create the database).
 */
export type SchemaPolicy = 'check' | 'migrate' | 'migrate-new' | 'none';

/** Opens the configured database, checks (or migrates) its schema, runs `work`, and closes it. */
export async function withDatabase<T>(
  config: Config,
  io: CliIo,
  work: (db: Database, logger: Logger) => Promise<T>,
  options: { schema?: SchemaPolicy; create?: boolean } = {},
): Promise<T> {
  const logger = createLogger(config, io.stderr);
  const policy = options.schema ?? 'check';
  const database = await openDatabase(config, logger, { create: options.create ?? false }).catch((err: unknown) => {
    throw asUserError(err, config);
  });
  try {
    if (policy === 'migrate' || (policy === 'migrate-new' && (await schemaVersion(database.pool, database.schema)).current === 0)) {
      await migrate(database.pool, database.schema, logger);
    } else if (policy !== 'none') {
      await assertSchemaCurrent(database.pool, database.schema);
    }
    return await work(database, logger);
  } catch (err) {
    throw asUserError(err, config, false);
  } finally {
    await database.close();
  }
}

/** The setting that says where the database is, for messages. */
function databaseSetting(config: Config): string {
  return config.databaseUrl ? 'DATABASE_URL' : `--data-dir ${config.dataDir}`;
}

/**
 * A database that cannot be reached or logged into is something the user fixes: one line naming
 * the setting (`DATABASE_URL: password authentication failed for user "unmacro"`), no stack trace.
 * Other errors pass through unchanged, unless `opening` (then any failure is about the setting).
 */
export function asUserError(err: unknown, config: Config, opening = true): unknown {
  if (err instanceof StorageUnavailableError) {
    // The database went away mid-command (an import, a reprocess): what was committed stays.
    const why = connectionProblem(err.cause) ?? (err.cause as Error | undefined)?.message?.split('\n')[0] ?? 'storage is unavailable';
    return new UserError('DATABASE_UNAVAILABLE', `${databaseSetting(config)}: ${why}`, { cause: err });
  }
  if (err instanceof UnmacroError) return err;
  const problem = connectionProblem(err);
  if (problem) return new UserError('DATABASE_UNAVAILABLE', `${databaseSetting(config)}: ${problem}`, { cause: err });
  if (!opening) return err;
  return new UserError('DATABASE_UNAVAILABLE', `${databaseSetting(config)}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
}
