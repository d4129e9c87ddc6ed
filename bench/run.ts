// The whole benchmark, one table: SMTP end to end (unmacro serve, its own process) beside the
// ceilings measured in the same run, at 1, 8 and 32 connections for 2 KB, 20 KB and 200 KB
// session-end mails; then decode + extract throughput, serial HTTP events, the daemon's peak
// memory and `unmacro import` of an mbox. The load client runs in its own process (bench/load-client.ts).
//   bare          smtp-server that only drains the message stream
//   parse+insert  smtp-server + mailparser + one INSERT per commit (what any such daemon must do)
//   pg alone      one single-row INSERT per commit, as many clients as connections (no SMTP)
// Usage: npm run bench [-- --mails N] [-- --workers N] [-- --write]   (BENCH_DATABASE_URL, default the local server)
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { createMatcher, parseTemplate } from '../src/engine/index.js';
import { parseMail } from '../src/pipeline/parse.js';
import { runCli, startServe } from '../test/support/cli.js';
import { chat, compose, render, sessionEndValues, shippedTemplate } from '../test/support/mail.js';
import { cliTimes } from './cli.js';
import { TOKEN, type LoadResult } from './load-client.js';

const { values: args } = parseArgs({ options: { mails: { type: 'string', default: '600' }, workers: { type: 'string', default: '1' }, write: { type: 'boolean', default: false } } });
const MAILS = Number(args.mails);
const CONNECTIONS = [1, 8, 32];
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CLIENT = fileURLToPath(new URL('./load-client.ts', import.meta.url));
const name = `unmacro_bench_${process.pid}`;
const out: string[] = [];
const print = (line = '') => {
  console.log(line);
  out.push(line);
};

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  await client.query(sql).finally(() => client.end());
}

const template = shippedTemplate('session-end');
const NOTE = 'Checked the VPN client and reinstalled the certificate bundle.\n';
/** A session-end mail with TOKEN for its LSID (the load client makes each one unique). */
function sessionEnd(chatLines: number, noteLines: number, lsid = TOKEN): Promise<Buffer> {
  const v = sessionEndValues({ LSID: lsid, SESSION_CHAT: chat(chatLines), SESSION_NOTES: NOTE.repeat(noteLines) });
  return compose({ subject: render(template.subject, v), text: render(template.body, v), messageId: `<${lsid}@support.example.com>` });
}

async function load(port: number, connections: number, count: number, message: Buffer): Promise<LoadResult> {
  const file = path.join(os.tmpdir(), `unmacro-bench-${process.pid}.json`);
  writeFileSync(file, JSON.stringify([message.toString('base64')]));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLIENT, String(port), String(connections), String(count), file], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as LoadResult;
}

async function smtpCeiling(onData: (raw: Buffer) => Promise<void>, run: (port: number) => Promise<LoadResult>): Promise<LoadResult> {
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], disableReverseLookup: true, logger: false, size: 50 << 20,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => onData(Buffer.concat(chunks)).then(() => callback(), callback));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await run((server.server.address() as { port: number }).port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** `count` single-row INSERT commits from `clients` clients at once: PostgreSQL's own ceiling. */
async function pgAlone(pool: pg.Pool, clients: number, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next++ < count) await pool.query('INSERT INTO bench_raw (subject) VALUES ($1)', ['x']);
  }));
  return count / ((performance.now() - started) / 1000);
}

function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:')) ?? '';
  return Math.round(Number(/\d+/.exec(line)?.[0] ?? 0) / 1024);
}

