// The whole benchmark in one run, as markdown: SMTP end to end (unmacro serve, its own process)
// beside the ceilings measured in the same run, each server in its own process and the load
// client in another (bench/ceiling.ts, bench/load-client.ts), with distinct real session-end mails:
//   bare     smtp-server that only drains the message stream
//   E        smtp-server + mailparser + one INSERT (autocommit) before the 250: what any such daemon must do
// Keep-alive connections (1, 8, 32) for 2 KB and 20 KB mails, then one connection per mail (1 and
// 8 senders, 2 KB); then decode + extract throughput, serial HTTP events, the daemon's peak
// memory, the memory for one 25 MiB mail, the CLI on the embedded database (bench/cli.ts) and
// `unmacro import` of an mbox. Each cell is bounded in mails and in time.
// Usage: npm run bench [-- --mails N] [-- --workers N] [-- --sizes 2,20,200] [-- --quick] [-- --write]
//   --quick  a smoke run: 100 mails per cell, 2 KB only, a 2 MiB large mail, no CLI times
//   --write  rewrites the top of BENCHMARKS.md (up to "## Reading the figures")
//   BENCH_DATABASE_URL names the server (default the local one); a database is made and dropped.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createMatcher, parseTemplate } from '../src/engine/index.js';
import { parseMail } from '../src/pipeline/parse.js';
import { runCli, startServe, type ServeProcess } from '../test/support/cli.js';
import { bigMailLine } from './big-mail.js';
import { cliTimes } from './cli.js';
import { TOKEN, type LoadMode, type LoadResult } from './load-client.js';
import { SIZES, sessionEnd, template } from './mails.js';
import { endChildren, load, memoryMib, startCeiling, type Ceiling } from './processes.js';

const { values: args } = parseArgs({
  options: {
    mails: { type: 'string' }, workers: { type: 'string', default: '1' }, sizes: { type: 'string' },
    quick: { type: 'boolean', default: false }, write: { type: 'boolean', default: false },
  },
});
const QUICK = args.quick;
const MAILS = Number(args.mails ?? (QUICK ? 100 : 3000));
const SIZE_LABELS = (args.sizes ?? (QUICK ? '2' : '2,20')).split(',');
const CONNECTIONS = [1, 8, 32];
const SENDERS = [[1, 150], [8, 300]] as const; // senders, target mails/s (issue 14)
/** No new mail after this many seconds of a keep-alive cell. */
const CELL_SECONDS = QUICK ? 5 : 30;
/** The same for one connection per mail: ~9 mails/s per sender while smtp-server waits 100 ms before each greeting. */
const PER_MAIL_SECONDS = QUICK ? 2 : 10;
const IMPORT_MAILS = QUICK ? 300 : Math.max(3000, MAILS);
const BIG_MAIL_MIB = QUICK ? 2 : 25;
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
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

const rate = (r: LoadResult) => r.mails / r.seconds;
const fixed = (n: number, digits = 0) => n.toFixed(digits);

/** Runs one load against `port` and insists that every mail got its 250. */
async function measure(system: string, port: number, message: Buffer, mode: LoadMode, connections: number, maxSeconds: number): Promise<LoadResult> {
  const result = await load(port, message, { mode, connections, count: MAILS, maxSeconds });
  const codes = Object.keys(result.codes).filter((c) => c !== '250');
  if (codes.length || result.mails === 0) throw new Error(`${system} answered ${JSON.stringify(result.codes)}`);
  return result;
}

