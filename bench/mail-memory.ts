// Memory for one large mail: starts `unmacro serve` on a fresh database, warms it with a few small
// session-end mails, then sends one ~25 MiB session-end mail (a long chat) and prints how far the
// daemon's peak RSS (VmHWM) rose above its RSS before that mail, as a multiple of the mail's size.
//
//   node --import tsx bench/mail-memory.ts [--mib 25] [--no-size] [--database-url URL]
//
// --no-size: the client does not declare SIZE= in MAIL FROM (the receiver cannot pre-size).
// Without --database-url: a database created on TEST_DATABASE_URL's server (default the local
// PostgreSQL), dropped at the end; --embedded uses the embedded database in a temporary folder.
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runCli, startServe } from '../test/support/cli.js';
import { chat, compose, render, sessionEndValues, shippedTemplate } from '../test/support/mail.js';

const MIB = 1024 * 1024;
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const targetMib = Number(option('--mib') ?? 25);
const declareSize = !args.includes('--no-size');
const embedded = args.includes('--embedded');
const server = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function status(pid: number): { rss: number; hwm: number } {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** One SMTP transaction on its own connection; resolves with the reply to the final dot. */
async function send(port: number, raw: Buffer): Promise<string> {
  const socket = net.createConnection(port, '127.0.0.1');
  await once(socket, 'connect');
  let buffer = '';
  const replies: string[] = [];
  const waiting: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (let m = /^\d{3} .*\r\n/m.exec(buffer); m; m = /^\d{3} .*\r\n/m.exec(buffer)) {
      replies.push(buffer.slice(0, m.index + m[0].length).trimEnd());
      buffer = buffer.slice(m.index + m[0].length);
    }
    waiting.splice(0).forEach((wake) => wake());
  });
  const reply = async () => {
    while (replies.length === 0) await new Promise<void>((wake) => waiting.push(wake));
    return replies.shift() as string;
  };
  await reply();
  for (const line of ['EHLO bench.example', `MAIL FROM:<appliance@support.example.com>${declareSize ? ` SIZE=${raw.length}` : ''}`, 'RCPT TO:<unmacro@example.com>', 'DATA']) {
    socket.write(`${line}\r\n`);
    const answer = await reply();
    if (!/^[23]/.test(answer)) throw new Error(`${line}: ${answer}`);
  }
  socket.write(Buffer.from(raw.toString('latin1').replace(/^\./gm, '..'), 'latin1'));
  socket.write(raw.subarray(-2).toString() === '\r\n' ? '.\r\n' : '\r\n.\r\n');
  const answer = await reply();
  socket.end('QUIT\r\n');
  return answer;
}

async function sessionEnd(lines: number, lsid: string): Promise<Buffer> {
  const template = shippedTemplate('session-end');
  const values = sessionEndValues({ LSID: lsid, SESSION_CHAT: chat(lines) });
  return compose({ subject: render(template.subject, values), text: render(template.body, values) });
}

async function main(): Promise<void> {
  let databaseFlags: string[];
  let cleanup: () => Promise<void>;
  const given = option('--database-url');
  if (given) {
    databaseFlags = ['--database-url', given];
    cleanup = async () => {};
  } else if (embedded) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unmacro-memory-'));
    databaseFlags = ['--data-dir', dir];
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `unmacro_memory_${process.pid}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    databaseFlags = ['--database-url', url.toString()];
    cleanup = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  // A chat line is ~60 bytes: aim just under the target, then check.
  const big = await sessionEnd(Math.floor((targetMib * MIB) / 62), 'b'.repeat(32));
  const serve = await startServe([...databaseFlags, '--smtp-max-bytes', String(Math.max(25 * MIB, big.length + MIB))]);
  const pid = serve.child.pid as number;
  try {
    const added = await runCli(['template', 'add', ...['session-end', 'customer-exit-survey', 'rep-exit-survey'].map((t) => `templates/${t}.tmpl`), ...databaseFlags]);
    if (added.code !== 0) throw new Error(added.stderr);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // templates apply from one second after the command
    for (let i = 0; i < 5; i++) {
      const answer = await send(serve.smtpPort, await sessionEnd(20, i.toString(16).padStart(32, 'a')));
      if (!answer.startsWith('250')) throw new Error(answer);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = status(pid);
    const started = performance.now();
    const answer = await send(serve.smtpPort, big);
    const ms = performance.now() - started;
    const afterMail = status(pid);
    const rise = afterMail.hwm - before.rss;
    console.log(
      JSON.stringify({
        mailBytes: big.length,
        declaredSize: declareSize,
        reply: answer,
        ms: Math.round(ms),
        rssBeforeMiB: +(before.rss / MIB).toFixed(1),
        hwmBeforeMiB: +(before.hwm / MIB).toFixed(1),
        hwmAfterMiB: +(afterMail.hwm / MIB).toFixed(1),
        riseMiB: +(rise / MIB).toFixed(1),
        riseXMail: +(rise / big.length).toFixed(2),
      }),
    );
  } finally {
    serve.child.kill('SIGTERM');
    await serve.done;
    await cleanup();
  }
}

await main();
