import { readFileSync } from 'node:fs';
import net from 'node:net';
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
  /** Mail bytes held at once over all connections (received, not yet answered); past it, 451. */
  readonly smtpMaxBytesInFlight: number;
  /** Client networks allowed to connect (CIDR), for SMTP and, unless httpAllow is set, HTTP. */
  readonly smtpAllow: readonly string[];
  /** Accepted envelope recipients (addresses, or `@domain`); empty accepts any. */
  readonly smtpRecipients: readonly string[];
  readonly smtpTlsCert: string | undefined;
  readonly smtpTlsKey: string | undefined;
  readonly smtpRequireTls: boolean;
  /** `user:password` pairs for AUTH PLAIN/LOGIN; empty means no AUTH. */
  readonly smtpUsers: readonly { user: string; password: string }[];
  readonly smtpAuthInsecure: boolean;
  readonly smtpMaxClients: number;
  readonly smtpMaxMessages: number;
  readonly smtpMaxRecipients: number;
  readonly smtpSocketTimeoutMs: number;
  /** Connections from one client address at once. */
  readonly smtpMaxClientsPerAddress: number;
  /** Longest time a connection may go without progress (MAIL, RCPT, DATA, AUTH; not NOOP or RSET). */
  readonly smtpIdleTimeoutMs: number;
  /** Near the connection limits, a connection without progress for this long makes room for a new one. */
  readonly smtpStressIdleMs: number;
  /** Bytes per second a DATA transfer must average once the socket timeout's allowance is used up. */
  readonly smtpMinDataRate: number;
  /** Failed AUTH attempts on one connection before it is closed. */
  readonly smtpAuthMaxFailures: number;
  readonly shutdownTimeoutMs: number;
  /** Processes sharing the listeners (node:cluster); 1 runs everything in one process. */
  readonly workers: number;
  readonly httpHost: string;
  /** undefined: no HTTP receiver. */
  readonly httpPort: number | undefined;
  readonly httpMaxBytes: number;
  readonly httpAllow: readonly string[] | undefined;
  /** Console (/ui) access token; required when the HTTP listener is not on loopback. */
  readonly uiToken: string | undefined;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly retentionDays: number;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'auto' | 'json' | 'pretty';
export type SettingGroup = 'database' | 'smtp' | 'http' | 'log' | 'retention';

