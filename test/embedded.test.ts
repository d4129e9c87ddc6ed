import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SOCKET_NAME, socketAnswers } from '../src/db/embedded.js';
import { UserError } from '../src/errors.js';
import { createTestDatabase, SERVER_URL, type TestDatabase } from './support/database.js';

const skip = SERVER_URL ? 'the embedded database is tested when TEST_DATABASE_URL is not set' : false;

let tdb: TestDatabase;
before(async () => {
  if (!skip) tdb = await createTestDatabase();
});
after(async () => tdb?.drop());

function isBusy(err: unknown): boolean {
  assert.ok(err instanceof UserError, String(err));
  assert.equal(err.code, 'DATA_DIR_BUSY');
  assert.match(err.message, new RegExp(`data directory ${tdb.dataDir}`));
  return true;
}

test('the socket is private, a second daemon is refused, a command connects to the running one', { skip }, async () => {
  const owner = await tdb.open({ exclusive: true });
  try {
    assert.equal(owner.kind, 'embedded');
    const socket = path.join(tdb.dataDir, SOCKET_NAME);
    assert.equal(statSync(socket).mode & 0o777, 0o600);
    assert.equal(statSync(tdb.dataDir).mode & 0o777, 0o700);

    await assert.rejects(tdb.open({ exclusive: true }), isBusy);

    const client = await tdb.open();
    try {
      assert.equal(client.kind, 'embedded-client');
      await owner.pool.query('CREATE TABLE shared (n int); INSERT INTO shared VALUES (42)');
      const { rows } = await client.pool.query('SELECT n FROM shared');
      assert.deepEqual(rows, [{ n: 42 }]);
    } finally {
      await client.close();
    }
    assert.ok(await socketAnswers(socket), 'closing a client leaves the owner serving');
  } finally {
    await owner.close();
  }
  assert.equal(existsSync(path.join(tdb.dataDir, SOCKET_NAME)), false, 'a clean stop removes the socket');
});

test('of two daemons opening the same directory at once, exactly one gets it', { skip }, async () => {
  const results = await Promise.allSettled([tdb.open({ exclusive: true }), tdb.open({ exclusive: true })]);
  const opened = results.filter((r) => r.status === 'fulfilled');
  const refused = results.filter((r) => r.status === 'rejected');
  assert.equal(opened.length, 1);
  assert.equal(refused.length, 1);
  isBusy((refused[0] as PromiseRejectedResult).reason);
  await (opened[0] as PromiseFulfilledResult<Awaited<ReturnType<TestDatabase['open']>>>).value.close();
});

test('a socket left by a killed process is removed and the data is served again', { skip }, async () => {
  const socket = path.join(tdb.dataDir, SOCKET_NAME);
  // A process that binds the socket and dies by SIGKILL leaves the file behind, as a crash does.
  const script = `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', script]);
  assert.ok(existsSync(socket), 'the stale socket file exists');
  assert.equal(await socketAnswers(socket), false);

  const db = await tdb.open({ exclusive: true });
  try {
    assert.equal(db.kind, 'embedded');
    const { rows } = await db.pool.query('SELECT n FROM shared');
    assert.deepEqual(rows, [{ n: 42 }], 'rows committed before are still there');
  } finally {
    await db.close();
  }
});

// Regression: pglite-socket serialises transactions, not the several messages of one
// extended-protocol query (Parse, Bind, Execute, Sync). A large autocommit query whose messages
// arrived in several chunks had its unnamed statement replaced by another connection's
// ("unnamed prepared statement does not exist"): a 451 at best, the wrong statement at worst.
test('large and small parameterised queries from several connections at once get their own results', { skip }, async () => {
  const owner = await tdb.open({ exclusive: true });
  const other = await tdb.open();
  try {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const results = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => owner.pool.query('SELECT length($1::text) + $2::int AS n', [big, i]).then((r) => [r.rows[0].n, big.length + i])),
      ...Array.from({ length: 200 }, (_, i) => other.pool.query('SELECT $1::int * 2 AS n', [i]).then((r) => [r.rows[0].n, i * 2])),
    ]);
    for (const [got, expected] of results) assert.equal(got, expected);
  } finally {
    await other.close();
    await owner.close();
  }
});
