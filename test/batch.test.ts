// Group commit (issue 14): mails that wait for a transaction in flight share the next one, and
// each is answered only after that COMMIT. One mail's bad content or its own temporary failure
// must not fail its neighbours; a COMMIT that fails stores none of them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CHAT_LINES_PER_STATEMENT } from '../src/db/events.js';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/pool.js';
import { StorageUnavailableError } from '../src/errors.js';
import { LARGE_MAIL_BYTES } from '../src/pipeline/batch.js';
import { loadCatalog, type TemplateCatalog } from '../src/pipeline/catalog.js';
import { analyse, createMailWriter, type StoreRequest } from '../src/pipeline/ingest.js';
import { reprocess } from '../src/pipeline/reprocess.js';
import { startDaemon } from '../src/daemon.js';
import { addTemplate } from '../src/registry.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';
import { chat, compose, render, sessionEndValues, shippedTemplate } from './support/mail.js';
import { sendMail } from './support/smtp.js';

let tdb: TestDatabase;
let db: Database;
let catalog: TemplateCatalog;
const sessionEnd = shippedTemplate('session-end');

before(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  await migrate(db.pool, db.schema, testLogger());
  await addTemplate(db, sessionEnd.source, 'session-end.tmpl');
  catalog = await loadCatalog(db, testLogger());
});
after(async () => {
  await db?.close();
  await tdb?.drop();
});

function values(lsid: string, customer: string) {
  return sessionEndValues({ LSID: lsid, CUSTOMER_NAME: customer });
}

async function request(lsid: string, customer: string, chatLines?: number | string): Promise<StoreRequest> {
  const v = chatLines === undefined ? values(lsid, customer) : { ...values(lsid, customer), SESSION_CHAT: typeof chatLines === 'string' ? chatLines : chat(chatLines) };
  const raw = await compose({ subject: render(sessionEnd.subject, v), text: render(sessionEnd.body, v), messageId: `<${lsid}@support.example.com>` });
  const analysis = await analyse(raw, ['unmacro@example.com'], catalog.current());
  return { mail: { raw, mailFrom: null, rcptTo: ['unmacro@example.com'], remoteAddress: '127.0.0.1', receivedAt: new Date() }, analysis, options: {} };
}

/** A trigger on session_end that raises `sqlstate` for the customer named `customer`; deferred ones fire at COMMIT. */
async function withTrigger<T>(customer: string, sqlstate: string, deferred: boolean, work: () => Promise<T>): Promise<T> {
  await db.pool.query(`CREATE FUNCTION batch_reject() RETURNS trigger LANGUAGE plpgsql AS $$
                         BEGIN RAISE EXCEPTION 'value rejected' USING ERRCODE = '${sqlstate}'; END $$`);
  await db.pool.query(
    `CREATE ${deferred ? 'CONSTRAINT ' : ''}TRIGGER batch_reject AFTER INSERT ON session_end ${deferred ? 'DEFERRABLE INITIALLY DEFERRED ' : ''}
       FOR EACH ROW WHEN (NEW.customer_name = '${customer}') EXECUTE FUNCTION batch_reject()`,
  );
  try {
    return await work();
  } finally {
    await db.pool.query('DROP TRIGGER batch_reject ON session_end; DROP FUNCTION batch_reject()');
  }
}

async function statusOf(lsid: string): Promise<{ status: string; detail: string | null }[]> {
  const { rows } = await db.pool.query(`SELECT status, detail FROM messages WHERE message_id = $1 ORDER BY id`, [`<${lsid}@support.example.com>`]);
  return rows as { status: string; detail: string | null }[];
}

