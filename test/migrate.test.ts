import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadMigrations, migrate } from '../src/db/migrate.js';
import { openDatabase, type Database } from '../src/db/pool.js';
import { UserError } from '../src/errors.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';

let tdb: TestDatabase;
let db: Database;
const logger = testLogger();

before(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
});
after(async () => {
  await db?.close();
  await tdb?.drop();
});

async function tablesIn(schema: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ table_name: string }>(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
    [schema],
  );
  return rows.map((r) => r.table_name);
}

test('migrating an empty database creates the contract tables and records each migration', async () => {
  const all = await loadMigrations();
  const result = await migrate(db.pool, 'public', logger);
  assert.deepEqual(result.applied.map((m) => m.version), all.map((m) => m.version));
  assert.equal(result.current, all.at(-1)?.version);
  const tables = await tablesIn('public');
  for (const table of ['messages', 'templates', 'events', 'unmacro_migrations']) assert.ok(tables.includes(table), table);
  const { rows } = await db.pool.query('SELECT version FROM unmacro_migrations ORDER BY version');
  assert.deepEqual(rows.map((r) => r.version), all.map((m) => m.version));
});

test('running the migrations again applies nothing', async () => {
  const result = await migrate(db.pool, 'public', logger);
  assert.equal(result.applied.length, 0);
});

test('two migrators starting at once apply each migration exactly once', async () => {
  // A second pool is a second client process as far as the database can tell.
  const other = await openDatabase(tdb.config({ dbSchema: 'racing' }), logger);
  try {
    const results = await Promise.all([migrate(db.pool, 'racing', logger), migrate(other.pool, 'racing', logger)]);
    const applied = results.flatMap((r) => r.applied.map((m) => m.version)).sort();
    assert.deepEqual(applied, (await loadMigrations()).map((m) => m.version));
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM racing.unmacro_migrations');
    assert.equal(rows[0].n, applied.length);
  } finally {
    await other.close();
  }
});

test('a failing migration is rolled back whole and named in the error; earlier ones stay', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-migrations-'));
  try {
    await fs.writeFile(path.join(dir, '001_good.sql'), 'CREATE TABLE good (id int);');
    await fs.writeFile(path.join(dir, '002_bad.sql'), 'CREATE TABLE half (id int);\nCREATE TABLE broken (id nosuchtype);');
    await assert.rejects(migrate(db.pool, 'failing', logger, dir), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.equal(err.code, 'MIGRATION_FAILED');
      assert.match(err.message, /002_bad/);
      return true;
    });
    assert.deepEqual(await tablesIn('failing'), ['good', 'unmacro_migrations']);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('migration files must be numbered and unique', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-migrations-'));
  try {
    await fs.writeFile(path.join(dir, '001_a.sql'), 'SELECT 1;');
    await fs.writeFile(path.join(dir, '001_b.sql'), 'SELECT 1;');
    await assert.rejects(loadMigrations(dir), /two migrations are numbered 1/);
    await fs.rm(path.join(dir, '001_b.sql'));
    await fs.writeFile(path.join(dir, 'initial.sql'), 'SELECT 1;');
    await assert.rejects(loadMigrations(dir), /not named NNN_name\.sql/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