/** One setting: its flag, its environment variable, its default and how to read it. */
export interface Setting<K extends keyof Config = keyof Config> {
  readonly key: K;
  readonly group: SettingGroup;
  /** Commander flag, e.g. `--smtp-port <port>`; its camelCase attribute is `key`. */
  readonly flag: string;
  readonly env: string;
  readonly default: string | undefined;
  /** How `--help` and the README show the default when the value alone would not say it. */
  readonly defaultText?: string;
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

function boolean(raw: string) {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return { value: true };
  if (['0', 'false', 'no', 'off', ''].includes(v)) return { value: false };
  return { problem: `${JSON.stringify(raw)} is not true or false` };
}

function list(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Comma-separated CIDR blocks (`10.0.0.0/8`, `::1/128`) or single addresses. */
function cidrList(raw: string): { value: string[] } | { problem: string } {
  const bad = list(raw).filter((entry) => {
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = net.isIP(address);
    if (family === 0 || rest.length > 0) return true;
    if (prefix === undefined) return false;
    const bits = Number(prefix);
    return !/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128);
  });
  return bad.length > 0 ? { problem: `not CIDR blocks: ${bad.join(', ')} (expected e.g. 127.0.0.0/8,::1/128)` } : { value: list(raw) };
}

function recipients(raw: string): { value: string[] } | { problem: string } {
  const entries = list(raw).map((r) => r.toLowerCase());
  const bad = entries.filter((r) => !/^[^@\s]*@[^@\s]+$/.test(r));
  return bad.length > 0 ? { problem: `not addresses or @domains: ${bad.join(', ')}` } : { value: entries };
}

function users(raw: string): { value: { user: string; password: string }[] } | { problem: string } {
  const pairs = list(raw).map((entry) => {
    const colon = entry.indexOf(':');
    return colon > 0 ? { user: entry.slice(0, colon), password: entry.slice(colon + 1) } : undefined;
  });
  // Never echo the value: it holds passwords.
  return pairs.some((p) => !p || p.password === '') ? { problem: 'expected user:password pairs separated by commas' } : { value: pairs as { user: string; password: string }[] };
}

function optionalPath(raw: string) {
  return raw.trim() === '' ? { value: undefined } : { value: path.resolve(raw.trim()) };
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
    description: 'longest wait for a database connection or a statement',
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
    key: 'smtpMaxBytesInFlight', group: 'smtp', flag: '--smtp-max-bytes-in-flight <bytes>', env: 'UNMACRO_SMTP_MAX_BYTES_IN_FLIGHT', default: String(256 * MIB),
    description: 'mail bytes held at once over all connections, received and not yet answered; a mail that would pass it is drained and gets 451, so the sender retries; at least --smtp-max-bytes',
    parse: integer(1024, 64 * 1024 * MIB, 'a size in bytes'),
  }),
  define({
    key: 'smtpAllow', group: 'smtp', flag: '--smtp-allow <cidrs>', env: 'UNMACRO_SMTP_ALLOW', default: '127.0.0.0/8,::1/128',
    description: 'client networks allowed to connect, comma-separated CIDR blocks; others get 554', parse: cidrList,
  }),
  define({
    key: 'smtpRecipients', group: 'smtp', flag: '--smtp-recipients <list>', env: 'UNMACRO_SMTP_RECIPIENTS', default: '',
    defaultText: 'any',
    description: 'accepted recipients (addresses or @domains), comma-separated; others get 550 5.1.1; empty accepts any',
    parse: recipients,
  }),
  define({
    key: 'smtpTlsCert', group: 'smtp', flag: '--smtp-tls-cert <file>', env: 'UNMACRO_SMTP_TLS_CERT', default: undefined,
    description: 'PEM certificate (chain) for STARTTLS; needs --smtp-tls-key', parse: optionalPath,
  }),
  define({
    key: 'smtpTlsKey', group: 'smtp', flag: '--smtp-tls-key <file>', env: 'UNMACRO_SMTP_TLS_KEY', default: undefined,
    description: 'PEM private key for STARTTLS; needs --smtp-tls-cert', parse: optionalPath,
  }),
  define({
    key: 'smtpRequireTls', group: 'smtp', flag: '--smtp-require-tls [bool]', env: 'UNMACRO_SMTP_REQUIRE_TLS', default: 'false',
    description: 'refuse mail (530) until the client has used STARTTLS; needs --smtp-tls-cert and --smtp-tls-key', parse: boolean,
  }),
  define({
    key: 'smtpUsers', group: 'smtp', flag: '--smtp-users <pairs>', env: 'UNMACRO_SMTP_USERS', default: '',
    defaultText: 'none',
    description: 'user:password pairs for AUTH PLAIN/LOGIN, comma-separated; when set, AUTH is required (needs TLS, or --smtp-auth-insecure)', parse: users,
  }),
  define({
    key: 'smtpAuthInsecure', group: 'smtp', flag: '--smtp-auth-insecure [bool]', env: 'UNMACRO_SMTP_AUTH_INSECURE', default: 'false',
    description: 'offer AUTH without TLS (passwords in clear text on the wire)', parse: boolean,
  }),
  define({
    key: 'smtpMaxClients', group: 'smtp', flag: '--smtp-max-clients <n>', env: 'UNMACRO_SMTP_MAX_CLIENTS', default: '100',
    description: 'SMTP connections at once; more get 421', parse: integer(1, 100_000, 'a number of clients'),
  }),
  define({
    key: 'smtpMaxMessages', group: 'smtp', flag: '--smtp-max-messages <n>', env: 'UNMACRO_SMTP_MAX_MESSAGES', default: '1000',
    description: 'messages on one connection before it must reconnect', parse: integer(1, 1_000_000, 'a number of messages'),
  }),
  define({
    key: 'smtpMaxRecipients', group: 'smtp', flag: '--smtp-max-recipients <n>', env: 'UNMACRO_SMTP_MAX_RECIPIENTS', default: '100',
    description: 'recipients of one message', parse: integer(1, 10_000, 'a number of recipients'),
  }),
  define({
    key: 'smtpSocketTimeoutMs', group: 'smtp', flag: '--smtp-socket-timeout-ms <ms>', env: 'UNMACRO_SMTP_SOCKET_TIMEOUT_MS', default: '60000',
    description: 'time without a byte from the client after which an SMTP connection is closed', parse: integer(1000, 3_600_000, 'a timeout in milliseconds'),
  }),
  define({
    key: 'smtpMaxClientsPerAddress', group: 'smtp', flag: '--smtp-max-clients-per-address <n>', env: 'UNMACRO_SMTP_MAX_CLIENTS_PER_ADDRESS', default: '50',
    description: 'SMTP connections from one client address at once; more get 421 (unless an idle one of that address makes room)',
    parse: integer(1, 100_000, 'a number of clients'),
  }),
  define({
    key: 'smtpIdleTimeoutMs', group: 'smtp', flag: '--smtp-idle-timeout-ms <ms>', env: 'UNMACRO_SMTP_IDLE_TIMEOUT_MS', default: '120000',
    description: 'time without progress (MAIL, RCPT, DATA or AUTH; NOOP and RSET do not count) after which a connection gets 421 and is closed',
    parse: integer(1000, 3_600_000, 'a timeout in milliseconds'),
  }),
  define({
    key: 'smtpStressIdleMs', group: 'smtp', flag: '--smtp-stress-idle-ms <ms>', env: 'UNMACRO_SMTP_STRESS_IDLE_MS', default: '10000',
    description: 'when connections reach 80% of --smtp-max-clients, or a client address its limit, connections without progress for this long are closed with 421 to make room',
    parse: integer(100, 3_600_000, 'a time in milliseconds'),
  }),
  define({
    key: 'smtpMinDataRate', group: 'smtp', flag: '--smtp-min-data-rate <bytes>', env: 'UNMACRO_SMTP_MIN_DATA_RATE', default: '500',
    description: 'bytes per second a message (DATA) must arrive at: each byte buys 1/rate s, up to --smtp-socket-timeout-ms ahead; slower transfers get 421',
    parse: integer(1, 1024 * MIB, 'a rate in bytes per second'),
  }),
  define({
    key: 'smtpAuthMaxFailures', group: 'smtp', flag: '--smtp-auth-max-failures <n>', env: 'UNMACRO_SMTP_AUTH_MAX_FAILURES', default: '3',
    description: 'failed AUTH attempts on one connection before it gets 421 and is closed; each failure is answered after a 1 s delay',
    parse: integer(1, 100, 'a number of attempts'),
  }),
  define({
    key: 'shutdownTimeoutMs', group: 'smtp', flag: '--shutdown-timeout-ms <ms>', env: 'UNMACRO_SHUTDOWN_TIMEOUT_MS', default: '10000',
    description: 'how long a stopping daemon waits for mail in flight', parse: integer(0, 600_000, 'a timeout in milliseconds'),
  }),
  define({
    key: 'workers', group: 'smtp', flag: '--workers <n>', env: 'UNMACRO_WORKERS', default: '1',
    description: 'processes that share the SMTP and HTTP listeners (node:cluster); 1 runs everything in one process',
    parse: integer(1, 64, 'a number of processes'),
  }),
  define({
    key: 'httpHost', group: 'http', flag: '--http-host <host>', env: 'UNMACRO_HTTP_HOST', default: '127.0.0.1',
    description: 'address the HTTP receiver listens on', parse: nonEmpty,
  }),
  define({
    key: 'httpPort', group: 'http', flag: '--http-port <port>', env: 'UNMACRO_HTTP_PORT', default: '8025',
    description: 'HTTP port for POST /events, /healthz and /metrics (0 picks a free one, off disables it)',
    parse: (raw) => (raw.trim().toLowerCase() === 'off' ? { value: undefined } : integer(0, 65535, 'a port number or off')(raw)),
  }),
  define({
    key: 'httpMaxBytes', group: 'http', flag: '--http-max-bytes <bytes>', env: 'UNMACRO_HTTP_MAX_BYTES', default: String(MIB),
    description: 'largest request body; larger ones get 413', parse: integer(1024, 64 * MIB, 'a size in bytes'),
  }),
  define({
    key: 'httpAllow', group: 'http', flag: '--http-allow <cidrs>', env: 'UNMACRO_HTTP_ALLOW', default: undefined,
    defaultText: 'the SMTP allow list',
    description: 'client networks allowed to use HTTP; others get 403', parse: cidrList,
  }),
  define({
    key: 'uiToken', group: 'http', flag: '--ui-token <token>', env: 'UNMACRO_UI_TOKEN', default: undefined,
    description: 'token for the console under /ui; required when the HTTP listener is not on loopback',
    // Never echo the value: it is a secret.
    parse: (raw) => (raw.trim() === '' ? { value: undefined } : raw.trim().length < 16 ? { problem: 'must be at least 16 characters' } : { value: raw.trim() }),
  }),
  define({
    key: 'retentionDays', group: 'retention', flag: '--retention-days <days>', env: 'UNMACRO_RETENTION_DAYS', default: '0',
    description: 'remove the raw bytes of extracted, duplicate and invalid mail older than this (0 keeps them forever)',
    parse: integer(0, 36_500, 'a number of days'),
  }),
  define({
    key: 'logLevel', group: 'log', flag: '--log-level <level>', env: 'UNMACRO_LOG_LEVEL', default: 'info',
    defaultText: 'info for serve, warn for other commands',
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
  /** Also check that files the settings name (TLS certificate and key) can be read: for `serve`. */
  readonly checkFiles?: boolean;
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
  const origin: Record<string, string> = {};
  for (const setting of SETTINGS) {
    const flagValue = flags[setting.key];
    const [raw, from] =
      flagValue !== undefined
        ? [String(flagValue), setting.flag.split(' ')[0]]
        : env[setting.env] !== undefined
          ? [env[setting.env] as string, setting.env]
          : [sources.defaults?.[setting.key] ?? setting.default, 'default'];
    origin[setting.key] = from === 'default' ? (setting.flag.split(' ')[0] as string) : (from as string);
    if (raw === undefined) {
      values[setting.key] = undefined;
      continue;
    }
    const result = setting.parse(raw);
    if ('problem' in result) problems.push(`${from}: ${result.problem}`);
    else values[setting.key] = result.value;
  }
  problems.push(...crossCheck(values as Partial<Config>, (key) => origin[key] ?? key, sources.checkFiles ?? false));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values) as unknown as Config;
}

