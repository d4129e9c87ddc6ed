import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { loadConfig, settingsOf, type Config, type SettingGroup } from '../config.js';
import { runReadOnlyQuery } from '../commands/query.js';
import { startDaemon } from '../daemon.js';
import { migrate } from '../db/migrate.js';
import { openDatabase, type Database } from '../db/pool.js';
import { UnmacroError, UserError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { FORMATS, formatRows, type OutputFormat } from './format.js';

/** What the CLI reads and writes; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const EXIT_OK = 0;
const EXIT_USER_ERROR = 1;
const EXIT_USAGE = 2;

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs the CLI with `argv` (without node and script) and resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof UserError) {
      io.stderr.write(`unmacro: ${err.message}\n`);
      return EXIT_USER_ERROR;
    }
    io.stderr.write(`unmacro: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_USER_ERROR;
  }
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('unmacro')
    .description('Receives BeyondTrust/Bomgar outbound-event mail and stores every macro value in PostgreSQL.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  withSettings(program.command('serve'), 'database', 'smtp', 'log')
    .description('receive mail on SMTP and store it until SIGINT/SIGTERM; migrates the database first')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = configOf(cmd, io);
      const logger = createLogger(config, io.stderr);
      setExitCode(await serve(config, logger));
    });

  const db = program.command('db').description('database maintenance');
  withSettings(db.command('migrate'), 'database', 'log')
    .description('apply pending migrations')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = configOf(cmd, io, { logLevel: 'warn' });
      await withDatabase(config, io, async (database, logger) => {
        const { applied, current } = await migrate(database.pool, database.schema, logger);
        io.stdout.write(applied.length ? `applied ${applied.length} migration(s); now at version ${current}\n` : `up to date at version ${current}\n`);
      });
    });

  withSettings(program.command('query'), 'database', 'log')
    .description('run one read-only SQL statement and print the rows')
    .argument('<sql>', 'the SQL statement')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .action(async (sql: string, opts: { format: OutputFormat }, cmd: Command) => {
      const config = configOf(cmd, io, { logLevel: 'warn' });
      await withDatabase(config, io, async (database) => {
        const result = await runReadOnlyQuery(database.pool, database.schema, sql).catch((err: unknown) => {
          throw new UserError('QUERY_FAILED', `query failed: ${(err as Error).message}`, { cause: err });
        });
        io.stdout.write(formatRows(result, opts.format));
      });
    });

  return program;
}

/** Adds the flags of the given setting groups; each names its environment variable and default. */
function withSettings(cmd: Command, ...groups: SettingGroup[]): Command {
  for (const setting of settingsOf(...groups)) {
    const defaultText = setting.default === undefined ? '' : `, default ${setting.default}`;
    cmd.option(setting.flag, `${setting.description} (env ${setting.env}${defaultText})`);
  }
  return cmd;
}

function configOf(cmd: Command, io: CliIo, defaults?: Partial<Record<keyof Config, string>>): Config {
  return loadConfig({ flags: cmd.opts(), env: io.env, ...(defaults ? { defaults } : {}) });
}

async function withDatabase(config: Config, io: CliIo, work: (db: Database, logger: Logger) => Promise<void>): Promise<void> {
  const logger = createLogger(config, io.stderr);
  const database = await openDatabase(config, logger).catch((err: unknown) => {
    throw asUserError(err, config);
  });
  try {
    await work(database, logger);
  } finally {
    await database.close();
  }
}

async function serve(config: Config, logger: Logger): Promise<number> {
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
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A database that cannot be reached is something the user fixes: say which one, briefly. */
function asUserError(err: unknown, config: Config): unknown {
  if (err instanceof UnmacroError) return err;
  const where = config.databaseUrl ? 'the database at DATABASE_URL' : `the embedded database in ${config.dataDir}`;
  return new UserError('DATABASE_UNAVAILABLE', `cannot open ${where}: ${(err as Error).message}`, { cause: err });
}