const lsid = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(31, '0')}`;

test('mails queued behind a transaction share the next one; a poison mail in it is stored invalid, its neighbours extracted', async () => {
  const batches: number[] = [];
  const writer = createMailWriter(db, { onBatch: (n) => batches.push(n), inFlight: 1 });
  const requests = await Promise.all(Array.from({ length: 10 }, (_, i) => request(lsid('a', i), i === 5 ? 'poison' : `Customer ${i}`)));
  const results = await withTrigger('poison', '22023', false, () => Promise.all(requests.map((r) => writer.write(r))));
  // The first mail found nothing in flight and went alone; the nine queued behind it went together.
  assert.deepEqual(batches, [1, 9]);
  assert.deepEqual(writer.stats(), { transactions: 2, mails: 10 });
  assert.deepEqual(results.map((r) => r.status), ['extracted', 'extracted', 'extracted', 'extracted', 'extracted', 'invalid', 'extracted', 'extracted', 'extracted', 'extracted']);
  const [poison] = await statusOf(lsid('a', 5));
  assert.equal(poison?.status, 'invalid');
  assert.match(String(poison?.detail), /cannot hold this mail as it is: value rejected \(SQLSTATE 22023\)/);
  const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM session_end WHERE lsid LIKE 'a%'`);
  assert.equal(rows[0].n, 9);
});

/** `db` with a pool whose clients count the statements they send. */
function counting(): { db: Database; statements: string[] } {
  const statements: string[] = [];
  const pool = Object.create(db.pool) as typeof db.pool;
  pool.connect = (async () => {
    const client = await db.pool.connect();
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    return Object.assign(Object.create(client), {
      query: (...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
        statements.push(text.trim().split(/\s+/).slice(0, 2).join(' '));
        return query(...args);
      },
    });
  }) as typeof pool.connect;
  return { db: { ...db, pool }, statements };
}

test('a batch is written in one statement: messages, events, typed rows and children of every mail', async () => {
  const { db: countingDb, statements } = counting();
  const writer = createMailWriter(countingDb, { inFlight: 1 });
  const requests = await Promise.all(Array.from({ length: 8 }, (_, i) => request(lsid('e', i), `Customer ${i}`)));
  const results = await Promise.all(requests.map((r) => writer.write(r)));
  assert.deepEqual(writer.stats(), { transactions: 2, mails: 8 });
  assert.deepEqual(statements, ['WITH ids', 'WITH ids']);
  assert.deepEqual(new Set(results.map((r) => r.status)), new Set(['extracted']));
  const { rows } = await db.pool.query(
    `SELECT m.id::text, e.lsid, s.customer_name, (SELECT count(*)::int FROM chat_messages c WHERE c.event_id = e.id) AS chat,
            (SELECT count(*)::int FROM event_labels l WHERE l.event_id = e.id) AS labels
       FROM messages m JOIN events e ON e.mail_id = m.id JOIN session_end s ON s.event_id = e.id AND s.mail_id = m.id
      WHERE e.lsid LIKE 'e%' ORDER BY m.id`,
  );
  assert.deepEqual(rows.map((r) => r.id), results.map((r) => r.id));
  assert.deepEqual(rows.map((r) => [r.lsid, r.customer_name, r.chat > 0, r.labels > 0]), requests.map((_, i) => [lsid('e', i), `Customer ${i}`, true, true]));
});

test('a delivery repeated within a batch: the one statement is refused, mail by mail the second becomes its duplicate', async () => {
  const { db: countingDb, statements } = counting();
  const writer = createMailWriter(countingDb, { inFlight: 1 });
  const first = await request(lsid('f', 0), 'Customer 0');
  const others = await Promise.all(Array.from({ length: 3 }, (_, i) => request(lsid('f', i + 1), `Customer ${i + 1}`)));
  const results = await Promise.all([others[0], first, others[1], first, others[2]].map((r) => writer.write(r as StoreRequest)));
  assert.deepEqual(results.map((r) => r.status), ['extracted', 'extracted', 'extracted', 'duplicate', 'extracted']);
  // The lone first mail went in one statement; the batch of four was refused (unique index), then went mail by mail.
  assert.deepEqual(statements.slice(0, 3), ['WITH ids', 'WITH ids', 'BEGIN']);
  const stored = await statusOf(lsid('f', 0));
  assert.deepEqual(stored.map((s) => s.status), ['extracted', 'duplicate']);
  assert.match(String(stored[1]?.detail), new RegExp(`same Message-ID and content as message ${results[1]?.id}`));
});

