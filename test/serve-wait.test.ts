// `serve` started while its database is away. Used to break: it exited with
// "unexpected error: Error: connect ECONNREFUSED" and a stack trace. Now it waits, retrying with
// backoff, logs one line when the database is unavailable and one when it is back (not one per
// attempt), answers /healthz 503 meanwhile, and starts SMTP once connected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnCli } from './support/cli.js';
import { createTestDatabase, SERVER_URL } from './support/database.js';
import { startProxy } from './support/proxy.js';

const WAIT_MS = 4_000;

test('serve waits for its database with /healthz 503, then serves', { skip: !SERVER_URL && 'needs TEST_DATABASE_URL' }, async () => {
  const tdb = await createTestDatabase();
  const target = new URL(tdb.databaseUrl as string);
  const proxy = await startProxy({ host: target.hostname, port: Number(target.port || 5432) });
  proxy.cut();
  const url = new URL(target);
  url.port = String(proxy.port);
  const child = spawnCli(['serve', '--smtp-port', '0', '--http-port', '0', '--log-format', 'json', '--database-url', url.toString()]);
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const lines = () => log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; port?: number });
  const until = async (what: () => boolean, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!what()) {
      if (Date.now() > deadline) throw new Error(`timed out; log:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  try {
    await until(() => lines().some((l) => l.msg === 'http listening'));
    const httpPort = lines().find((l) => l.msg === 'http listening')?.port;
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 503);
    await new Promise((resolve) => setTimeout(resolve, WAIT_MS)); // several attempts
    assert.equal(lines().filter((l) => /database unavailable/.test(l.msg)).length, 1, 'one line per state change');
    assert.ok(!lines().some((l) => l.msg === 'smtp listening'));
    assert.doesNotMatch(log, /ECONNREFUSED[\s\S]*\n\s+at /);
    proxy.restore();
    await until(() => lines().some((l) => l.msg === 'smtp listening'));
    assert.equal(lines().filter((l) => l.msg === 'database available').length, 1);
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await proxy.close();
    await tdb.drop();
  }
});

test('serve with a wrong database name exits 1 with one line naming DATABASE_URL', { skip: !SERVER_URL && 'needs TEST_DATABASE_URL' }, async () => {
  const url = new URL(SERVER_URL as string);
  url.pathname = '/unmacro_no_such_database';
  const child = spawnCli(['serve', '--smtp-port', '0', '--http-port', '0', '--database-url', url.toString()]);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 1);
  assert.match(stderr, /DATABASE_URL: database "unmacro_no_such_database" does not exist/);
  assert.doesNotMatch(stderr, /\n\s+at /);
});
