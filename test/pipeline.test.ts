import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/pool.js';
import { loadCatalog, type TemplateCatalog } from '../src/pipeline/catalog.js';
import { ingestMail } from '../src/pipeline/ingest.js';
import { addTemplate } from '../src/registry.js';
import type { ReceivedMail } from '../src/smtp/server.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';
import { chat, compose, render, sessionEndValues, shippedTemplate } from './support/mail.js';

let tdb: TestDatabase;
let db: Database;
let catalog: TemplateCatalog;
const sessionEnd = shippedTemplate('session-end');
const survey = shippedTemplate('customer-exit-survey');

before(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  await migrate(db.pool, db.schema, testLogger());
  for (const name of ['session-end', 'customer-exit-survey', 'rep-exit-survey']) {
    await addTemplate(db, shippedTemplate(name).source, `${name}.tmpl`);
  }
  catalog = await loadCatalog(db, testLogger());
});
after(async () => {
  await db?.close();
  await tdb?.drop();
});

function received(raw: Buffer): ReceivedMail {
  return { raw, mailFrom: 'appliance@support.example.com', rcptTo: ['unmacro@example.com'], remoteAddress: '127.0.0.1', receivedAt: new Date() };
}

async function sessionEndMail(values: Record<string, string>, extra: Parameters<typeof compose>[0] = {}): Promise<Buffer> {
  return compose({ subject: render(sessionEnd.subject, values), text: render(sessionEnd.body, values), ...extra });
}

async function ingest(raw: Buffer) {
  return ingestMail({ db, templates: catalog.current() }, received(raw));
}

async function one<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await db.pool.query(sql, params);
  assert.equal(rows.length, 1, `${sql} returned ${rows.length} rows`);
  return rows[0] as T;
}

test('a session end is extracted into typed view columns and child rows in one go', async () => {
  const values = sessionEndValues({ LSID: 'A1B2C3D4E5F60718293A4B5C6D7E8F90', SESSION_CHAT: chat(4) });
  const result = await ingest(await sessionEndMail(values, { messageId: '<typed@support.example.com>' }));
  assert.equal(result.status, 'extracted');
  assert.equal(result.template, 'session-end');
  assert.equal(result.lsid, 'a1b2c3d4e5f60718293a4b5c6d7e8f90');

  const message = await one('SELECT status, template_name, template_version, detail, message_id FROM messages WHERE id = $1', [result.id]);
  assert.deepEqual(message, { status: 'extracted', template_name: 'session-end', template_version: 1, detail: null, message_id: '<typed@support.example.com>' });

  const row = await one<Record<string, unknown>>('SELECT * FROM session_end WHERE mail_id = $1', [result.id]);
  assert.equal(row.lsid, 'a1b2c3d4e5f60718293a4b5c6d7e8f90');
  assert.equal(row.lseq, '22817'); // bigint arrives as text from pg
  assert.equal(row.customer_name, 'Ana Müller (Finance)');
  assert.equal(row.customer_computer_name, 'FIN-LT-0042');
  assert.equal(row.primary_rep_user_name, 'CORP\\jsmith');
  assert.deepEqual(row.start_time, new Date('2024-12-03T15:26:05Z'));
  assert.deepEqual(row.end_time, new Date('2024-12-03T16:10:02Z'));
  assert.equal(row.start_time_text, '2024-12-03T15:26:05+00:00');
  assert.equal(row.session_notes, values.SESSION_NOTES);
  assert.equal(row.session_chat, values.SESSION_CHAT);
  assert.equal(row.command_shell_recording, values.COMMAND_SHELL_RECORDING);
  assert.equal(row.ambiguous, false);
  // Counted at ingest, so that "the busiest sessions" is an index scan (BENCHMARKS.md).
  assert.equal(row.chat_lines, 4);
  assert.equal(row.chat_lines_by_representative, 2);

  const types = await one<Record<string, string>>(
    `SELECT pg_typeof(lseq)::text AS lseq, pg_typeof(start_time)::text AS start_time, pg_typeof(end_time)::text AS end_time,
            pg_typeof(received_at)::text AS received_at FROM session_end WHERE mail_id = $1`,
    [result.id],
  );
  assert.deepEqual(types, { lseq: 'bigint', start_time: 'timestamp with time zone', end_time: 'timestamp with time zone', received_at: 'timestamp with time zone' });

  const { rows: lines } = await db.pool.query('SELECT seq, sent_at_text, speaker, body FROM chat_messages WHERE event_id = $1 ORDER BY seq', [row.event_id]);
  assert.deepEqual(lines.map((l) => [l.seq, l.sent_at_text, l.speaker]), [[1, '15:26:00', 'John'], [2, '15:26:01', 'Ana Müller'], [3, '15:26:02', 'John'], [4, '15:26:03', 'Ana Müller']]);
  assert.equal(lines[1].body, 'Reply 2: it still fails [b]sometimes[/b].');

  const { rows: recordings } = await db.pool.query('SELECT kind, seq, url FROM recordings WHERE event_id = $1 ORDER BY kind DESC, seq', [row.event_id]);
  assert.deepEqual(recordings.map((r) => `${r.kind}:${r.seq}`), ['screen_sharing:1', 'command_shell:1', 'command_shell:2']);

  const { rows: labels } = await db.pool.query(`SELECT section, label, value FROM event_labels WHERE event_id = $1 ORDER BY section, seq`, [row.event_id]);
  assert.ok(labels.some((l) => l.section === 'session_summary' && l.label === 'Public IP' && l.value === '203.0.113.45:61606'), JSON.stringify(labels));
  assert.ok(labels.some((l) => l.section === 'system_information' && l.label === 'Operating System'));
});