/** Keep-alive connections: bare, E and unmacro, per mail size and number of connections. */
async function keepAliveTable(bare: Ceiling, e: Ceiling, daemon: ServeProcess): Promise<void> {
  print('| mail | conns | bare mails/s | E mails/s | E p50 ms | E p99 ms | unmacro mails/s | unmacro p50 ms | unmacro p99 ms | unmacro / E | p99 / E p99 | client CPU % (bare, unmacro) |');
  print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const label of SIZE_LABELS) {
    const [chatLines, noteLines] = SIZES[label] ?? [];
    if (chatLines === undefined || noteLines === undefined) throw new Error(`--sizes: no ${label} KB mail (${Object.keys(SIZES).join(', ')})`);
    const message = await sessionEnd(chatLines, noteLines);
    for (const connections of CONNECTIONS) {
      const b = await measure('bare', bare.port, message, 'keep-alive', connections, CELL_SECONDS);
      const c = await measure('E', e.port, message, 'keep-alive', connections, CELL_SECONDS);
      const u = await measure('unmacro', daemon.smtpPort, message, 'keep-alive', connections, CELL_SECONDS);
      print(`| ${label} KB | ${connections} | ${fixed(rate(b))} | ${fixed(rate(c))} | ${fixed(c.p50, 1)} | ${fixed(c.p99, 1)} | ${fixed(rate(u))} | ${fixed(u.p50, 1)} | ${fixed(u.p99, 1)} | ${fixed(rate(u) / rate(c), 2)} | ${fixed(u.p99 / c.p99, 2)} | ${fixed(b.cpu)}, ${fixed(u.cpu)} |`);
    }
  }
}

/** One connection per mail (connect, greeting, EHLO, MAIL, RCPT, DATA, QUIT), 2 KB mails. */
async function perMailTable(e: Ceiling, daemon: ServeProcess): Promise<void> {
  print('| one connection per mail, 2 KB | senders | E mails/s | E p50 ms | E p99 ms | unmacro mails/s | unmacro p50 ms | unmacro p99 ms | target mails/s | client CPU % (unmacro) |');
  print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const message = await sessionEnd(...(SIZES[2] as [number, number]));
  for (const [senders, target] of SENDERS) {
    const c = await measure('E', e.port, message, 'per-mail', senders, PER_MAIL_SECONDS);
    const u = await measure('unmacro', daemon.smtpPort, message, 'per-mail', senders, PER_MAIL_SECONDS);
    print(`| | ${senders} | ${fixed(rate(c))} | ${fixed(c.p50, 1)} | ${fixed(c.p99, 1)} | ${fixed(rate(u))} | ${fixed(u.p50, 1)} | ${fixed(u.p99, 1)} | >= ${target} | ${fixed(u.cpu)} |`);
  }
}

/** Decode + extract, on a mail with a 1 MB chat. */
async function extractionLine(): Promise<string> {
  const big = await parseMail(await sessionEnd(13_000, 0, 'e9e99aeb9ad54fb381634498502c5a1b'));
  const matcher = createMatcher([parseTemplate(template.source, 'session-end.tmpl').template!]);
  const rounds = 20;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) if (matcher.match({ subject: big.subject, text: big.text, recipients: [] }).status !== 'extracted') throw new Error('no match');
  const mbs = (big.text.length * rounds) / 2 ** 20 / ((performance.now() - t0) / 1000);
  return `Extraction (match + typed values) on a ${(big.text.length / 2 ** 20).toFixed(1)} MB chat: ${mbs.toFixed(0)} MB/s.`;
}

/** HTTP: one event at a time, as the appliance sends them. */
async function httpLine(port: number): Promise<string> {
  const latencies: number[] = [];
  const h0 = performance.now();
  for (let i = 0; i < MAILS; i++) {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/events`, {
      method: 'POST', body: new URLSearchParams({ event: 'support_conference_member_added', timestamp: String(1733239565 + i), lsid: i.toString(16).padStart(32, '0'), type: 'customer', name: 'Ana' }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  return `HTTP POST /events, one at a time: ${(MAILS / ((performance.now() - h0) / 1000)).toFixed(0)} events/s, p50 ${latencies[Math.floor(MAILS / 2)]!.toFixed(2)} ms, p99 ${latencies[Math.floor(MAILS * 0.99)]!.toFixed(2)} ms.`;
}

/** `unmacro import` of an mbox of distinct 20 KB session-end mails: its own rate, and the wall rate with start-up. */
async function importLine(flags: string[]): Promise<string> {
  const mbox = path.join(os.tmpdir(), `unmacro-bench-${process.pid}.mbox`);
  const block = (await sessionEnd(...(SIZES[20] as [number, number]))).toString('latin1').replace(/^(>*From )/gm, '>$1');
  writeFileSync(mbox, Array.from({ length: IMPORT_MAILS }, (_, i) => `From bench@example.com Sat Nov 28 14:54:00 2026\n${block.replaceAll(TOKEN, `1${i.toString(16).padStart(31, '0')}`)}\n`).join(''));
  try {
    const i0 = performance.now();
    const imported = await runCli(['import', ...flags, mbox]);
    const seconds = (performance.now() - i0) / 1000;
    if (imported.code !== 0) throw new Error(`import failed: ${imported.stderr}`);
    const own = /([\d,]+) mails\/s/.exec(imported.stdout)?.[1] ?? '?';
    return `Import of an mbox of ${IMPORT_MAILS} distinct 20 KB session-end mails: ${own} mails/s as \`unmacro import\` reports it (target >= 1,500); ${(IMPORT_MAILS / seconds).toFixed(0)} mails/s wall time with process start (${seconds.toFixed(1)} s). unmacro said: ${imported.stdout.trim()}`;
  } finally {
    rmSync(mbox, { force: true });
  }
}

