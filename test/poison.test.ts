// Hostile input, end to end through a real SMTP client and real HTTP requests: every example of
// issue 10 used to get 451 / 503 on every attempt (so it was never stored, and one bad HTTP event
// stopped the appliance's whole feed). Each must now be stored, with a status and a detail that
// explain it, and answered 250 / 200; the same sender trying again adds no second event.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startDaemon, type Daemon } from '../src/daemon.js';
import type { Database } from '../src/db/pool.js';
import { addTemplate } from '../src/registry.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';
import { render, sessionEndValues, shippedTemplate } from './support/mail.js';
import { sendMail } from './support/smtp.js';

let tdb: TestDatabase;
let db: Database;
let daemon: Daemon;
let base: string;
const sessionEnd = shippedTemplate('session-end');

before(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  daemon = await startDaemon({ config: tdb.config({ httpMaxBytes: 4 * 1024 * 1024 }), logger: testLogger(), db });
  await addTemplate(db, sessionEnd.source, 'session-end.tmpl');
  await new Promise((resolve) => setTimeout(resolve, 1_200)); // the daemon picks up templates within a second
  base = `http://127.0.0.1:${daemon.http?.port}`;
});
after(async () => {
  await daemon?.stop();
  await db?.close();
  await tdb?.drop();
});

/** Text that no compression shrinks, so index entries really are as long as the value. */
function noise(chars: number): string {
  return randomBytes(chars).toString('base64url').slice(0, chars);
}

async function rows(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await db.pool.query(sql, params)).rows;
}

async function mail(values: Record<string, string>, messageId = `<${noise(16)}@support.example.com>`) {
  const v = sessionEndValues(values);
  return sendMail(daemon.smtp.port, { subject: render(sessionEnd.subject, v), text: render(sessionEnd.body, v), messageId });
}

async function stored(messageId: string) {
  return rows(
    `SELECT m.id, m.status, m.detail, e.id AS event_id FROM messages m LEFT JOIN events e ON e.mail_id = m.id
      WHERE md5(m.message_id) = md5($1) ORDER BY m.id`,
    [messageId],
  );
}

test('a Message-ID of 2,800 characters is stored and its retry recognised', async () => {
  // Used to break: index row size 2824 exceeds btree version 4 maximum 2704 for "messages_message_id_idx".
  const messageId = `<${noise(2800)}@support.example.com>`;
  assert.equal((await mail({ LSID: 'A0000000000000000000000000000001' }, messageId)).code, 250);
  assert.equal((await mail({ LSID: 'A0000000000000000000000000000001' }, messageId)).code, 250);
  const [first, second, ...more] = await stored(messageId);
  assert.equal(more.length, 0);
  assert.equal(first?.status, 'extracted');
  assert.ok(first?.event_id);
  assert.equal(second?.status, 'duplicate');
  assert.equal(second?.event_id, null);
});

test('an LSEQ beyond bigint is no reading: stored unmatched, detail says why', async () => {
  // Used to break: the engine accepts 40 digits, events.lseq is bigint: 451 on every attempt.
  const messageId = `<lseq-${noise(8)}@support.example.com>`;
  assert.equal((await mail({ LSID: 'A0000000000000000000000000000002', LSEQ: '99999999999999999999' }, messageId)).code, 250);
  const [m] = await stored(messageId);
  assert.equal(m?.status, 'unmatched');
  // The engine refuses the reading (contract section 3), and says why.
  assert.match(String(m?.detail), /LSEQ.*99999999999999999999.*(does not fit a bigint|beyond the bigint range)/);
});

test('a representative user name of 8,000 characters: extracted, the typed column NULL, the text kept', async () => {
  // Used to break: the btree index events_rep_idx cannot hold it.
  const name = noise(8000);
  const messageId = `<rep-${noise(8)}@support.example.com>`;
  assert.equal((await mail({ LSID: 'A0000000000000000000000000000003', PRIMARY_REP_USER_NAME: name }, messageId)).code, 250);
  const [m] = await stored(messageId);
  assert.equal(m?.status, 'extracted');
  assert.match(String(m?.detail), /PRIMARY_REP_USER_NAME ".*" is 8000 bytes/);
  const [row] = await rows(`SELECT s.primary_rep_user_name, e.values ->> 'primary_rep_user_name' AS text FROM session_end s JOIN events e ON e.id = s.event_id WHERE s.mail_id = $1`, [m?.id]);
  assert.equal(row?.primary_rep_user_name, null);
  assert.equal(row?.text, name);
});

