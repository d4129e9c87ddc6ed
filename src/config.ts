import path from 'node:path';
import { ConfigError } from './errors.js';

/** The validated, frozen settings every component receives. */
export interface Config {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly dbSchema: string;
  readonly dbPoolSize: number;
  readonly dbTimeoutMs: number;
  readonly smtpHost: string;
  readonly smtpPort: number;
  readonly smtpMaxBytes: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'auto' | 'json' | 'pretty';
export type SettingGroup = 'database' | 'smtp' | 'log';

/** One setting: its flag, its environment variable, its default and how to read it. */
export interface Setting<K extends keyof Config = keyof Config> {
  readonly key: K;
  readonly group: SettingGroup;
  /** Commander flag, e.g. `--smtp-port <port>`; its camelCase attribute is `key`. */
  readonly flag: string;
  readonly env: string;
  readonly default: string | undefined;
  readonly description: string;
  /** Returns the typed value, or a string saying what is wrong with `raw`. */
  readonly parse: (raw: string) => { value: Config[K] } | { problem: string };
}

const MIB = 1024 * 1024;

function integer(min: number, max: number, what: string) {
  return (raw: string) => {
    const n = Number(raw.trim());
    if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      return { problem: `${JSON.stringify(raw)} is not ${what} (a whole number from ${min} to ${max})` };
    }
    return { value: n };
  };
}

function oneOf<T extends string>(choices: readonly T[]) {
  return (raw: string) =>
    (choices as readonly string[]).includes(raw)
      ? { value: raw as T }
      : { problem: `${JSON.stringify(raw)} is not one of ${choices.join(', ')}` };
}

function nonEmpty(raw: string): { value: string } | { problem: string } {
  return raw.trim() === '' ? { problem: 'must not be empty' } : { value: raw.trim() };
}

function databaseUrl(raw: string) {
  if (raw.trim() === '') return { value: undefined };
  try {
    const url = new URL(raw.trim());
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      return { problem: `must start with postgres:// or postgresql:// (got ${url.protocol}//)` };
    }
    return { value: raw.trim() };
  } catch {
    return { problem: 'is not a URL such as postgres://user:password@host:5432/database' };
  }
}

function schemaName(raw: string) {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(raw)
    ? { value: raw }
    : { problem: `${JSON.stringify(raw)} is not a plain lower-case SQL identifier (a-z, 0-9, _)` };
}

function define<K extends keyof Config>(setting: Setting<K>): Setting<K> {
  return setting;
}

/** Every setting unmacro knows, in the order `--help` and the README list them. */
export const SETTINGS: readonly Setting[] = [
  define({
    key: 'databaseUrl', group: 'database', flag: '--database-url <url>', env: 'DATABASE_URL', default: undefined,
    description: 'PostgreSQL server to use; without it, the embedded database in --data-dir',
    parse: databaseUrl,
  }),
  define({
    key: 'dataDir', group: 'database', flag: '--data-dir <dir>', env: 'UNMACRO_DATA_DIR', default: './data',
    description: 'directory of the embedded database (used when no database URL is set)',
    parse: (raw) => {
      const r = nonEmpty(raw);
      return 'value' in r ? { value: path.resolve(r.value) } : r;
    },
  }),
  define({
    key: 'dbSchema', group: 'database', flag: '--db-schema <name>', env: 'UNMACRO_DB_SCHEMA', default: 'public',
    description: 'schema that holds the tables and views', parse: schemaName,
  }),
  define({
    key: 'dbPoolSize', group: 'database', flag: '--db-pool-size <n>', env: 'UNMACRO_DB_POOL_SIZE', default: '10',
    description: 'database connections at most', parse: integer(1, 1000, 'a pool size'),
  }),
  define({
    key: 'dbTimeoutMs', group: 'database', flag: '--db-timeout-ms <ms>', env: 'UNMACRO_DB_TIMEOUT_MS', default: '15000',
    description: 'longest wait for a connection or a statement before the mail gets a 451',
    parse: integer(100, 600_000, 'a timeout in milliseconds'),
  }),
  define({
    key: 'smtpHost', group: 'smtp', flag: '--smtp-host <host>', env: 'UNMACRO_SMTP_HOST', default: '127.0.0.1',
    description: 'address the SMTP server listens on', parse: nonEmpty,
  }),
  define({
    key: 'smtpPort', group: 'smtp', flag: '--smtp-port <port>', env: 'UNMACRO_SMTP_PORT', default: '2525',
    description: 'SMTP port (0 picks a free one)', parse: integer(0, 65535, 'a port number'),
  }),
  define({
    key: 'smtpMaxBytes', group: 'smtp', flag: '--smtp-max-bytes <bytes>', env: 'UNMACRO_SMTP_MAX_BYTES', default: String(25 * MIB),
    description: 'largest message accepted (advertised as SIZE)', parse: integer(1024, 1024 * MIB, 'a size in bytes'),
  }),
  define({
    key: 'logLevel', group: 'log', flag: '--log-level <level>', env: 'UNMACRO_LOG_LEVEL', default: 'info',
    description: 'trace, debug, info, warn, error, fatal or silent',
    parse: oneOf<LogLevel>(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  }),
  define({
    key: 'logFormat', group: 'log', flag: '--log-format <format>', env: 'UNMACRO_LOG_FORMAT', default: 'auto',
    description: 'json, pretty, or auto (pretty on a terminal, JSON otherwise)',
    parse: oneOf<LogFormat>(['auto', 'json', 'pretty']),
  }),
];

/** Where raw setting values come from: parsed command-line flags (by key) and the environment. */
export interface ConfigSources {
  readonly flags?: Partial<Record<keyof Config, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults that differ for one command, e.g. a quieter log level outside `serve`. */
  readonly defaults?: Partial<Record<keyof Config, string>>;
}

/**
 * Reads every setting (flag, then environment variable, then default), validates all of them,
 * and throws one ConfigError naming each bad setting.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const flags = sources.flags ?? {};
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const setting of SETTINGS) {
    const flagValue = flags[setting.key];
    const [raw, from] =
      flagValue !== undefined
        ? [String(flagValue), setting.flag.split(' ')[0]]
        : env[setting.env] !== undefined
          ? [env[setting.env] as string, setting.env]
          : [sources.defaults?.[setting.key] ?? setting.default, 'default'];
    if (raw === undefined) {
      values[setting.key] = undefined;
      continue;
    }
    const result = setting.parse(raw);
    if ('problem' in result) problems.push(`${from}: ${result.problem}`);
    else values[setting.key] = result.value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values) as unknown as Config;
}

/** The settings of the given groups, for commands that add their flags. */
export function settingsOf(...groups: SettingGroup[]): Setting[] {
  return SETTINGS.filter((s) => groups.includes(s.group));
}
