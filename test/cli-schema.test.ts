// Only `serve` and `db migrate` change a schema. Used to break: every command migrated
// (`withDatabase`), so `unmacro messages` from a newer build changed a production schema under an
// older running daemon; a bad DATABASE_URL printed a stack trace; any command created a missing
// embedded database wherever it was run.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadMigrations, MIGRATIONS_DIR, migrate } from '../src/db/migrate.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, SERVER_URL, testLogger, type TestDatabase } from './support/database.js';

let tdb: TestDatabase;
before(async () => {
  tdb = await createTestDatabase();
});
after(async () => tdb?.drop());

test('a command other than serve and db migrate refuses a schema behind or ahead, in one line', async () => {
  const fresh = await runCli(['messages', ...tdb.flags]);
  assert.equal(fresh.code, 1);
  assert.match(fresh.stderr, /no unmacro tables yet: run `unmacro db migrate`/);
  assert.equal(fresh.stderr.trim().split('\n').length, 1);

  // Migrate only up to 003: a database an older unmacro left behind.
  const old = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-migrations-'));
  for (const m of (await loadMigrations()).filter((m) => m.version < 4)) await fs.copyFile(path.join(MIGRATIONS_DIR, m.file), path.join(old, m.file));
  const db = await tdb.open();
  try {
    await migrate(db.pool, db.schema, testLogger(), old);
  } finally {
    await db.close();
    await fs.rm(old, { recursive: true });
  }
  const behind = await runCli(['messages', ...tdb.flags]);
  assert.equal(behind.code, 1);
  assert.match(behind.stderr, /schema is at version 3, this unmacro needs \d+: run `unmacro db migrate`/);

  const migrated = await runCli(['db', 'migrate', ...tdb.flags]);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.equal((await runCli(['messages', ...tdb.flags])).code, 0);

  const db2 = await tdb.open();
  try {
    await db2.pool.query(`INSERT INTO unmacro_migrations (version, name) VALUES (999, 'from_the_future')`);
  } finally {
    await db2.close();
  }
  const ahead = await runCli(['messages', ...tdb.flags]);
  assert.equal(ahead.code, 1);
  assert.match(ahead.stderr, /this unmacro is older than the database \(schema version 999/);
  const db3 = await tdb.open();
  try {
    await db3.pool.query(`DELETE FROM unmacro_migrations WHERE version = 999`);
  } finally {
    await db3.close();
  }
});

test('a command refuses to create a missing embedded database, and says how to point at one', async () => {
  const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-none-'));
  try {
    const none = await runCli(['messages', '--data-dir', empty]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /there is no unmacro database in .*: point at one with --data-dir DIR .* or --database-url URL \(DATABASE_URL\)/);
    assert.deepEqual(await fs.readdir(empty), [], 'nothing was created');
  } finally {
    await fs.rm(empty, { recursive: true, force: true });
  }
});

test('connection and authentication failures are one line naming DATABASE_URL, exit 1', { skip: !SERVER_URL && 'needs TEST_DATABASE_URL' }, async () => {
  const url = new URL(SERVER_URL as string);
  const refused = await runCli(['messages', '--database-url', 'postgres://postgres@127.0.0.1:1/postgres']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /DATABASE_URL: cannot connect to 127\.0\.0\.1:1 \(connection refused\)/m);
  assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
  url.pathname = '/unmacro_no_such_database';
  const missing = await runCli(['messages', '--database-url', url.toString()]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /DATABASE_URL: database "unmacro_no_such_database" does not exist/);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
});
