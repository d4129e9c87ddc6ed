// End-to-end SMTP -> PostgreSQL throughput, beside two ceilings measured in the same run:
//   bare       smtp-server that only drains the message stream
//   parse+ins  smtp-server + mailparser + one INSERT per commit (what any such daemon must do)
//   unmacro    the real daemon: decode, match, extract, store message + event + children
// at 1, 8 and 32 connections, for a 2 KB and a 20 KB session-end mail; then HTTP events, serially.
// The load client runs in its own process (bench/load-client.ts).
// Usage: npm run bench:smtp [-- --mails N]   (BENCH_DATABASE_URL, default the local server)
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config.js';
import { startDaemon } from '../src/daemon.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/pool.js';
import { createLogger } from '../src/logger.js';
import { addTemplate } from '../src/registry.js';
import { chat, compose, render, sessionEndValues, shippedTemplate } from '../test/support/mail.js';
import { TOKEN, type LoadResult } from './load-client.js';

const { values: args } = parseArgs({ options: { mails: { type: 'string', default: '1000' } } });
const MAILS = Number(args.mails);
const CONNECTIONS = [1, 8, 32];
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CLIENT = fileURLToPath(new URL('./load-client.ts', import.meta.url));
const name = `unmacro_bench_smtp_${process.pid}`;
const logger = createLogger({ logLevel: 'warn', logFormat: 'json' });

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

/** A session-end mail with TOKEN for its LSID, about `kb` kilobytes. */
async function sessionEnd(chatLines: number, notes: string): Promise<Buffer> {
  const t = shippedTemplate('session-end');
  const v = sessionEndValues({ LSID: TOKEN, SESSION_CHAT: chat(chatLines), SESSION_NOTES: notes });
  return compose({ subject: render(t.subject, v), text: render(t.body, v), messageId: `<${TOKEN}@support.example.com>` });
}

async function load(port: number, connections: number, message: Buffer): Promise<LoadResult> {
  const file = path.join(os.tmpdir(), `unmacro-bench-${process.pid}.json`);
  writeFileSync(file, JSON.stringify([message.toString('base64')]));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLIENT, String(port), String(connections), String(MAILS), file], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as LoadResult;
}

interface Target {
  readonly label: string;
  start(): Promise<{ port: number; stop(): Promise<void> }>;
}

function smtpServer(onData: (raw: Buffer) => Promise<void>): Target['start'] {
  return async () => {
    const server = new SMTPServer({
      authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], disableReverseLookup: true, logger: false, size: 50 << 20,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => onData(Buffer.concat(chunks)).then(() => callback(), callback));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.server.address() as { port: number }).port, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  };
}

await admin(`CREATE DATABASE ${name}`);
const url = new URL(SERVER);
url.pathname = `/${name}`;
const config = loadConfig({
  env: {}, flags: { databaseUrl: url.toString(), smtpPort: 0, httpPort: 0, logLevel: 'warn', dbPoolSize: 16, smtpMaxMessages: 1_000_000, smtpMaxClients: 1000 },
});
const db = await openDatabase(config, logger);
try {
  await migrate(db.pool, db.schema, logger);
  await addTemplate(db, shippedTemplate('session-end').source, 'session-end.tmpl');
  await db.pool.query('CREATE TABLE bench_raw (id bigserial PRIMARY KEY, subject text, raw bytea)');
  const targets: Target[] = [
    { label: 'bare', start: smtpServer(async () => {}) },
    {
      label: 'parse+insert',
      start: smtpServer(async (raw) => {
        const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
        await db.pool.query('INSERT INTO bench_raw (subject, raw) VALUES ($1, $2)', [mail.subject ?? null, raw]);
      }),
    },
    {
      label: 'unmacro',
      start: async () => {
        const daemon = await startDaemon({ config, logger, db });
        return { port: daemon.smtp.port, stop: () => daemon.stop() };
      },
    },
  ];
  const sizes = [
    ['2 KB', await sessionEnd(4, '')],
    ['20 KB', await sessionEnd(200, 'Checked the VPN client and reinstalled the certificate bundle.\n'.repeat(110))],
  ] as const;
  console.log(`unmacro SMTP benchmark: ${MAILS} mails per cell, ${os.cpus().length} cores, PostgreSQL ${(await db.pool.query('SHOW server_version')).rows[0].server_version}, Node ${process.version}`);
  console.log('mail   | conns | target       | mails/s | p50 ms | p99 ms | replies     | unmacro / parse+insert');
  console.log('-------+-------+--------------+---------+--------+--------+-------------+-----------------------');
  for (const [label, message] of sizes) {
    for (const connections of CONNECTIONS) {
      const rates: Record<string, number> = {};
      for (const target of targets) {
        const server = await target.start();
        try {
          const r = await load(server.port, connections, message);
          rates[target.label] = r.mails / r.seconds;
          const ratio = target.label === 'unmacro' ? (rates.unmacro! / rates['parse+insert']!).toFixed(2) : '';
          console.log(
            `${`${label}`.padEnd(6)} | ${String(connections).padStart(5)} | ${target.label.padEnd(12)} | ${String(Math.round(rates[target.label]!)).padStart(7)} | ${r.p50.toFixed(1).padStart(6)} | ${r.p99.toFixed(1).padStart(6)} | ${Object.entries(r.codes).map(([c, n]) => `${c}x${n}`).join(' ').padEnd(11)} | ${ratio}`,
          );
        } finally {
          await server.stop();
        }
      }
    }
  }

  // HTTP: one event at a time, as the appliance sends them.
  const daemon = await startDaemon({ config, logger, db });
  try {
    const endpoint = `http://127.0.0.1:${daemon.http?.port}/events`;
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < MAILS; i++) {
      const t0 = performance.now();
      const res = await fetch(endpoint, { method: 'POST', body: new URLSearchParams({ event: 'support_conference_member_added', timestamp: String(1733239565 + i), lsid: i.toString(16).padStart(32, '0'), type: 'customer', name: 'Ana' }) });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      latencies.push(performance.now() - t0);
    }
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(`\nHTTP POST /events, serial: ${Math.round(MAILS / seconds)} events/s, p50 ${latencies[Math.floor(MAILS / 2)]!.toFixed(2)} ms, p99 ${latencies[Math.floor(MAILS * 0.99)]!.toFixed(2)} ms`);
  } finally {
    await daemon.stop();
  }
} finally {
  await db.close();
  await admin(`DROP DATABASE ${name} WITH (FORCE)`);
}
