// Console page server time with many events: fills a fresh database on a PostgreSQL server with
// N messages (90% extracted session ends over 30 days, with values, times and survey answers;
// the rest unmatched, ambiguous or duplicate), then times each page over real HTTP.
// Usage: npm run bench:ui [-- --messages 1000000 --runs 5 --keep]   (BENCH_DATABASE_URL, default the local server)
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { startDaemon } from '../src/daemon.js';
import { openDatabase } from '../src/db/pool.js';
import { createLogger } from '../src/logger.js';
import { addTemplate } from '../src/registry.js';
import { shippedTemplate } from '../test/support/mail.js';

const { values: args } = parseArgs({
  options: { messages: { type: 'string', default: '200000' }, runs: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } },
});
const MESSAGES = Number(args.messages);
const RUNS = Number(args.runs);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `unmacro_bench_ui_${process.pid}`;
/** Rows per INSERT ... SELECT, so progress shows and no statement runs for minutes. */
const CHUNK = 100_000;

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

/** Fills through its own connection: the daemon's pool has a statement timeout, a fill chunk may take longer. */
async function fill(pool: pg.Client): Promise<void> {
  for (let from = 1; from <= MESSAGES; from += CHUNK) {
    const to = Math.min(MESSAGES, from + CHUNK - 1);
    // i -> received over the last 30 days, oldest first; every 10th is not extracted.
    await pool.query(
      `INSERT INTO messages (received_at, mail_from, rcpt_to, remote_address, message_id, subject, size_bytes, status, template_name, template_version, detail, raw)
       SELECT now() - interval '30 days' * (1 - i::float8 / $2), 'site' || (i % 7) || '@support.example.com', '{unmacro@example.com}', '127.0.0.1',
              '<bench-' || i || '@example.com>', 'Session ' || md5(i::text) || ' ended', 2048,
              CASE WHEN i % 10 = 1 THEN 'unmatched' WHEN i % 10 = 2 THEN 'duplicate' WHEN i % 50 = 3 THEN 'ambiguous' ELSE 'extracted' END,
              CASE WHEN i % 10 IN (1, 2) THEN NULL ELSE 'session-end' END, CASE WHEN i % 10 IN (1, 2) THEN NULL ELSE 1 END,
              CASE WHEN i % 10 = 1 THEN 'no template fits this mail' END,
              CASE WHEN i % 10 = 1 THEN convert_to('Subject: x' || chr(10) || chr(10) || 'unmatched ' || i, 'UTF8') END
         FROM generate_series($1::int, $3::int) i`,
      [from, MESSAGES, to],
    );
    await pool.query(
      `INSERT INTO events (source, event, lsid, lseq, external_key, occurred_at, received_at, mail_id, template_name, template_version, ambiguous, values, typed, dedup_key)
       SELECT 'email', 'support_conference_end', md5(m.id::text), m.id, 'INC' || m.id, m.received_at, m.received_at, m.id, 'session-end', 1, m.status = 'ambiguous',
              jsonb_build_object('customer_name', 'Customer ' || (m.id % 5000), 'primary_rep_private_display_name', 'Rep ' || (m.id % 40),
                                 'primary_rep_user_name', 'rep' || (m.id % 40), 'lsid', md5(m.id::text)),
              jsonb_build_object('start_time', m.received_at - interval '1 second' * (300 + m.id % 3600), 'end_time', m.received_at),
              decode(md5('bench' || m.id), 'hex')
         FROM messages m WHERE m.id BETWEEN $1 AND $2 AND m.status IN ('extracted', 'ambiguous')`,
      [from, to],
    );
    await pool.query(
      `INSERT INTO survey_answers (event_id, survey, seq, question, answer)
       SELECT e.id, 'customer', q, CASE q WHEN 1 THEN 'Rating' ELSE 'Solved?' END,
              CASE q WHEN 1 THEN ((e.id % 5) + 1)::text ELSE CASE WHEN e.id % 3 = 0 THEN 'No' ELSE 'Yes' END END
         FROM events e CROSS JOIN generate_series(1, 2) q WHERE e.mail_id BETWEEN $1 AND $2 AND e.mail_id % 4 = 0`,
      [from, to],
    );
    process.stderr.write(`\rfilled ${to} of ${MESSAGES} messages`);
  }
  process.stderr.write('\n');
  await pool.query('ANALYZE');
}

async function main(): Promise<void> {
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const logger = createLogger({ logLevel: 'warn', logFormat: 'json' });
  const config = loadConfig({ env: {}, flags: { databaseUrl: url.toString(), smtpPort: 0, httpPort: 0, logLevel: 'warn' } });
  const db = await openDatabase(config, logger);
  try {
    const daemon = await startDaemon({ config, logger, db });
    try {
      await addTemplate(db, shippedTemplate('session-end').source, 'session-end.tmpl');
      const started = Date.now();
      const filler = new pg.Client({ connectionString: url.toString() });
      await filler.connect();
      await fill(filler).finally(() => filler.end());
      console.log(`${MESSAGES} messages filled in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      const base = `http://127.0.0.1:${daemon.http?.port}`;
      const { rows } = await db.pool.query<{ unmatched: string; extracted: string; middle: string }>(
        `SELECT (SELECT max(id) FROM messages WHERE status = 'unmatched')::text AS unmatched,
                (SELECT max(id) FROM messages WHERE status = 'extracted')::text AS extracted, ($1::bigint / 2)::text AS middle`,
        [MESSAGES],
      );
      const r = rows[0]!;
      const pages = [
        '/ui/', '/ui/?by=day', '/ui/messages', `/ui/messages?before=${r.middle}`, '/ui/messages?status=unmatched',
        '/ui/messages?template=session-end&since=2020-01-01', `/ui/messages?q=${'0'.repeat(32)}`, '/ui/messages?q=Customer%204242',
        `/ui/messages/${r.extracted}`, `/ui/messages/${r.unmatched}`, '/ui/templates', '/ui/templates/session-end', '/ui/tester',
        '/ui/reports', '/ui/reports?days=7', '/ui/reports/representatives.csv',
      ];
      console.log(`page server time over HTTP, ${RUNS} runs each, ${MESSAGES} messages (ms); first: cold (aggregates computed), median of the rest: within the 30 s cache`);
      console.log('page'.padEnd(58), 'first'.padStart(8), 'median'.padStart(8), 'max'.padStart(8));
      for (const page of pages) {
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t = performance.now();
          const res = await fetch(base + page);
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${page}: ${res.status}`);
          times.push(performance.now() - t);
        }
        const first = times[0]!;
        const rest = times.slice(1).sort((a, b) => a - b);
        console.log(page.padEnd(58), first.toFixed(1).padStart(8), (rest[Math.floor(rest.length / 2)] ?? first).toFixed(1).padStart(8), Math.max(...times).toFixed(1).padStart(8));
      }
    } finally {
      await daemon.stop();
    }
  } finally {
    await db.close();
    if (args.keep) console.log(`kept database ${name} (drop it with: DROP DATABASE ${name})`);
    else await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

await main();