test('a large mail goes in a lane of its own: the small mails that arrive with it are not held up behind it', async () => {
  const batches: number[] = [];
  const writer = createMailWriter(db, { onBatch: (n) => batches.push(n) });
  const large = await request(lsid('9', 0), 'Customer 0', 25_000);
  assert.ok(large.mail.raw.length >= LARGE_MAIL_BYTES, `${large.mail.raw.length} bytes`);
  const small = await Promise.all(Array.from({ length: 3 }, (_, i) => request(lsid('9', i + 1), `Customer ${i + 1}`)));
  const results = await Promise.all([large, ...small].map((r) => writer.write(r)));
  // The large mail and the first small one started at once; the other two waited only for that small one.
  assert.deepEqual(batches, [1, 1, 2]);
  assert.deepEqual(results.map((r) => r.status), ['extracted', 'extracted', 'extracted', 'extracted']);
  const { rows } = await db.pool.query(`SELECT s.chat_lines FROM session_end s WHERE s.lsid = $1`, [lsid('9', 0)]);
  assert.equal(rows[0]?.chat_lines, 25_000);
});

/** The chat lines stored for the mail of `lsid`: how many, and whether their seq runs 1..n without a gap. */
async function chatOf(lsid: string): Promise<{ lines: number; contiguous: boolean; counted: number | null }> {
  const { rows } = await db.pool.query(
    `SELECT count(c.*)::int AS lines, count(DISTINCT c.seq) = count(c.*) AND coalesce(max(c.seq), 0) = count(c.*) AS contiguous, s.chat_lines AS counted
       FROM events e JOIN session_end s ON s.event_id = e.id LEFT JOIN chat_messages c ON c.event_id = e.id
      WHERE e.lsid = $1 GROUP BY s.chat_lines`,
    [lsid],
  );
  return rows[0] ?? { lines: 0, contiguous: true, counted: null };
}

test('a chat too long for one statement: its lines follow in statements of their own, in the same transaction', async () => {
  const lines = CHAT_LINES_PER_STATEMENT + 3;
  const { db: countingDb, statements } = counting();
  const writer = createMailWriter(countingDb, { inFlight: 1 });
  const long = await request(lsid('7', 0), 'Customer 0', lines);
  assert.ok(long.mail.raw.length < LARGE_MAIL_BYTES, 'small enough to share a batch');
  assert.equal((await writer.write(long)).status, 'extracted');
  assert.deepEqual(statements, ['BEGIN', 'WITH ids', 'INSERT INTO', 'INSERT INTO', 'COMMIT']);
  assert.deepEqual(await chatOf(lsid('7', 0)), { lines, contiguous: true, counted: lines });

  // Refused as one batch (the same delivery twice), then mail by mail: the first with all its lines, the second a duplicate.
  const again = await request(lsid('7', 1), 'Customer 1', lines);
  const results = await Promise.all([long, again, again].map((r) => writer.write(r)));
  assert.deepEqual(results.map((r) => r.status), ['duplicate', 'extracted', 'duplicate']);
  assert.deepEqual(await chatOf(lsid('7', 0)), { lines, contiguous: true, counted: lines });
  assert.deepEqual(await chatOf(lsid('7', 1)), { lines, contiguous: true, counted: lines });
});