await admin(`CREATE DATABASE ${name}`);
const url = new URL(SERVER);
url.pathname = `/${name}`;
const flags = ['--database-url', url.toString()];
const pool = new pg.Pool({ connectionString: url.toString(), max: 40 });
const started = Date.now();
try {
  await pool.query('CREATE TABLE bench_raw (id bigserial PRIMARY KEY, subject text, raw bytea)');
  if ((await runCli(['template', 'add', ...flags, 'templates/session-end.tmpl'])).code !== 0) throw new Error('template add failed');
  const daemon = await startServe([...flags, '--smtp-max-messages', '1000000', '--smtp-max-clients', '1000', '--db-pool-size', '16', '--workers', args.workers]);
  const cpu = os.cpus();
  print(`# unmacro benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  print();
  print(`Machine: ${cpu.length} × ${cpu[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; PostgreSQL ${(await pool.query('SHOW server_version')).rows[0].server_version} on the same machine; unmacro serve --workers ${args.workers}; ${MAILS} mails per cell (a third of that at 200 KB); load client in its own process.`);
  print();
  print('| mail | conns | bare mails/s | parse+insert mails/s | pg alone commits/s | unmacro mails/s | unmacro p50 ms | unmacro p99 ms | unmacro / parse+insert |');
  print('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [label, chatLines, noteLines] of [['2 KB', 4, 0], ['20 KB', 200, 110], ['200 KB', 2000, 1300]] as const) {
    const message = await sessionEnd(chatLines, noteLines);
    const count = label === '200 KB' ? Math.ceil(MAILS / 3) : MAILS;
    for (const connections of CONNECTIONS) {
      const bare = await smtpCeiling(async () => {}, (port) => load(port, connections, count, message));
      const parsed = await smtpCeiling(async (raw) => {
        const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
        await pool.query('INSERT INTO bench_raw (subject, raw) VALUES ($1, $2)', [mail.subject ?? null, raw]);
      }, (port) => load(port, connections, count, message));
      const alone = await pgAlone(pool, connections, count);
      const real = await load(daemon.smtpPort, connections, count, message);
      const codes = Object.keys(real.codes).filter((c) => c !== '250');
      if (codes.length) throw new Error(`unmacro answered ${JSON.stringify(real.codes)}`);
      const rate = (r: LoadResult) => r.mails / r.seconds;
      print(`| ${label} | ${connections} | ${rate(bare).toFixed(0)} | ${rate(parsed).toFixed(0)} | ${alone.toFixed(0)} | ${rate(real).toFixed(0)} | ${real.p50.toFixed(1)} | ${real.p99.toFixed(1)} | ${(rate(real) / rate(parsed)).toFixed(2)} |`);
    }
  }

  // Decode + extract, on a mail with a 1 MB chat.
  const big = await parseMail(await sessionEnd(13_000, 0, 'e9e99aeb9ad54fb381634498502c5a1b'));
  const matcher = createMatcher([parseTemplate(template.source, 'session-end.tmpl').template!]);
  const rounds = 20;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) if (matcher.match({ subject: big.subject, text: big.text, recipients: [] }).status !== 'extracted') throw new Error('no match');
  const mbs = (big.text.length * rounds) / 2 ** 20 / ((performance.now() - t0) / 1000);
  print();
  print(`Extraction (match + typed values) on a ${(big.text.length / 2 ** 20).toFixed(1)} MB chat: ${mbs.toFixed(0)} MB/s.`);

  // HTTP: one event at a time, as the appliance sends them.
  const latencies: number[] = [];
  const h0 = performance.now();
  for (let i = 0; i < MAILS; i++) {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${daemon.httpPort}/events`, {
      method: 'POST', body: new URLSearchParams({ event: 'support_conference_member_added', timestamp: String(1733239565 + i), lsid: i.toString(16).padStart(32, '0'), type: 'customer', name: 'Ana' }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  print(`HTTP POST /events, one at a time: ${(MAILS / ((performance.now() - h0) / 1000)).toFixed(0)} events/s, p50 ${latencies[Math.floor(MAILS / 2)]!.toFixed(2)} ms, p99 ${latencies[Math.floor(MAILS * 0.99)]!.toFixed(2)} ms.`);
  print(`Peak RSS of the daemon (unmacro serve) over the whole run: ${peakRssMb(daemon.child.pid as number)} MB.`);
  daemon.child.kill('SIGTERM');
  await daemon.done;
  for (const line of await cliTimes()) print(line);

  // Import: an mbox of distinct 20 KB session-end mails (timed from outside, start-up included).
  const mbox = path.join(os.tmpdir(), `unmacro-bench-${process.pid}.mbox`);
  const importMails = MAILS * 5;
  const block = (await sessionEnd(200, 110)).toString('latin1').replace(/^(>*From )/gm, '>$1');
  writeFileSync(mbox, Array.from({ length: importMails }, (_, i) => `From bench@example.com Sat Nov 28 14:54:00 2026\n${block.replaceAll(TOKEN, `1${i.toString(16).padStart(31, '0')}`)}\n`).join(''));
  const i0 = performance.now();
  const imported = await runCli(['import', ...flags, mbox]);
  const importSeconds = (performance.now() - i0) / 1000;
  rmSync(mbox, { force: true });
  if (imported.code !== 0) throw new Error(`import failed: ${imported.stderr}`);
  print(`Import of an mbox of ${importMails} distinct 20 KB session-end mails: ${(importMails / importSeconds).toFixed(0)} mails/s (${importSeconds.toFixed(1)} s, process start included); unmacro said: ${imported.stdout.trim()}`);
  print();
  print(`(${((Date.now() - started) / 1000).toFixed(0)} s; \`npm run bench -- --write\` rewrites BENCHMARKS.md)`);
} finally {
  await pool.end();
  await admin(`DROP DATABASE ${name} WITH (FORCE)`);
}
if (args.write) {
  const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
  const notes = readFileSync(file, 'utf8').split('\n## Reading the figures')[1];
  writeFileSync(file, `${out.join('\n')}\n${notes ? `\n## Reading the figures${notes}` : ''}`);
}