test('empty and unrendered values are NULL, never the literal macro', async () => {
  const values = sessionEndValues({ LSID: 'B1B2C3D4E5F60718293A4B5C6D7E8F90', EXTERNAL_KEY: '', END_TIME: '', SESSION_NOTES: '' });
  delete values.CUSTOMER_NAME; // left as the literal %CUSTOMER_NAME%
  const result = await ingest(await sessionEndMail(values));
  assert.equal(result.status, 'extracted');
  const row = await one<Record<string, unknown>>('SELECT external_key, customer_name, end_time, end_time_text, session_notes FROM session_end WHERE mail_id = $1', [result.id]);
  assert.deepEqual(row, { external_key: null, customer_name: null, end_time: null, end_time_text: null, session_notes: null });
});

test('a survey is split into question and answer rows', async () => {
  const values = { LSID: 'c1b2c3d4e5f60718293a4b5c6d7e8f90', LSEQ: '8', EXTERNAL_KEY: '58231', CUSTOMER_EXIT_SURVEY: 'How satisfied were you?: Very satisfied\nComments: Fast help.\\nThank you!' };
  const result = await ingest(await compose({ subject: render(survey.subject, values), text: render(survey.body, values) }));
  assert.equal(result.status, 'extracted');
  const row = await one<Record<string, unknown>>('SELECT event_id, lseq, customer_exit_survey FROM customer_exit_survey WHERE mail_id = $1', [result.id]);
  assert.equal(row.lseq, '8');
  const { rows } = await db.pool.query('SELECT survey, question, answer FROM survey_answers WHERE event_id = $1 ORDER BY seq', [row.event_id]);
  assert.deepEqual(rows, [
    { survey: 'customer', question: 'How satisfied were you?', answer: 'Very satisfied' },
    { survey: 'customer', question: 'Comments', answer: 'Fast help.\nThank you!' },
  ]);
});