test('a long chat whose later lines the database refuses: none of the mail\'s rows stay but the raw mail, which reprocessing stores whole', async () => {
  const lines = CHAT_LINES_PER_STATEMENT + 2;
  const poisoned = `${chat(lines - 1)}\n15:59:59 John: poison line`;
  const writer = createMailWriter(db, { inFlight: 1 });
  await db.pool.query(`CREATE FUNCTION chat_reject() RETURNS trigger LANGUAGE plpgsql AS $$
                         BEGIN RAISE EXCEPTION 'line rejected' USING ERRCODE = '22023'; END $$`);
  await db.pool.query(`CREATE TRIGGER chat_reject BEFORE INSERT ON chat_messages FOR EACH ROW WHEN (NEW.body = 'poison line') EXECUTE FUNCTION chat_reject()`);
  try {
    assert.equal((await writer.write(await request(lsid('8', 0), 'Customer 0', poisoned))).status, 'invalid');
  } finally {
    await db.pool.query('DROP TRIGGER chat_reject ON chat_messages; DROP FUNCTION chat_reject()');
  }
  const [stored] = await statusOf(lsid('8', 0));
  assert.match(String(stored?.detail), /line rejected \(SQLSTATE 22023\)/);
  assert.deepEqual(await chatOf(lsid('8', 0)), { lines: 0, contiguous: true, counted: null });
  const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM chat_messages c LEFT JOIN events e ON e.id = c.event_id WHERE e.id IS NULL`);
  assert.equal(rows[0].n, 0);

  // Every invalid mail of this file is reprocessed (the triggers are gone), this one among them.
  await reprocess(db, catalog.current(), { statuses: ['invalid'], dryRun: false });
  assert.equal((await statusOf(lsid('8', 0)))[0]?.status, 'extracted');
  assert.deepEqual(await chatOf(lsid('8', 0)), { lines, contiguous: true, counted: lines });
});

test('a mail whose own statement fails for availability gets 451 alone; the others in its transaction are stored', async () => {
  const writer = createMailWriter(db, { inFlight: 1 });
  const requests = await Promise.all(Array.from({ length: 6 }, (_, i) => request(lsid('b', i), i === 3 ? 'busy' : `Customer ${i}`)));
  const settled = await withTrigger('busy', '40001', false, () => Promise.allSettled(requests.map((r) => writer.write(r))));
  assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  assert.ok((settled[3] as PromiseRejectedResult).reason instanceof StorageUnavailableError);
  assert.deepEqual(await statusOf(lsid('b', 3)), []);
  assert.equal((await statusOf(lsid('b', 4)))[0]?.status, 'extracted');
  // The sender retries once the database takes it: stored once.
  assert.equal((await writer.write(requests[3] as StoreRequest)).status, 'extracted');
  assert.equal((await statusOf(lsid('b', 3))).length, 1);
});

test('a COMMIT that fails answers every mail of the transaction 451 and stores none of them', async () => {
  const writer = createMailWriter(db, { inFlight: 1 });
  const requests = await Promise.all(Array.from({ length: 5 }, (_, i) => request(lsid('c', i), i === 4 ? 'at-commit' : `Customer ${i}`)));
  const settled = await withTrigger('at-commit', '40001', true, () => Promise.allSettled(requests.map((r) => writer.write(r))));
  // The first went alone and committed; the four behind it shared the transaction whose COMMIT failed.
  assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'rejected', 'rejected', 'rejected']);
  for (const s of settled.slice(1)) assert.ok((s as PromiseRejectedResult).reason instanceof StorageUnavailableError);
  const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM messages WHERE message_id LIKE '<c%'`);
  assert.equal(rows[0].n, 1);
  const { rows: events } = await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE lsid LIKE 'c%'`);
  assert.equal(events[0].n, 1);
});

test('concurrent SMTP clients: fewer transactions than mails, every mail answered 250 and stored once', async () => {
  const daemon = await startDaemon({ config: tdb.config({}), logger: testLogger(), db });
  try {
    const MAILS = 24;
    const replies = await Promise.all(
      Array.from({ length: MAILS }, async (_, i) => {
        const v = values(lsid('d', i), `Customer ${i}`);
        return sendMail(daemon.smtp.port, { subject: render(sessionEnd.subject, v), text: render(sessionEnd.body, v), messageId: `<${lsid('d', i)}@support.example.com>` });
      }),
    );
    assert.deepEqual(new Set(replies.map((r) => r.code)), new Set([250]));
    const metrics = await daemon.metrics.registry.getSingleMetricAsString('unmacro_mail_batch_size');
    const transactions = Number(/unmacro_mail_batch_size_count (\d+)/.exec(metrics)?.[1]);
    const mails = Number(/unmacro_mail_batch_size_sum (\d+)/.exec(metrics)?.[1]);
    assert.equal(mails, MAILS);
    assert.ok(transactions < MAILS, `${transactions} transactions for ${MAILS} mails`);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS d FROM messages WHERE message_id LIKE '<d%' AND status = 'extracted'`);
    assert.deepEqual(rows[0], { n: MAILS, d: MAILS });
  } finally {
    await daemon.stop();
  }
});