const started = Date.now();
await admin(`CREATE DATABASE ${name}`);
const url = new URL(SERVER);
url.pathname = `/${name}`;
const flags = ['--database-url', url.toString()];
const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
try {
  await pool.query('CREATE TABLE bench_raw (id bigserial PRIMARY KEY, subject text, raw bytea)');
  if ((await runCli(['template', 'add', ...flags, 'templates/session-end.tmpl'])).code !== 0) throw new Error('template add failed');
  const bare = await startCeiling('bare', url.toString());
  const e = await startCeiling('E', url.toString());
  const daemon = await startServe([...flags, '--smtp-max-messages', '1000000', '--smtp-max-clients', '1000', '--db-pool-size', '16', '--workers', args.workers]);
  const cpu = os.cpus();
  print(`# unmacro benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${QUICK ? ' (--quick)' : ''}`);
  print();
  print(`Machine: ${cpu.length} × ${cpu[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; PostgreSQL ${(await pool.query('SHOW server_version')).rows[0].server_version} on the same machine; unmacro serve --workers ${args.workers}; each server warmed up with ${MAILS} 20 KB mails first; ${MAILS} distinct mails per cell (no new mail after ${CELL_SECONDS} s, ${PER_MAIL_SECONDS} s with one connection per mail); the load client, bare and E each in their own process. E = smtp-server (its defaults, so its 100 ms wait before the greeting too) + mailparser simpleParser + one INSERT (autocommit) before the 250; p50/p99 from MAIL (keep-alive) or from connect (one connection per mail) to the 250; client CPU = the load client's CPU time as % of one core over the cell.`);
  print();
  // Every server first takes the same warm-up load, so that the cells measure running processes
  // (a daemon runs for weeks), not the JIT compiling their code during the first cell.
  const warmUp = await sessionEnd(...(SIZES[20] as [number, number]));
  for (const port of [bare.port, e.port, daemon.smtpPort]) await measure('warm-up', port, warmUp, 'keep-alive', 8, CELL_SECONDS);
  await keepAliveTable(bare, e, daemon);
  print();
  await perMailTable(e, daemon);
  print();
  print(await extractionLine());
  print(await httpLine(daemon.httpPort));
  print(`Peak RSS of the daemon (unmacro serve) over the whole run: ${memoryMib(daemon.child.pid as number, 'VmHWM').toFixed(0)} MiB.`);
  daemon.child.kill('SIGTERM');
  await daemon.done;
  print(await bigMailLine(flags, BIG_MAIL_MIB));
  if (QUICK) print('CLI on the embedded database: left out by --quick (npm run bench:cli).');
  else for (const line of await cliTimes()) print(line);
  print(await importLine(flags));
  print();
  print(`(${((Date.now() - started) / 1000).toFixed(0)} s; \`npm run bench -- --write\` rewrites BENCHMARKS.md)`);
} finally {
  await endChildren();
  await pool.end();
  await admin(`DROP DATABASE ${name} WITH (FORCE)`);
}
if (args.write) {
  const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
  const notes = readFileSync(file, 'utf8').split('\n## Reading the figures')[1];
  writeFileSync(file, `${out.join('\n')}\n${notes ? `\n## Reading the figures${notes}` : ''}`);
}
