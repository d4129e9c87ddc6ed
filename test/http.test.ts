import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDaemon, type Daemon } from '../src/daemon.js';
import { createHttpReceiver } from '../src/http/server.js';
import { createMetrics } from '../src/metrics.js';
import type { Database } from '../src/db/pool.js';
import { addTemplate } from '../src/registry.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';
import { render, sessionEndValues, shippedTemplate } from './support/mail.js';
import { sendMail } from './support/smtp.js';

let tdb: TestDatabase;
let db: Database;
let daemon: Daemon;
let base: string;

before(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  daemon = await startDaemon({ config: tdb.config({ httpMaxBytes: 4096 }), logger: testLogger(), db });
  base = `http://127.0.0.1:${daemon.http?.port}`;
});
after(async () => {
  await daemon?.stop();
  await db?.close();
  await tdb?.drop();
});

const LSID = '0123456789abcdef0123456789abcdef';

function post(body: string | URLSearchParams | FormData, headers: Record<string, string> = {}) {
  return fetch(`${base}/events`, { method: 'POST', body, headers });
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return (await db.pool.query(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n;
}

test('a form-encoded event is stored in events and http_events before the 200', async () => {
  const form = new URLSearchParams({ event: 'support_conference_begin', version: '42', timestamp: '1733239565', lsid: LSID.toUpperCase(), external_key: '' });
  const res = await post(form);
  assert.equal(res.status, 200);
  const { rows } = await db.pool.query('SELECT h.*, e.source, e.lsid AS event_lsid FROM http_events h JOIN events e ON e.id = h.event_id');
  assert.equal(rows.length, 1);
  const row = rows[0];
  assert.equal(row.source, 'http');
  assert.equal(row.event, 'support_conference_begin');
  assert.equal(row.version, '42');
  assert.deepEqual(row.timestamp, new Date(1733239565 * 1000));
  assert.equal(row.lsid, LSID);
  assert.equal(row.external_key, null, 'empty is NULL');
});

test('the same event posted again answers 200 and adds no row', async () => {
  const form = new URLSearchParams({ event: 'support_conference_begin', version: '42', timestamp: '1733239565', lsid: LSID.toUpperCase(), external_key: '' });
  for (let i = 0; i < 3; i++) assert.equal((await post(form)).status, 200);
  assert.equal(await count('http_events'), 1);
});

test('multipart and JSON bodies, any event name, unrendered values as NULL', async () => {
  const multipart = new FormData();
  for (const [k, v] of Object.entries({ event: 'support_conference_member_added', timestamp: '1733239600', lsid: LSID, type: 'representative', name: 'John Smith', user_id: '12', username: 'jsmith', display_name: 'John' })) multipart.append(k, v);
  assert.equal((await post(multipart)).status, 200);
  const json = JSON.stringify({ event: 'support_conference_new_thing_2027', timestamp: 1733239700, lsid: LSID, conference_name: '%CONFERENCE_NAME%' });
  assert.equal((await post(json, { 'content-type': 'application/json' })).status, 200);
  const { rows } = await db.pool.query(`SELECT event, type, username, display_name, conference_name FROM http_events ORDER BY "timestamp"`);
  assert.deepEqual(rows.slice(1), [
    { event: 'support_conference_member_added', type: 'representative', username: 'jsmith', display_name: 'John', conference_name: null },
    { event: 'support_conference_new_thing_2027', type: null, username: null, display_name: null, conference_name: null },
  ]);
});

test('bad requests get 400, 405, 404 and 413 and store nothing', async () => {
  const before = await count('events');
  assert.equal((await post(new URLSearchParams({ lsid: LSID }))).status, 400);
  assert.equal((await post('{"event":', { 'content-type': 'application/json' })).status, 400);
  assert.equal((await post('[1,2]', { 'content-type': 'application/json' })).status, 400);
  assert.equal((await fetch(`${base}/events`)).status, 405);
  assert.equal((await fetch(`${base}/nothing-here`)).status, 404);
  assert.equal((await post(new URLSearchParams({ event: 'x', pad: 'y'.repeat(5000) }))).status, 413);
  assert.equal(await count('events'), before);
});

test('session_timeline joins HTTP events and mail by lsid, in time order', async () => {
  await addTemplate(db, shippedTemplate('session-end').source, 'session-end.tmpl');
  await new Promise((resolve) => setTimeout(resolve, 1_100)); // the daemon reloads templates within a second
  const t = shippedTemplate('session-end');
  const values = sessionEndValues({ LSID, END_TIME: '2024-12-03T16:10:02+00:00' });
  const reply = await sendMail(daemon.smtp.port, { subject: render(t.subject, values), text: render(t.body, values) });
  assert.equal(reply.code, 250);
  const { rows } = await db.pool.query('SELECT step, source, who FROM session_timeline WHERE lsid = $1', [LSID]);
  assert.deepEqual(rows.map((r) => `${r.step}/${r.source}`), ['begin/http', 'member joined/http', 'support_conference_new_thing_2027/http', 'end/email']);
  assert.equal(rows[1].who, 'John');
});

test('/healthz answers 200 while the database answers; /metrics has the counters', async () => {
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^unmacro_messages_total\{status="extracted"\} 1$/m);
  assert.match(metrics, /^unmacro_template_matches_total\{template="session-end"\} 1$/m);
  assert.match(metrics, /^unmacro_http_events_total\{event="support_conference_begin",duplicate="true"\} 3$/m);
  assert.match(metrics, /^unmacro_unmatched_backlog 0$/m);
  assert.match(metrics, /^unmacro_commit_seconds_count 1$/m);
  assert.match(metrics, /^unmacro_extraction_seconds_bucket\{le="\+Inf"\} 1$/m);
  assert.match(metrics, /^unmacro_last_event_timestamp_seconds\{event="support_conference_end"\} \d+/m);
});

test('clients outside the HTTP allow list get 403', async () => {
  const receiver = createHttpReceiver({ config: tdb.config({ httpAllow: '10.0.0.0/8' }), logger: testLogger(), db, metrics: createMetrics(db) });
  const address = await receiver.start();
  try {
    const res = await fetch(`http://127.0.0.1:${address.port}/events`, { method: 'POST', body: new URLSearchParams({ event: 'support_conference_begin' }) });
    assert.equal(res.status, 403);
    assert.equal((await fetch(`http://127.0.0.1:${address.port}/healthz`)).status, 403);
  } finally {
    await receiver.stop();
  }
});