test('a mail no template matches is stored as unmatched, with the reason', async () => {
  const result = await ingest(await compose({ subject: 'Weekly newsletter', text: 'Nothing to see here.' }));
  assert.equal(result.status, 'unmatched');
  const row = await one<Record<string, unknown>>('SELECT status, detail, raw IS NOT NULL AS has_raw FROM messages WHERE id = $1', [result.id]);
  assert.equal(row.status, 'unmatched');
  assert.equal(row.has_raw, true);
  assert.ok(typeof row.detail === 'string' && row.detail.length > 10, String(row.detail));
  assert.equal((await one<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE mail_id = $1', [result.id])).n, 0);
});

test('bytes that are not a mail are stored as invalid, with the parser error', async () => {
  const result = await ingest(Buffer.from([0, 1, 2, 0xff, 0xfe]));
  assert.equal(result.status, 'invalid');
  const row = await one<Record<string, unknown>>('SELECT detail, size_bytes FROM messages WHERE id = $1', [result.id]);
  assert.match(String(row.detail), /no header fields/);
  assert.equal(row.size_bytes, 5);
});

test('the same mail delivered twice, even through another relay, gives one event and a duplicate pointing at it', async () => {
  const values = sessionEndValues({ LSID: 'D1B2C3D4E5F60718293A4B5C6D7E8F90' });
  const raw = await sessionEndMail(values, { messageId: '<twice@support.example.com>' });
  const first = await ingest(raw);
  const again = await ingest(Buffer.concat([Buffer.from('Received: from relay2.example.com by mx.example.com; Tue, 3 Dec 2024 16:11:00 +0000\r\n'), raw]));
  assert.equal(first.status, 'extracted');
  assert.equal(again.status, 'duplicate');
  const dup = await one<Record<string, unknown>>('SELECT duplicate_of, detail FROM messages WHERE id = $1', [again.id]);
  assert.equal(dup.duplicate_of, first.id);
  // Another Message-ID but the identical event: still one event.
  const third = await ingest(await sessionEndMail(values, { messageId: '<retry-by-appliance@support.example.com>' }));
  assert.equal(third.status, 'duplicate');
  assert.equal((await one<Record<string, unknown>>('SELECT duplicate_of FROM messages WHERE id = $1', [third.id])).duplicate_of, first.id);
  assert.equal((await one<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE lsid = 'd1b2c3d4e5f60718293a4b5c6d7e8f90'`)).n, 1);
});

test('the same mail ingested twice at once gives exactly one event', async () => {
  const raw = await sessionEndMail(sessionEndValues({ LSID: 'E1B2C3D4E5F60718293A4B5C6D7E8F90' }), { messageId: '<race@support.example.com>' });
  const results = await Promise.all([ingest(raw), ingest(raw), ingest(raw)]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['duplicate', 'duplicate', 'extracted']);
  assert.equal((await one<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE lsid = 'e1b2c3d4e5f60718293a4b5c6d7e8f90'`)).n, 1);
});

test('a 2,000-line chat becomes 2,000 rows', async () => {
  const result = await ingest(await sessionEndMail(sessionEndValues({ LSID: 'F1B2C3D4E5F60718293A4B5C6D7E8F90', SESSION_CHAT: chat(2000) })));
  assert.equal(result.status, 'extracted');
  const row = await one<{ n: number; last: string }>(
    `SELECT count(*)::int AS n, max(body) FILTER (WHERE seq = 2000) AS last FROM chat_messages c JOIN events e ON e.id = c.event_id WHERE e.mail_id = $1`,
    [result.id],
  );
  assert.deepEqual(row, { n: 2000, last: 'Reply 2000: it still fails [b]sometimes[/b].' });
});

test('a chat that repeats a template line is reported ambiguous, with the chosen split stored', async () => {
  // A weak template: the line after the chat is one a customer might type.
  await addTemplate(db, 'Name: weak\nEvent: session-end\nSubject: Weak %LSID%\n\nChat:\n%SESSION_CHAT%\nThanks\n%SESSION_NOTES%\n', 'weak.tmpl');
  await catalog.refresh();
  const lsid = '0a0b0c0d0e0f00112233445566778899';
  const result = await ingest(await compose({ subject: `Weak ${lsid}`, text: `Chat:\n10:00 Ana: hi\nThanks\n10:01 John: bye\nThanks\nnote one` }));
  assert.equal(result.status, 'ambiguous');
  const message = await one<Record<string, unknown>>('SELECT alternatives, detail FROM messages WHERE id = $1', [result.id]);
  assert.ok(Number(message.alternatives) >= 2, JSON.stringify(message));
  const event = await one<Record<string, unknown>>('SELECT ambiguous FROM events WHERE mail_id = $1', [result.id]);
  assert.equal(event.ambiguous, true);
});

test('a failure while storing leaves nothing half-written', async () => {
  // A trigger that fails on one chat line makes the last statement of the transaction fail.
  await db.pool.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`);
  await db.pool.query(`CREATE TRIGGER refuse BEFORE INSERT ON chat_messages FOR EACH ROW WHEN (NEW.body = 'boom') EXECUTE FUNCTION refuse()`);
  try {
    const before = await one<{ m: number; e: number }>('SELECT (SELECT count(*)::int FROM messages) AS m, (SELECT count(*)::int FROM events) AS e');
    const raw = await sessionEndMail(sessionEndValues({ LSID: '11B2C3D4E5F60718293A4B5C6D7E8F90', SESSION_CHAT: '10:00 Ana: boom' }));
    // An error that is not about the mail's content (here a raised exception) is a temporary failure.
    await assert.rejects(ingest(raw), (err: Error) => err.name === 'StorageUnavailableError' && /refused/.test(String((err.cause as Error).message)));
    const afterwards = await one<{ m: number; e: number }>('SELECT (SELECT count(*)::int FROM messages) AS m, (SELECT count(*)::int FROM events) AS e');
    assert.deepEqual(afterwards, before);
  } finally {
    await db.pool.query('DROP TRIGGER refuse ON chat_messages; DROP FUNCTION refuse()');
  }
});

test('content the database rejects, whatever it is, is stored as invalid with the reason and the raw bytes', async () => {
  // The class, not the case: a data exception no check foresaw (here raised by a trigger with
  // SQLSTATE 22023) used to become a 451 on every attempt. Now the mail is kept, and a second
  // delivery is recognised as the same one.
  await db.pool.query(`CREATE FUNCTION reject_value() RETURNS trigger LANGUAGE plpgsql AS $$
                         BEGIN RAISE EXCEPTION 'value rejected' USING ERRCODE = '22023'; END $$`);
  await db.pool.query(`CREATE TRIGGER reject_value BEFORE INSERT ON chat_messages FOR EACH ROW WHEN (NEW.body = 'poison') EXECUTE FUNCTION reject_value()`);
  try {
    const raw = await sessionEndMail(sessionEndValues({ LSID: '22B2C3D4E5F60718293A4B5C6D7E8F90', SESSION_CHAT: '10:00 Ana: poison' }), { messageId: '<poison@support.example.com>' });
    const first = await ingest(raw);
    assert.equal(first.status, 'invalid');
    const row = await one<{ status: string; detail: string; kept: boolean; events: number }>(
      `SELECT status, detail, raw IS NOT NULL AS kept, (SELECT count(*)::int FROM events WHERE mail_id = $1) AS events FROM messages WHERE id = $1`,
      [first.id],
    );
    assert.equal(row.status, 'invalid');
    assert.match(row.detail, /cannot hold this mail as it is: value rejected \(SQLSTATE 22023\)/);
    assert.equal(row.kept, true);
    assert.equal(row.events, 0);
    const second = await ingest(raw);
    assert.equal(second.status, 'duplicate');
  } finally {
    await db.pool.query('DROP TRIGGER reject_value ON chat_messages; DROP FUNCTION reject_value()');
  }
});

// Migration 007: chat lines carry no foreign key (its per-row check was a third of storing a
// 20 KB mail); a statement-level trigger deletes them with their event, from any session.
test('deleting an event deletes its chat lines, whatever the search_path of the session that deletes', async () => {
  const values = sessionEndValues({ LSID: 'C4A7E0000000000000000000000000C4', SESSION_CHAT: chat(6) });
  const result = await ingest(await sessionEndMail(values, { messageId: '<cascade@support.example.com>' }));
  assert.equal(result.status, 'extracted');
  const { id: eventId } = await one<{ id: string }>('SELECT id FROM events WHERE mail_id = $1', [result.id]);
  const lines = async () => (await one<{ n: number }>('SELECT count(*)::int AS n FROM chat_messages WHERE event_id = $1', [eventId])).n;
  assert.equal(await lines(), 6);
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL search_path TO pg_catalog');
    await client.query(`DELETE FROM ${db.schema}.events WHERE id = $1`, [eventId]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  assert.equal(await lines(), 0);
});
