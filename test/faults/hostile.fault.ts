// Fault suite: hostile mail, SMTP abuse and HTTP abuse against a running `unmacro serve`.
// Every message gets a defined reply, nothing crashes, every stored mail has a defined status,
// well-behaved clients keep being served, and the daemon's peak memory is reported.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { runCli, startServe, type ServeProcess } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { render, sessionEndValues, shippedTemplate } from '../support/mail.js';
import { connectRaw, sendMail } from '../support/smtp.js';

const MAX_BYTES = 8 * 1024 * 1024;
const MAX_CLIENTS = 40;
const STATUSES = ['extracted', 'unmatched', 'ambiguous', 'duplicate', 'invalid'];

let tdb: TestDatabase;
let daemon: ServeProcess;
let httpPort: number;

before(async () => {
  tdb = await createTestDatabase();
  assert.equal((await runCli(['template', 'add', ...tdb.flags, 'templates/session-end.tmpl'])).code, 0);
  daemon = await startServe([...tdb.flags, '--smtp-max-bytes', String(MAX_BYTES), '--smtp-max-clients', String(MAX_CLIENTS), '--smtp-socket-timeout-ms', '5000']);
  httpPort = daemon.httpPort;
});
after(async () => {
  daemon?.child.kill('SIGTERM');
  await daemon?.done;
  await tdb?.drop();
});

/** Peak resident memory of the daemon so far, in MB (Linux). */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:')) ?? '';
  return Math.round(Number(/\d+/.exec(line)?.[0] ?? 0) / 1024);
}

/** Sends `payload` verbatim after DATA's 354 (it must carry its own end of data) and returns the final reply. */
async function sendRaw(port: number, payload: Buffer | string): Promise<string> {
  const client = await connectRaw(port);
  try {
    await client.reply();
    await client.command('EHLO hostile.example');
    const from = await client.command('MAIL FROM:<appliance@support.example.com>');
    if (!from.startsWith('250')) return from;
    await client.command('RCPT TO:<unmacro@example.com>');
    const go = await client.command('DATA');
    if (!go.startsWith('354')) return go;
    client.write(payload);
    return await client.reply();
  } finally {
    client.close();
  }
}

const end = (body: string) => `${body.replace(/\r?\n/g, '\r\n')}\r\n.\r\n`;
const headers = (extra = '') => `From: appliance@support.example.com\r\nTo: unmacro@example.com\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@hostile.example>\r\n${extra}`;

