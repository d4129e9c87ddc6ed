// Pipeline throughput: decode + match + one transaction per mail into a real PostgreSQL, with
// 1 and 8 ingests at once, for a 2 KB and a 20 KB (200-line chat) session-end mail.
// Usage: npm run bench:ingest [-- --mails N]   (BENCH_DATABASE_URL, default the local server)
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/pool.js';
import { createLogger } from '../src/logger.js';
import { loadCatalog } from '../src/pipeline/catalog.js';
import { ingestMail } from '../src/pipeline/ingest.js';
import { addTemplate } from '../src/registry.js';
import { chat, compose, render, sessionEndValues, shippedTemplate } from '../test/support/mail.js';

const { values: args } = parseArgs({ options: { mails: { type: 'string', default: '2000' } } });
const MAILS = Number(args.mails);
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `unmacro_bench_${process.pid}`;

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

/** Distinct mails (a fresh LSID each, so none is a duplicate) of about the given size. */
async function mails(count: number, chatLines: number, notes: string): Promise<Buffer[]> {
  const t = shippedTemplate('session-end');
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const v = sessionEndValues({ LSID: randomBytes(16).toString('hex'), LSEQ: String(i + 1), SESSION_CHAT: chat(chatLines), SESSION_NOTES: notes });
    out.push(await compose({ subject: render(t.subject, v), text: render(t.body, v), messageId: `<bench-${i}-${randomBytes(6).toString('hex')}@support.example.com>` }));
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

await admin(`CREATE DATABASE ${name}`);
const url = new URL(SERVER);
url.pathname = `/${name}`;
const logger = createLogger({ logLevel: 'warn', logFormat: 'json' });
const config = loadConfig({ env: {}, flags: { databaseUrl: url.toString(), dbPoolSize: 8 } });
const db = await openDatabase(config, logger);
try {
  await migrate(db.pool, db.schema, logger);
  await addTemplate(db, shippedTemplate('session-end').source, 'session-end.tmpl');
  const templates = (await loadCatalog(db, logger)).current();
  console.log(`unmacro ingest benchmark: ${MAILS} mails per run, PostgreSQL ${(await db.pool.query('SHOW server_version')).rows[0].server_version}, Node ${process.version}`);
  console.log('mail          | concurrency | mails/s | p50 ms | p99 ms | statuses');
  console.log('--------------+-------------+---------+--------+--------+---------');
  for (const [label, chatLines, notes] of [['2 KB', 4, ''], ['20 KB', 200, 'Checked the VPN client and reinstalled the certificate bundle.\n'.repeat(110)]] as const) {
    for (const concurrency of [1, 8]) {
      const batch = await mails(MAILS, chatLines, notes);
      const size = Math.round(batch.reduce((n, b) => n + b.length, 0) / batch.length / 1024);
      const latencies: number[] = [];
      const statuses = new Map<string, number>();
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < batch.length) {
            const raw = batch[next++] as Buffer;
            const t0 = performance.now();
            const r = await ingestMail({ db, templates }, { raw, mailFrom: 'a@b', rcptTo: ['unmacro@example.com'], remoteAddress: '127.0.0.1', receivedAt: new Date() });
            latencies.push(performance.now() - t0);
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      const rate = Math.round(batch.length / seconds);
      console.log(
        `${`${label} (${size} KB)`.padEnd(13)} | ${String(concurrency).padStart(11)} | ${String(rate).padStart(7)} | ${percentile(latencies, 0.5).toFixed(2).padStart(6)} | ${percentile(latencies, 0.99).toFixed(2).padStart(6)} | ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}`,
      );
    }
  }
} finally {
  await db.close();
  await admin(`DROP DATABASE ${name} WITH (FORCE)`);
}
