// The embedded database runs in a worker thread. Used to break: PGlite ran on the daemon's own
// thread, so a long query from psql froze everything (/healthz answered after 9 s, a mail got its
// 250 after 23.7 s, and 451s came after 26-34 s instead of --db-timeout-ms 15 s).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { startDaemon } from '../src/daemon.js';
import { createTestDatabase, SERVER_URL, testLogger } from './support/database.js';
import { connectRaw } from './support/smtp.js';

/** A query that keeps PGlite busy for several seconds on this machine. */
const LONG_QUERY = 'SELECT count(*) FROM generate_series(1, 15000000)';

test('a long query from another client does not freeze SMTP or /healthz', { skip: !!SERVER_URL && 'embedded only' }, async (t) => {
  const tdb = await createTestDatabase();
  const db = await tdb.open();
  const daemon = await startDaemon({ config: tdb.config({ dbTimeoutMs: 2_000 }), logger: testLogger(), db });
  const psql = new pg.Client({ host: tdb.dataDir, user: 'postgres', database: 'postgres' });
  try {
    await psql.connect();
    const started = Date.now();
    const long = psql.query(LONG_QUERY).then(() => Date.now() - started, () => Date.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const t0 = Date.now();
    const health = await fetch(`http://127.0.0.1:${daemon.http?.port}/healthz`);
    const healthMs = Date.now() - t0;
    const t1 = Date.now();
    const smtp = await connectRaw(daemon.smtp.port);
    const greeting = await smtp.reply();
    const greetingMs = Date.now() - t1;
    smtp.close();
    const longMs = await long;
    t.diagnostic(`long query ${longMs} ms; /healthz ${health.status} in ${healthMs} ms; SMTP greeting in ${greetingMs} ms`);
    assert.ok(longMs > healthMs + 1_000, `the query kept the database busy (${longMs} ms)`);
    assert.ok(healthMs < 3_000, `/healthz answered in ${healthMs} ms (status ${health.status})`);
    assert.match(greeting, /^220 /);
    assert.ok(greetingMs < 1_000, `SMTP greeted in ${greetingMs} ms`);
  } finally {
    await psql.end().catch(() => {});
    await daemon.stop();
    await db.close();
    await tdb.drop();
  }
});
