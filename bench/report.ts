// Reporting at scale: fills a PostgreSQL server database with N session-end events (about 10 chat
// lines and a customer survey each, set-based SQL, a few minutes), then times every SQL example
// of the README, the session_timeline of one LSID, and per-representative and per-day ranges:
// p50/p95 and whether the plan uses an index. A script that prints numbers, not a test.
// Usage: npm run bench:report [-- --sessions 1000000 --keep]   (BENCH_DATABASE_URL, default the local server)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';

const { values: args } = parseArgs({ options: { sessions: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } } });
const SESSIONS = Number(args.sessions);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CHUNK = 100_000;
const REPS = 200;
const CHAT_LINES = 10;
/** Each query runs until it has this many timings or this much time went by (at least MIN_RUNS). */
const MAX_RUNS = 30;
const MIN_RUNS = 3;
const QUERY_BUDGET_MS = 30_000;
const name = `unmacro_report_${process.pid}`;

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

/** Rows for sessions lo..hi: messages, events, typed rows, chat lines, a survey with three answers. */
const FILL = [
  `INSERT INTO messages (id, received_at, stored_at, processed_at, mail_from, rcpt_to, message_id, subject, size_bytes, status,
                         template_name, template_version, content_hash)
   OVERRIDING SYSTEM VALUE
   SELECT g + k * $3::bigint, t + k * interval '2 minutes', t, t, 'appliance@support.example.com', '{unmacro@example.com}',
          '<' || k || '-' || g || '@support.example.com>', 'Session ' || md5(g::text) || ' ended', 6000, 'extracted',
          CASE k WHEN 0 THEN 'session-end' ELSE 'customer-exit-survey' END, 1, sha256(int8send(g + k * $3::bigint))
     FROM (SELECT g, timestamptz '2025-01-01' + g * (interval '365 days' / $3::int) AS t FROM generate_series($1::bigint, $2::bigint) g) s,
          (VALUES (0), (1)) v(k)`,
  `INSERT INTO events (id, source, event, lsid, lseq, external_key, occurred_at, received_at, mail_id, template_name, template_version, values, dedup_key)
   OVERRIDING SYSTEM VALUE
   SELECT g, 'email', 'support_conference_end', md5(g::text), g, 'INC' || g, t, t, g, 'session-end', 1,
          jsonb_build_object('lsid', md5(g::text), 'customer_name', 'Customer ' || g, 'primary_rep_user_name', 'rep' || (g % ${REPS}),
                             'start_time', to_char(t - interval '40 minutes', 'YYYY-MM-DD HH24:MI:SS'), 'end_time', to_char(t, 'YYYY-MM-DD HH24:MI:SS')),
          sha256(('end' || g)::bytea)
     FROM (SELECT g, timestamptz '2025-01-01' + g * (interval '365 days' / $3::int) AS t FROM generate_series($1::bigint, $2::bigint) g) s`,
  `INSERT INTO session_end (event_id, lsid, lseq, external_key, customer_name, customer_computer_name, primary_rep_private_display_name,
                            primary_rep_public_display_name, primary_rep_user_name, start_time, end_time, start_time_text, end_time_text,
                            session_chat, received_at, mail_id, template_name, template_version, chat_lines, chat_lines_by_representative)
   SELECT g, md5(g::text), g, 'INC' || g, 'Customer ' || g, 'PC-' || g, 'Rep ' || (g % ${REPS}) || ' [L2]', 'Rep' || (g % ${REPS}),
          'rep' || (g % ${REPS}), t - make_interval(mins => 10 + (g % 50)::int), t, to_char(t - interval '40 minutes', 'YYYY-MM-DD HH24:MI:SS'),
          to_char(t, 'YYYY-MM-DD HH24:MI:SS'), 'chat', t, g, 'session-end', 1, ${CHAT_LINES} - (g % 3)::int, ${CHAT_LINES / 2}
     FROM (SELECT g, timestamptz '2025-01-01' + g * (interval '365 days' / $3::int) AS t FROM generate_series($1::bigint, $2::bigint) g) s`,
  `INSERT INTO chat_messages (event_id, seq, sent_at_text, speaker, body)
   SELECT g, n, '15:' || lpad(n::text, 2, '0'), CASE WHEN n % 2 = 1 THEN 'Rep' || (g % ${REPS}) ELSE 'Customer ' || g END,
          'Message ' || n || ' of the session, please try again.'
     FROM generate_series($1::bigint, $2::bigint) g, generate_series(1, ${CHAT_LINES} - (g % 3)::int) n`,
  `INSERT INTO events (id, source, event, lsid, lseq, received_at, occurred_at, mail_id, template_name, template_version, values, dedup_key)
   OVERRIDING SYSTEM VALUE
   SELECT g + $3::bigint, 'email', 'support_conference_customer_exit_survey_completed', md5(g::text), g, t, t, g + $3::bigint, 'customer-exit-survey', 1,
          jsonb_build_object('lsid', md5(g::text)), sha256(('survey' || g)::bytea)
     FROM (SELECT g, timestamptz '2025-01-01' + g * (interval '365 days' / $3::int) + interval '2 minutes' AS t FROM generate_series($1::bigint, $2::bigint) g) s`,
  `INSERT INTO customer_exit_survey (event_id, lsid, lseq, customer_exit_survey, received_at, mail_id, template_name, template_version)
   SELECT g + $3::bigint, md5(g::text), g, 'Q1: yes', timestamptz '2025-01-01' + g * (interval '365 days' / $3::int), g + $3::bigint, 'customer-exit-survey', 1
     FROM generate_series($1::bigint, $2::bigint) g`,
  `INSERT INTO survey_answers (event_id, survey, seq, question, answer)
   SELECT g + $3::bigint, 'customer', q, 'Question ' || q, (ARRAY['Yes', 'No', '5', '4', '3'])[1 + (g + q) % 5]
     FROM generate_series($1::bigint, $2::bigint) g, generate_series(1, 3) q`,
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Whether any node of a JSON plan reads an index. */
function usesIndex(plan: unknown): boolean {
  const node = plan as { 'Node Type'?: string; Plans?: unknown[] };
  return /Index|Bitmap/.test(node['Node Type'] ?? '') || (node.Plans ?? []).some(usesIndex);
}

async function main() {
  const started = Date.now();
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  try {
    await migrate(pool, 'public', createLogger({ logLevel: 'warn', logFormat: 'json' }));
    await pool.query(`INSERT INTO templates (name, version, event, body, source) VALUES
      ('session-end', 1, 'support_conference_end', 'b', 's'), ('customer-exit-survey', 1, 'support_conference_customer_exit_survey_completed', 'b', 's')`);
    for (let lo = 1; lo <= SESSIONS; lo += CHUNK) {
      const hi = Math.min(SESSIONS, lo + CHUNK - 1);
      for (const sql of FILL) await pool.query(sql, [lo, hi, SESSIONS].slice(0, sql.includes('$3') ? 3 : 2));
      process.stderr.write(`\rfilled ${hi} of ${SESSIONS} sessions (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    for (const table of ['messages', 'events']) await pool.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
    // Two percent more mail that no template matched, for the unmatched report.
    await pool.query(`INSERT INTO messages (received_at, size_bytes, status, detail, message_id, content_hash)
                      SELECT timestamptz '2025-01-01' + g * interval '15 minutes', 3000, 'unmatched', 'no template fits', '<u' || g || '@x>', sha256(int8send(g))
                        FROM generate_series(1, $1::int / 50) g`, [SESSIONS]);
    await pool.query('VACUUM ANALYZE');
    const fillSeconds = (Date.now() - started) / 1000;
    process.stderr.write(`\rfilled ${SESSIONS} sessions in ${fillSeconds.toFixed(0)} s\n`);

    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const reports = readme.slice(readme.indexOf('## SQL reports'), readme.indexOf('## Operations'));
    const examples = [...reports.matchAll(/\n([^\n`]+):\n\n```sql\n([\s\S]*?)```/g)].map((m) => ({ name: (m[1] as string).trim(), sql: (m[2] as string).trim(), params: [] as unknown[] }));
    const lsid = (await pool.query(`SELECT md5(($1::int / 2)::text) AS lsid`, [SESSIONS])).rows[0].lsid as string;
    const queries = [
      ...examples.map((e) => (e.sql.includes('session_timeline') ? { ...e, sql: e.sql.replace(/'[0-9a-f]{32}'/, `'${lsid}'`) } : e)),
      {
        name: 'One representative, one week (per-representative range)',
        sql: `SELECT event_id, lsid, customer_name, start_time, end_time FROM session_end
               WHERE primary_rep_user_name = $1 AND end_time >= $2 AND end_time < $2::timestamptz + interval '7 days' ORDER BY end_time`,
        params: ['rep42', '2025-06-02T00:00:00Z'],
      },
      {
        name: 'Sessions of one day, per representative (per-day range)',
        sql: `SELECT primary_rep_user_name, count(*), avg(end_time - start_time) FROM session_end
               WHERE end_time >= $1 AND end_time < $1::timestamptz + interval '1 day' GROUP BY 1 ORDER BY 2 DESC`,
        params: ['2025-06-02T00:00:00Z'],
      },
      {
        name: 'One session by LSID, with its chat',
        sql: `SELECT s.customer_name, c.seq, c.speaker, c.body FROM session_end s JOIN chat_messages c ON c.event_id = s.event_id WHERE s.lsid = $1 ORDER BY c.seq`,
        params: [lsid],
      },
    ];
    const lines = ['| query | runs | p50 ms | p95 ms | rows | index in plan |', '|---|---:|---:|---:|---:|---|'];
    for (const q of queries) {
      const explain = await pool.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.params);
      const indexed = usesIndex((explain.rows[0]['QUERY PLAN'] as { Plan: unknown }[])[0]?.Plan);
      const times: number[] = [];
      let rows = 0;
      const begin = Date.now();
      while (times.length < MAX_RUNS && (times.length < MIN_RUNS || Date.now() - begin < QUERY_BUDGET_MS)) {
        const t0 = performance.now();
        rows = (await pool.query(q.sql, q.params)).rowCount ?? 0;
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const line = `| ${q.name} | ${times.length} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} | ${rows} | ${indexed ? 'yes' : 'no'} |`;
      lines.push(line);
      process.stderr.write(`${line}\n`);
    }
    const { rows: size } = await pool.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size, version() AS version`);
    console.log(`\n${SESSIONS} session-end events (${CHAT_LINES - 2}-${CHAT_LINES} chat lines and a 3-answer customer survey each), ` +
      `${size[0].size}, filled in ${fillSeconds.toFixed(0)} s; ${String(size[0].version).split(' on ')[0]}.\n`);
    console.log(lines.join('\n'));
  } finally {
    await pool.end();
    if (!args.keep) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    else console.error(`kept database ${name}`);
  }
}

await main();
