import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startDaemon, type Daemon } from '../src/daemon.js';
import { SOCKET_NAME } from '../src/db/embedded.js';
import { openDatabase, type Database } from '../src/db/pool.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';
import { startProxy, type Proxy } from './support/proxy.js';
import { connectRaw, sendMail } from './support/smtp.js';

let tdb: TestDatabase;
let owner: Database; // the test's own connection, also the embedded server when there is one
let proxy: Proxy;
let db: Database; // the daemon's connection, through the proxy so the test can cut it
let daemon: Daemon;

before(async () => {
  tdb = await createTestDatabase();
  owner = await tdb.open({ exclusive: true });
  const target = tdb.databaseUrl
    ? { host: new URL(tdb.databaseUrl).hostname, port: Number(new URL(tdb.databaseUrl).port || 5432) }
    : { path: path.join(tdb.dataDir, SOCKET_NAME) };
  proxy = await startProxy(target);
  const url = new URL(tdb.databaseUrl ?? 'postgres://postgres@localhost/postgres');
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  const config = tdb.config({ databaseUrl: url.toString(), dbTimeoutMs: 2000, smtpMaxBytes: 64 * 1024 });
  db = await openDatabase(config, testLogger());
  daemon = await startDaemon({ config, logger: testLogger(), db });
});

after(async () => {
  await daemon?.stop();
  await db?.close();
  await proxy?.close();
  await owner?.close();
  await tdb?.drop();
});

async function messageCount(): Promise<number> {
  const { rows } = await owner.pool.query('SELECT count(*)::int AS n FROM messages');
  return rows[0].n;
}

test('a mail sent by an SMTP client is stored with its envelope and raw bytes before the 250', async () => {
  const reply = await sendMail(daemon.smtp.port, {
    to: ['unmacro@example.com', 'archive@example.com'],
    subject: 'Session e9e99aeb9ad54fb381634498502c5a1b ended',
    text: 'Session: e9e99aeb9ad54fb381634498502c5a1b (#8)\nCustomer: Ana Müller\n',
    messageId: '<end-1@support.example.com>',
  });
  assert.equal(reply.code, 250);
  const id = /stored as (\d+)/.exec(reply.response)?.[1];
  assert.ok(id, reply.response);
  const { rows } = await owner.pool.query('SELECT * FROM messages WHERE id = $1', [id]);
  const row = rows[0];
  assert.equal(row.mail_from, 'appliance@support.example.com');
  assert.deepEqual(row.rcpt_to, ['unmacro@example.com', 'archive@example.com']);
  assert.ok(net.isIP(row.remote_address), row.remote_address);
  assert.equal(row.message_id, '<end-1@support.example.com>');
  assert.equal(row.subject, 'Session e9e99aeb9ad54fb381634498502c5a1b ended');
  assert.equal(row.status, 'unmatched');
  assert.ok(Buffer.isBuffer(row.raw));
  assert.equal(row.size_bytes, row.raw.length);
  assert.match(row.raw.toString(), /^Message-ID: <end-1@support\.example\.com>/m);
  assert.ok(row.received_at instanceof Date);
});

test('while the database is unreachable mail gets 451 4.3.0 and HTTP events 503, and the daemon recovers by itself', async () => {
  const before = await messageCount();
  proxy.cut();
  try {
    const reply = await sendMail(daemon.smtp.port, { subject: 'during the outage', text: 'retry me' });
    assert.equal(reply.code, 451);
    assert.match(reply.response, /^451 4\.3\.0 /);
    assert.doesNotMatch(reply.response, /terminated|ECONN|connection/i, 'database errors are not shown to the sender');
    const http = `http://127.0.0.1:${daemon.http?.port}`;
    const event = await fetch(`${http}/events`, { method: 'POST', body: new URLSearchParams({ event: 'support_conference_begin', lsid: 'ab' }) });
    assert.equal(event.status, 503, 'the appliance is told to retry');
    assert.equal((await fetch(`${http}/healthz`)).status, 503);
    // Used to break: the backlog gauge queried the database, and /metrics failed during the outage.
    const metrics = await fetch(`${http}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /unmacro_database_up 0/);
    assert.match(text, /unmacro_temporary_failures_total\{channel="smtp"\} 1/);
    assert.match(text, /unmacro_temporary_failures_total\{channel="http"\} 1/);
  } finally {
    proxy.restore();
  }
  assert.equal(await messageCount(), before, 'nothing was written');
  assert.equal((await fetch(`http://127.0.0.1:${daemon.http?.port}/healthz`)).status, 200);
  const reply = await sendMail(daemon.smtp.port, { subject: 'after the outage', text: 'retried' });
  assert.equal(reply.code, 250);
  assert.equal(await messageCount(), before + 1);
});

test('another client changing its search_path does not redirect the daemon', async () => {
  // Regression: on the embedded database all connections share one session, so a psql user's
  // (or pg_dump's) search_path once made the daemon's unqualified INSERT fail with 451.
  const client = await owner.pool.connect();
  try {
    await client.query("SELECT set_config('search_path', 'pg_catalog', false)");
    const reply = await sendMail(daemon.smtp.port, { subject: 'with a foreign search_path', text: 'x' });
    assert.equal(reply.code, 250, reply.response);
  } finally {
    await client.query('RESET search_path');
    client.release();
  }
});

test('a message over the size limit gets 552 5.3.4 and is not stored', async () => {
  const before = await messageCount();
  const reply = await sendMail(daemon.smtp.port, { subject: 'too big', text: 'x'.repeat(100 * 1024) });
  assert.equal(reply.code, 552);
  assert.match(reply.response, /^552 5\.3\.4 /);
  assert.equal(await messageCount(), before);
});

// Runs last: it stops the daemon.
test('on shutdown a connected client gets 421 and new connections are refused', async () => {
  const client = await connectRaw(daemon.smtp.port);
  try {
    assert.match(await client.reply(), /^220 /);
    assert.match(await client.command('EHLO appliance.example.com'), /^250[ -]/);
    const stopped = daemon.stop();
    assert.match(await client.command('MAIL FROM:<appliance@support.example.com>'), /^421 /);
    await stopped;
  } finally {
    client.close();
  }
  await assert.rejects(connectRaw(daemon.smtp.port), /ECONNREFUSED/);
});
