// Fault suite: no mail is lost or doubled when the daemon is killed, when its database
// connections are cut, or when two daemons share a database. Run by `npm run test:faults`.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import pg from 'pg';
import { dataBlock, TOKEN } from '../../bench/load-client.js';
import { runCli, startServe, type ServeProcess } from '../support/cli.js';
import { createTestDatabase, SERVER_URL, type TestDatabase } from '../support/database.js';
import { compose, render, sessionEndValues, shippedTemplate } from '../support/mail.js';
import { freePort, sendWithRetries, type OutgoingMail } from '../support/retrying-client.js';

const MAILS = Number(process.env.UNMACRO_FAULT_MAILS ?? 3000);
const CONNECTIONS = 8;
const DEADLINE_MS = 240_000;
const serverOnly = SERVER_URL ? false : 'needs a PostgreSQL server (TEST_DATABASE_URL)';

let template: string;
before(async () => {
  const t = shippedTemplate('session-end');
  const v = sessionEndValues({ LSID: TOKEN });
  template = dataBlock(await compose({ subject: render(t.subject, v), text: render(t.body, v), messageId: `<${TOKEN}@support.example.com>` }));
});

/** `count` distinct mails, each with its own LSID (which is also its id) and Message-ID. */
function mails(count: number, prefix: string): OutgoingMail[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}${i.toString(16)}`.padStart(32, '0');
    return { id, data: Buffer.from(template.replaceAll(TOKEN, id), 'latin1') };
  });
}

async function withDatabase<T>(tdb: TestDatabase, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const db = await tdb.open();
  try {
    return await work(db.pool);
  } finally {
    await db.close();
  }
}

/** Every sent mail has exactly one event: nothing lost, nothing doubled. */
async function assertExactlyOnce(tdb: TestDatabase, sent: readonly OutgoingMail[]): Promise<{ duplicates: number }> {
  return withDatabase(tdb, async (pool) => {
    const { rows } = await pool.query<{ lsid: string; n: number }>(`SELECT lsid, count(*)::int AS n FROM events WHERE source = 'email' GROUP BY lsid`);
    const counts = new Map(rows.map((r) => [r.lsid, r.n]));
    const lost = sent.filter((m) => !counts.has(m.id));
    const doubled = rows.filter((r) => r.n > 1);
    assert.deepEqual({ lost: lost.length, doubled: doubled.length }, { lost: 0, doubled: 0 });
    const { rows: dups } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE status = 'duplicate'`);
    return { duplicates: dups[0]?.n ?? 0 };
  });
}

async function prepared(): Promise<TestDatabase> {
  const tdb = await createTestDatabase();
  const added = await runCli(['template', 'add', ...tdb.flags, 'templates/session-end.tmpl']);
  assert.equal(added.code, 0, added.stderr);
  return tdb;
}

async function stop(serve: ServeProcess): Promise<void> {
  serve.child.kill('SIGTERM');
  const result = await serve.done;
  assert.equal(result.code, 0, result.stderr.slice(-2000));
}

test(`kill -9 during a load of ${MAILS} mails: after a restart every mail is stored exactly once`, async () => {
  const tdb = await prepared();
  try {
    const port = await freePort();
    const args = [...tdb.flags, '--smtp-port', String(port)];
    let daemon = await startServe(args);
    const sent = mails(MAILS, 'a');
    const acked = new Set<string>();
    const load = sendWithRetries(port, sent, CONNECTIONS, DEADLINE_MS, (id) => acked.add(id));
    // Let a third of the mail through, then kill the daemon without warning.
    await until(() => acked.size >= Math.floor(MAILS / 3));
    const ackedBeforeKill = new Set(acked);
    daemon.child.kill('SIGKILL');
    await daemon.done;
    daemon = await startServe(args);
    const report = await load;
    await stop(daemon);
    assert.equal(report.acked.size, MAILS, `every mail got its 250 in the end (replies: ${JSON.stringify(report.replies)})`);
    // A mail acked before the kill is never sent again, so finding it proves it was committed first.
    const { duplicates } = await assertExactlyOnce(tdb, sent);
    console.log(`# kill -9 after ${ackedBeforeKill.size} acked: ${report.attempts} attempts, replies ${JSON.stringify(report.replies)}, ${duplicates} duplicate deliveries recorded, ${report.seconds.toFixed(1)} s`);
  } finally {
    await tdb.drop();
  }
});

// Regression: a connection cut while checked out between two statements emitted an unheard
// 'error' and crashed the daemon; now the statement fails, the mail gets a 451 and is retried.
test('database connections cut during load: 451s meanwhile, then every mail exactly once', { skip: serverOnly }, async () => {
  const tdb = await prepared();
  try {
    const port = await freePort();
    const daemon = await startServe([...tdb.flags, '--smtp-port', String(port)]);
    const sent = mails(MAILS, 'b');
    const load = sendWithRetries(port, sent, CONNECTIONS, DEADLINE_MS);
    const admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    const database = new URL(tdb.databaseUrl as string).pathname.slice(1);
    try {
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 700));
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      }
    } finally {
      await admin.end();
    }
    const report = await load;
    await stop(daemon);
    assert.equal(report.acked.size, MAILS, JSON.stringify(report.replies));
    assert.ok((report.replies['451'] ?? 0) > 0, `the cuts were felt as 451s: ${JSON.stringify(report.replies)}`);
    const { duplicates } = await assertExactlyOnce(tdb, sent);
    console.log(`# connections cut 5 times: replies ${JSON.stringify(report.replies)}, ${duplicates} duplicate deliveries recorded`);
  } finally {
    await tdb.drop();
  }
});

test('two daemons on one database, each sent every mail: one event per mail', { skip: serverOnly }, async () => {
  const tdb = await prepared();
  try {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await startServe([...tdb.flags, '--smtp-port', String(portA)]);
    const b = await startServe([...tdb.flags, '--smtp-port', String(portB)]);
    const sent = mails(Math.min(MAILS, 1000), 'c');
    const [ra, rb] = await Promise.all([sendWithRetries(portA, sent, 4, DEADLINE_MS), sendWithRetries(portB, sent, 4, DEADLINE_MS)]);
    await Promise.all([stop(a), stop(b)]);
    assert.equal(ra.acked.size + rb.acked.size, sent.length * 2);
    const { duplicates } = await assertExactlyOnce(tdb, sent);
    assert.equal(duplicates, sent.length, 'the second copy of each mail is recorded as a duplicate');
  } finally {
    await tdb.drop();
  }
});


async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