/** At least 200 hostile messages, each a payload ready to send after DATA. */
function corpus(): { kind: string; payload: Buffer | string }[] {
  const t = shippedTemplate('session-end');
  const out: { kind: string; payload: Buffer | string }[] = [];
  const add = (kind: string, n: number, make: (i: number) => Buffer | string) => {
    for (let i = 0; i < n; i++) out.push({ kind, payload: make(i) });
  };
  add('broken boundary', 25, (i) => end(`${headers()}Content-Type: multipart/mixed; boundary="b${i}"\r\nSubject: broken ${i}\r\n\r\n--b${i}\r\nContent-Type: text/plain\r\n\r\npart one${i % 2 ? '\r\n--b' : ''}\r\n--nope--`));
  add('invalid base64', 20, (i) => end(`${headers()}Subject: b64 ${i}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!%%%${'@'.repeat(i * 10)}====AAA=B`));
  add('invalid quoted-printable', 20, (i) => end(`${headers()}Subject: qp ${i}\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=0=\r\n=${'=G'.repeat(i * 20)}`));
  add('unknown charset', 20, (i) => end(`${headers()}Subject: =?x-unknown-${i}?B?w6TDtsO8?=\r\nContent-Type: text/plain; charset="x-bogus-${i}"\r\n\r\n\xe4\xf6\xfc ${i}`));
  add('NUL bytes', 20, (i) => Buffer.concat([Buffer.from(`${headers()}Subject: nul\0${i}\r\n\r\n`), Buffer.from([0, 0, 1, 2, 0]), Buffer.from(`\0body ${i}\r\n.\r\n`)]));
  add('1 MB line', 4, (i) => end(`${headers()}Subject: long ${i}\r\n\r\n${'x'.repeat(1024 * 1024)}`));
  add('10,000 header lines', 4, (i) => end(`${headers()}${Array.from({ length: 10_000 }, (_, j) => `X-Filler-${j}: ${i}`).join('\r\n')}\r\nSubject: many headers\r\n\r\nbody`));
  add('deeply nested multipart', 10, (i) => {
    const depth = 50 + i * 40;
    let body = 'innermost';
    for (let d = depth; d > 0; d--) body = `Content-Type: multipart/mixed; boundary="n${d}"\r\n\r\n--n${d}\r\n${body}\r\n--n${d}--`;
    return end(`${headers()}Subject: nested ${depth}\r\n${body}`);
  });
  add('large attachment', 3, (i) => end(`${headers()}Subject: attachment ${i}\r\nContent-Type: multipart/mixed; boundary="a"\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--a\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.alloc(3 * 1024 * 1024, i).toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n--a--`));
  // Bare LF line ends inside; only CRLF.CRLF ends the data (a bare "\n.\r\n" must not).
  add('bare LF', 20, (i) => `${headers().replace(/\r\n/g, '\n')}Subject: bare lf ${i}\n\nline one\nline two\n.\r\nstill the body\r\n.\r\n`);
  // Smuggling: an end of data made of bare line ends, followed by a second "message". A server
  // that took it for the end would store two mails and answer twice.
  add('smuggling', 20, (i) => `${headers()}Subject: smuggle ${i}\r\n\r\nbefore\n.\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nsmuggled\r\n${i % 2 ? '\r\n.\n' : '\n.\r\n'}after\r\n.\r\n`);
  const sql = [`'; DROP TABLE messages; --`, `" OR 1=1 --`, `$$; DELETE FROM events; $$`, `\\'); TRUNCATE templates CASCADE; --`, `%LSID%'); --`];
  add('SQL injection', 25, (i) => {
    const s = sql[i % sql.length] as string;
    const v = sessionEndValues({ LSID: (0xabc00 + i).toString(16).padStart(32, '0'), CUSTOMER_NAME: s, EXTERNAL_KEY: s, SESSION_NOTES: s, SESSION_CHAT: `10:00 ${s}: ${s}` });
    return end(`From: "${s}" <a@b.example>\r\nTo: unmacro@example.com\r\nMessage-ID: <${s}@x>\r\nSubject: ${render(t.subject, v)}\r\n\r\n${render(t.body, v).replace(/^\./gm, '..')}`);
  });
  add('flood of template literals', 20, (i) => {
    const v = sessionEndValues({ LSID: (0xf100d00 + i).toString(16).padStart(32, '0'), SESSION_CHAT: render(t.body, sessionEndValues()).repeat(30 + i) });
    return end(`${headers()}Subject: ${render(t.subject, v)}\r\n\r\n${render(t.body, v).replace(/^\./gm, '..')}`);
  });
  add('over the size limit', 2, (i) => end(`${headers()}Subject: too big ${i}\r\n\r\n${'y'.repeat(MAX_BYTES + 1000)}`));
  return out;
}

test('a hostile corpus of over 200 messages: defined replies, nothing crashes, defined statuses, bounded memory', async () => {
  const messages = corpus();
  assert.ok(messages.length >= 200, `${messages.length} messages`);
  const replies: Record<string, Record<string, number>> = {};
  for (const m of messages) {
    const reply = await sendRaw(daemon.smtpPort, m.payload);
    const code = reply.slice(0, 3);
    (replies[m.kind] ??= {})[code] = ((replies[m.kind] ?? {})[code] ?? 0) + 1;
    const expected = m.kind === 'over the size limit' ? '552' : '250';
    assert.equal(code, expected, `${m.kind}: ${reply}`);
  }
  assert.equal(daemon.child.exitCode, null, 'the daemon is still running');
  const stored = await runCli(['query', ...tdb.flags, '--format', 'json', 'SELECT status, count(*)::int AS n FROM messages GROUP BY status']);
  const byStatus = Object.fromEntries((JSON.parse(stored.stdout) as { status: string; n: number }[]).map((r) => [r.status, r.n]));
  for (const status of Object.keys(byStatus)) assert.ok(STATUSES.includes(status), status);
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  assert.equal(total, messages.length - 2, 'one stored mail per 250: smuggled "messages" were not split off');
  const tables = await runCli(['query', ...tdb.flags, '--format', 'csv', `SELECT count(*) FROM templates`]);
  assert.match(tables.stdout, /^count\r\n1\r\n$/, 'injection strings stayed data');
  console.log(`# hostile corpus: ${messages.length} messages, statuses ${JSON.stringify(byStatus)}, daemon peak RSS ${peakRssMb(daemon.child.pid as number)} MB`);
});

