// Migration 004 turns the typed views into tables. It must carry over the events of a populated
// database, including the rows that used to break the views: an ISO time of year 0 or year
// 10000 in `events.typed` made every query over `session_end` fail.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadMigrations, migrate, MIGRATIONS_DIR } from '../src/db/migrate.js';
import type { Database } from '../src/db/pool.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';

let tdb: TestDatabase;
let db: Database;
const logger = testLogger();
const SESSIONS = 2_000;

before(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
});
after(async () => {
  await db?.close();
  await tdb?.drop();
});

test('migration 004 moves the events of a populated database into the typed tables', async () => {
  const before4 = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-migrations-'));
  for (const m of (await loadMigrations()).filter((m) => m.version < 4)) await fs.copyFile(path.join(MIGRATIONS_DIR, m.file), path.join(before4, m.file));
  await migrate(db.pool, 'public', logger, before4);
  await fs.rm(before4, { recursive: true });

  await db.pool.query(`INSERT INTO templates (name, version, event, body, source) VALUES ('session-end', 1, 'support_conference_end', 'b', 's'),
                        ('customer-exit-survey', 1, 'support_conference_customer_exit_survey_completed', 'b', 's')`);
  await db.pool.query(
    `INSERT INTO messages (id, size_bytes, status, message_id, content_hash, raw, received_at)
     OVERRIDING SYSTEM VALUE
     SELECT g, 10, 'extracted', '<m' || g || '@x>', sha256(g::text::bytea), 'raw'::bytea, now() - make_interval(days => g % 30)
       FROM generate_series(1, $1::int + 1) g`,
    [SESSIONS],
  );
  await db.pool.query(
    `INSERT INTO events (source, event, lsid, lseq, mail_id, template_name, template_version, received_at, values, typed, dedup_key)
     SELECT 'email', 'support_conference_end', md5(g::text), g, g, 'session-end', 1, now(),
            jsonb_build_object('customer_name', 'Customer ' || g, 'primary_rep_user_name', 'rep' || (g % 7),
                               'start_time', 'as rendered ' || g, 'end_time', 'as rendered ' || g, 'session_chat', 'hi'),
            jsonb_build_object('start_time', CASE g WHEN 1 THEN '0000-01-01T00:00:00.000Z' WHEN 2 THEN '+010000-01-01T00:00:00.000Z'
                                                    ELSE to_char(timestamptz '2024-01-01' + make_interval(mins => g), 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') END,
                               'end_time', to_char(timestamptz '2024-01-01' + make_interval(mins => g + 30), 'YYYY-MM-DD"T"HH24:MI:SS".000Z"')),
            sha256(('e' || g)::bytea)
       FROM generate_series(1, $1::int) g`,
    [SESSIONS],
  );
  await db.pool.query(
    `INSERT INTO events (source, event, lsid, mail_id, template_name, template_version, values, dedup_key)
     VALUES ('email', 'support_conference_customer_exit_survey_completed', 'abc', $1, 'customer-exit-survey', 1,
             '{"customer_exit_survey": "Q: A"}', sha256('survey'::bytea))`,
    [SESSIONS + 1],
  );

  const { applied } = await migrate(db.pool, 'public', logger);
  assert.ok(applied.some((m) => m.version === 4));

  const { rows: counts } = await db.pool.query(`SELECT (SELECT count(*)::int FROM session_end) AS s, (SELECT count(*)::int FROM customer_exit_survey) AS c,
                                                       (SELECT count(*)::int FROM rep_exit_survey) AS r`);
  assert.deepEqual(counts[0], { s: SESSIONS, c: 1, r: 0 });
  const { rows } = await db.pool.query(`SELECT lseq, start_time, end_time, start_time_text, customer_name, primary_rep_user_name
                                          FROM session_end WHERE lseq IN (1, 2, 3) ORDER BY lseq`);
  assert.equal(rows[0].start_time, null, 'year 0 is not carried over as a time');
  assert.equal(rows[1].start_time, null, 'neither is a six-digit year');
  assert.deepEqual(rows[2].start_time, new Date('2024-01-01T00:03:00Z'));
  assert.deepEqual(rows[0].end_time, new Date('2024-01-01T00:31:00Z'));
  assert.equal(rows[0].start_time_text, 'as rendered 1');
  assert.equal(rows[0].customer_name, 'Customer 1');
  assert.equal(rows[0].primary_rep_user_name, 'rep1');
  // Retention's clock: mail stored before the migration counts from when it was stored.
  const { rows: stored } = await db.pool.query('SELECT count(*)::int AS n FROM messages WHERE stored_at IS NULL');
  assert.equal(stored[0].n, 0);
  // The README's reports run over every row.
  await db.pool.query(`SELECT primary_rep_user_name, avg(end_time - start_time) FROM session_end WHERE start_time IS NOT NULL GROUP BY 1`);
});