test('a year-0 and a year-10000 time leave every report and typed relation working', async () => {
  // Used to break: times were ISO text cast in the views; one such row made `SELECT * FROM session_end`
  // and the average-duration report fail with "date/time field value out of range".
  for (const [lsid, start] of [['A0000000000000000000000000000004', '0000-01-01T00:00:00+00:00'], ['A0000000000000000000000000000005', '10000-01-01T00:00:00+00:00']] as const) {
    const messageId = `<time-${lsid}@support.example.com>`;
    assert.equal((await mail({ LSID: lsid, START_TIME: start }, messageId)).code, 250);
    const [m] = await stored(messageId);
    assert.equal(m?.status, 'extracted');
    const [row] = await rows('SELECT start_time_text FROM session_end WHERE mail_id = $1', [m?.id]);
    assert.equal(row?.start_time_text, start);
  }
  for (const relation of ['session_end', 'customer_exit_survey', 'rep_exit_survey', 'session_timeline', 'events', 'http_events']) {
    await rows(`SELECT * FROM ${relation}`);
  }
  await rows(`SELECT primary_rep_user_name, avg(end_time - start_time) AS average_duration, count(*) AS sessions
                FROM session_end WHERE start_time IS NOT NULL AND end_time IS NOT NULL GROUP BY 1 ORDER BY 2 DESC`);
  await rows(`SELECT date_trunc('week', end_time) AS week, primary_rep_user_name, count(*) FROM session_end WHERE end_time IS NOT NULL GROUP BY 1, 2`);
});

async function post(body: string, type = 'application/x-www-form-urlencoded') {
  return fetch(`${base}/events`, { method: 'POST', body, headers: { 'content-type': type } });
}

async function httpRow(dedupSql: string, params: unknown[]) {
  return rows(`SELECT e.id, e.event, e.lsid, e.detail, h."timestamp", e.values FROM events e JOIN http_events h ON h.event_id = e.id WHERE ${dedupSql}`, params);
}

for (const timestamp of ['1e300', '9000000000000', '-1e12']) {
  test(`HTTP timestamp=${timestamp} is stored without a timestamp, and named in detail`, async () => {
    // Used to break: "invalid input syntax for type timestamp with time zone: 0NaN-NaN-…" / "timestamp out of range".
    const lsid = noise(12).toLowerCase();
    const body = new URLSearchParams({ event: 'support_conference_begin', lsid, timestamp }).toString();
    assert.equal((await post(body)).status, 200);
    assert.equal((await post(body)).status, 200);
    const found = await httpRow('e.lsid = $1', [lsid]);
    assert.equal(found.length, 1);
    assert.equal(found[0]?.timestamp, null);
    assert.match(String(found[0]?.detail), /timestamp/);
    assert.equal((found[0]?.values as Record<string, string>).timestamp, timestamp);
  });
}

test('HTTP lsid and event of 8,000 characters, and an lsid of 1 MiB, are stored with what fits', async () => {
  // Used to break: btree indexes on events (event, lsid) and http_events (lsid) could not hold them.
  for (const [event, lsid] of [['support_conference_begin', noise(8000)], [noise(8000), 'b0000000000000000000000000000001'], ['x', noise(1024 * 1024)]] as const) {
    const body = new URLSearchParams({ event, lsid }).toString();
    assert.equal((await post(body)).status, 200);
    assert.equal((await post(body)).status, 200);
    const found = await httpRow(`e.values ->> 'lsid' = $1 AND md5(e.values ->> 'event') = md5($2)`, [lsid, event]);
    assert.equal(found.length, 1, 'one event, the retry recognised');
    assert.ok(found[0]?.detail);
  }
});

test('HTTP JSON with a lone surrogate is stored', async () => {
  // Used to break: invalid input syntax for type json (PostgreSQL refuses an unpaired \ud800).
  const body = '{"event":"support_conference_begin","lsid":"c0000000000000000000000000000001","s":"\\ud800"}';
  assert.equal((await post(body, 'application/json')).status, 200);
  assert.equal((await post(body, 'application/json')).status, 200);
  const found = await httpRow('e.lsid = $1', ['c0000000000000000000000000000001']);
  assert.equal(found.length, 1);
  assert.equal((found[0]?.values as Record<string, string>).s, '\uFFFD');
});

test('metrics count temporary failures', async () => {
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /unmacro_temporary_failures_total/);
  assert.match(text, /unmacro_database_up 1/);
});

test('HTTP: content the database rejects for any reason is stored with its name and the reason, 200', async () => {
  // The class, not the case: a data exception no check foresaw (a trigger raising SQLSTATE 22023).
  await db.pool.query(`CREATE FUNCTION reject_http() RETURNS trigger LANGUAGE plpgsql AS $$
                         BEGIN RAISE EXCEPTION 'value rejected' USING ERRCODE = '22023'; END $$`);
  await db.pool.query(`CREATE TRIGGER reject_http BEFORE INSERT ON http_events FOR EACH ROW WHEN (NEW.name = 'poison') EXECUTE FUNCTION reject_http()`);
  try {
    const body = new URLSearchParams({ event: 'support_conference_member_added', lsid: 'd0000000000000000000000000000001', name: 'poison' }).toString();
    assert.equal((await post(body)).status, 200);
    assert.equal((await post(body)).status, 200);
    const found = await rows(`SELECT e.detail FROM events e WHERE e.event = 'support_conference_member_added' AND e.detail LIKE '%value rejected%'`);
    assert.equal(found.length, 1);
    assert.match(String(found[0]?.detail), /cannot hold this event as posted: value rejected \(SQLSTATE 22023\)/);
  } finally {
    await db.pool.query('DROP TRIGGER reject_http ON http_events; DROP FUNCTION reject_http()');
  }
});