/**
 * Problems between settings: STARTTLS needs both files, and a daemon must not start in a state
 * where every mail (or every large one) is refused (required TLS or AUTH that can never be
 * offered, a byte budget smaller than the largest mail).
 */
function crossCheck(c: Partial<Config>, name: (key: keyof Config) => string, checkFiles: boolean): string[] {
  const problems: string[] = [];
  if (c.smtpTlsCert && !c.smtpTlsKey) problems.push(`${name('smtpTlsCert')}: a certificate needs its key (set --smtp-tls-key or UNMACRO_SMTP_TLS_KEY)`);
  if (c.smtpTlsKey && !c.smtpTlsCert) problems.push(`${name('smtpTlsKey')}: a key needs its certificate (set --smtp-tls-cert or UNMACRO_SMTP_TLS_CERT)`);
  const tls = Boolean(c.smtpTlsCert && c.smtpTlsKey);
  if (c.smtpRequireTls && !tls) {
    problems.push(`${name('smtpRequireTls')}: TLS is required but no certificate and key are set (--smtp-tls-cert, --smtp-tls-key): every mail would get 530`);
  }
  if ((c.smtpUsers?.length ?? 0) > 0 && !tls && !c.smtpAuthInsecure) {
    problems.push(`${name('smtpUsers')}: AUTH needs TLS (--smtp-tls-cert and --smtp-tls-key) or --smtp-auth-insecure: without either no client could log in`);
  }
  if (c.smtpMaxBytesInFlight !== undefined && c.smtpMaxBytes !== undefined && c.smtpMaxBytesInFlight < c.smtpMaxBytes) {
    problems.push(`${name('smtpMaxBytesInFlight')}: ${c.smtpMaxBytesInFlight} is less than --smtp-max-bytes (${c.smtpMaxBytes}): a mail of the largest size would get 451 forever`);
  }
  if (checkFiles) {
    for (const [key, kind] of [['smtpTlsCert', 'CERTIFICATE'], ['smtpTlsKey', 'PRIVATE KEY']] as const) {
      const file = c[key];
      if (!file) continue;
      const problem = pemProblem(file, kind);
      if (problem) problems.push(`${name(key)}: ${problem}`);
    }
  }
  return problems;
}

/** Why `file` is not a readable PEM file holding `kind`, or undefined when it is. */
function pemProblem(file: string, kind: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (err) {
    return `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  return new RegExp(`-----BEGIN [A-Z ]*${kind}-----`).test(text) ? undefined : `${file} holds no PEM ${kind.toLowerCase()}`;
}

/** How `--help` shows a setting's default: nothing for an empty one, else the value or its words. */
export function helpDefault(setting: Setting): string | undefined {
  if (setting.defaultText !== undefined) return setting.defaultText;
  return setting.default === undefined || setting.default === '' ? undefined : setting.default;
}

/** The settings of the given groups, for commands that add their flags. */
export function settingsOf(...groups: SettingGroup[]): Setting[] {
  return SETTINGS.filter((s) => groups.includes(s.group));
}