test('SMTP abuse: out-of-order commands, pipelining floods, overlong lines, idle and excess connections', async () => {
  const out = await connectRaw(daemon.smtpPort);
  await out.reply();
  assert.match(await out.command('RCPT TO:<u@example.com>'), /^503 /);
  assert.match(await out.command('EHLO abuse.example'), /^250/);
  assert.match(await out.command('DATA'), /^503 /);
  out.write(`${'NOOP\r\n'.repeat(2000)}`);
  for (let i = 0; i < 2000; i++) assert.match(await out.reply(), /^250 /);
  out.write(`MAIL FROM:<${'a'.repeat(100_000)}@example.com>\r\n`);
  assert.match(await out.reply(), /^(5\d\d|421) |connection closed/);
  out.close();

  // Slow clients hold most of the connection slots and say nothing: well-behaved clients are
  // still served, and connections past the limit are told 421.
  const idle: net.Socket[] = [];
  const hold = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const s = net.createConnection(daemon.smtpPort, '127.0.0.1');
      s.on('error', () => {});
      idle.push(s);
      await once(s, 'connect');
    }
  };
  await hold(MAX_CLIENTS - 5);
  const latencies: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const reply = await sendMail(daemon.smtpPort, { subject: `well-behaved ${i}`, text: 'still served' });
    assert.equal(reply.code, 250, reply.response);
    latencies.push(Date.now() - t0);
  }
  await hold(10);
  const excess = await connectRaw(daemon.smtpPort);
  assert.match(await excess.reply(), /^421 /);
  excess.close();
  for (const s of idle) s.destroy();
  console.log(`# abuse: well-behaved mail latencies while ${MAX_CLIENTS - 5} idle connections were held: ${latencies.join(', ')} ms`);
  assert.equal(daemon.child.exitCode, null);
});

test('HTTP abuse: malformed and oversize bodies get defined codes; 1,000 duplicate posts add one row', async () => {
  const url = `http://127.0.0.1:${httpPort}/events`;
  const codes = await Promise.all([
    fetch(url, { method: 'POST', body: '{"event":', headers: { 'content-type': 'application/json' } }).then((r) => r.status),
    fetch(url, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) }).then((r) => r.status).catch(() => 413),
    fetch(url, { method: 'POST', body: '--x\r\nbroken', headers: { 'content-type': 'multipart/form-data; boundary=x' } }).then((r) => r.status),
    fetch(url, { method: 'POST', body: 'event=' }).then((r) => r.status),
    fetch(url, { method: 'PUT', body: 'event=x' }).then((r) => r.status),
  ]);
  assert.deepEqual(codes, [400, 413, 400, 400, 405]);
  const body = new URLSearchParams({ event: 'support_conference_begin', lsid: 'feedfacefeedfacefeedfacefeedface', timestamp: '1733239565' });
  for (let i = 0; i < 1000; i++) {
    const res = await fetch(url, { method: 'POST', body });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  const rows = await runCli(['query', ...tdb.flags, '--format', 'csv', `SELECT count(*) FROM http_events WHERE lsid = 'feedfacefeedfacefeedfacefeedface'`]);
  assert.equal(rows.stdout, 'count\r\n1\r\n');
});
