// A fresh database per test file: a new database on TEST_DATABASE_URL's server, or else a copy
// of a once-initialised embedded data directory (initialising PGlite takes 5-11 s, copying 0.1 s).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.js';
import { initialise, PGDATA_NAME } from '../../src/db/embedded.js';
import { openDatabase, type Database, type OpenOptions } from '../../src/db/pool.js';
import { createLogger, type Logger } from '../../src/logger.js';

/** The server the suite runs against, or undefined for the embedded default. */
export const SERVER_URL = process.env.TEST_DATABASE_URL || undefined;
/** Set UNMACRO_TEST_KEEP=1 to keep test databases and data directories for inspection. */
const KEEP = process.env.UNMACRO_TEST_KEEP === '1';

export function testLogger(): Logger {
  return createLogger({ logLevel: (process.env.UNMACRO_TEST_LOG_LEVEL as Config['logLevel']) ?? 'silent', logFormat: 'json' });
}

export interface TestDatabase {
  /** `--database-url` (server) or `--data-dir` (embedded) for this database, as CLI flags. */
  readonly flags: readonly string[];
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** A validated config on this database; SMTP on port 0, logs off. */
  config(overrides?: Partial<Record<keyof Config, unknown>>): Config;
  open(options?: OpenOptions): Promise<Database>;
  drop(): Promise<void>;
}

/** Creates an empty (unmigrated) database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-test-'));
  let databaseUrl: string | undefined;
  if (SERVER_URL) {
    const name = `unmacro_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(SERVER_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  } else {
    await fs.cp(await embeddedTemplate(), path.join(dataDir, PGDATA_NAME), { recursive: true });
  }
  const config = (overrides: Partial<Record<keyof Config, unknown>> = {}) =>
    loadConfig({ env: {}, flags: { databaseUrl, dataDir, logLevel: 'silent', smtpPort: 0, httpPort: 0, ...overrides } });
  return {
    flags: databaseUrl ? ['--database-url', databaseUrl] : ['--data-dir', dataDir],
    databaseUrl,
    dataDir,
    config,
    open: (options) => openDatabase(config(), testLogger(), options),
    async drop() {
      if (KEEP) return;
      if (databaseUrl) await admin(`DROP DATABASE IF EXISTS ${new URL(databaseUrl).pathname.slice(1)} WITH (FORCE)`);
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** An initialised PGlite directory shared by every test run of this PGlite version. */
async function embeddedTemplate(): Promise<string> {
  const { version } = JSON.parse(await fs.readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string };
  const template = path.join(os.tmpdir(), `unmacro-test-pgdata-${version}`);
  if (existsSync(path.join(template, 'PG_VERSION'))) return template;
  const staging = `${template}.staging-${process.pid}`;
  await initialise(path.join(staging, PGDATA_NAME), testLogger());
  // Test files start in parallel: the first rename wins, the others throw theirs away.
  await fs.rename(path.join(staging, PGDATA_NAME), template).catch(() => {});
  await fs.rm(staging, { recursive: true, force: true });
  return template;
}
