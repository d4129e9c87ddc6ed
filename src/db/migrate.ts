import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { UserError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Where the numbered `.sql` files live, both from `src/` and from the built `dist/`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
/** Serialises migrators on a real server: two daemons starting at once take turns. */
const MIGRATION_LOCK_KEY = 7_243_116_213;
const FILE_NAME = /^(\d+)_([\w-]+)\.sql$/;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly sql: string;
}

/** The migration files, in order; a malformed name or a repeated number is an error. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await fs.readdir(dir)).filter((f) => f.endsWith('.sql'))) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration file ${file} is not named NNN_name.sql`);
    migrations.push({ version: Number(match[1]), name: match[2] as string, file, sql: await fs.readFile(`${dir}/${file}`, 'utf8') });
  }
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (i > 0 && migrations[i - 1]?.version === m.version) throw new Error(`two migrations are numbered ${m.version}`);
  });
  return migrations;
}

export interface MigrateResult {
  readonly applied: readonly Migration[];
  readonly current: number;
}

/**
 * Applies pending migrations, each in its own transaction, recording each in `unmacro_migrations`.
 * Each transaction takes an advisory lock and re-checks what is applied, so two processes that
 * start at once apply every migration exactly once.
 */
export async function migrate(pool: pg.Pool, schema: string, logger: Logger, dir?: string): Promise<MigrateResult> {
  const migrations = await loadMigrations(dir);
  const applied: Migration[] = [];
  const client = await pool.connect();
  try {
    await inTransaction(client, async () => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.unmacro_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    });
    for (const migration of migrations) {
      const done = await inTransaction(client, async () => {
        const { rowCount } = await client.query(`SELECT 1 FROM ${schema}.unmacro_migrations WHERE version = $1`, [migration.version]);
        if (rowCount) return false;
        await client.query(`SET LOCAL search_path TO ${schema}`);
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${schema}.unmacro_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
        return true;
      }).catch((err: unknown) => {
        throw new UserError('MIGRATION_FAILED', `migration ${migration.file} failed: ${(err as Error).message}`, { cause: err });
      });
      if (done) {
        applied.push(migration);
        logger.info({ migration: migration.file }, 'migration applied');
      }
    }
    const { rows } = await client.query<{ max: number | null }>(`SELECT max(version) AS max FROM ${schema}.unmacro_migrations`);
    const current = rows[0]?.max ?? 0;
    const known = migrations.at(-1)?.version ?? 0;
    if (current > known) logger.warn({ current, known }, 'the database has migrations this version of unmacro does not know');
    return { applied, current };
  } finally {
    client.release();
  }
}

async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** The schema version a database has, and the newest this unmacro knows (0 when there is none). */
export async function schemaVersion(pool: pg.Pool, schema: string, dir?: string): Promise<{ current: number; known: number }> {
  const known = (await loadMigrations(dir)).at(-1)?.version ?? 0;
  const { rows } = await pool.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [`${schema}.unmacro_migrations`]);
  if (!rows[0]?.exists) return { current: 0, known };
  const { rows: max } = await pool.query<{ max: number | null }>(`SELECT max(version) AS max FROM ${schema}.unmacro_migrations`);
  return { current: max[0]?.max ?? 0, known };
}

/**
 * Refuses (one line, saying which command fixes it) a database whose schema is behind or ahead
 * of this unmacro: only `serve` and `db migrate` change a schema.
 */
export async function assertSchemaCurrent(pool: pg.Pool, schema: string, dir?: string): Promise<void> {
  const { current, known } = await schemaVersion(pool, schema, dir);
  if (current < known) {
    throw new UserError(
      'SCHEMA_BEHIND',
      current === 0
        ? 'the database has no unmacro tables yet: run `unmacro db migrate` (or start `unmacro serve`)'
        : `the database schema is at version ${current}, this unmacro needs ${known}: run \`unmacro db migrate\``,
    );
  }
  if (current > known) {
    throw new UserError('SCHEMA_AHEAD', `this unmacro is older than the database (schema version ${current}, this unmacro knows up to ${known}): upgrade unmacro`);
  }
}
