// Limits a bad client cannot exhaust: raw sockets against receivers on port 0, every wait bounded.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { loadConfig, type Config } from '../src/config.js';
import { createHttpReceiver } from '../src/http/server.js';
import type { Metrics } from '../src/metrics.js';
import { createSmtpReceiver, type ReceivedMail } from '../src/smtp/server.js';
import { testLogger } from './support/database.js';
import { connectRaw, sendMail, type RawSmtp } from './support/smtp.js';

const open: RawSmtp[] = [];
after(() => open.splice(0).forEach((c) => c.close()));

async function receiver(flags: Partial<Record<keyof Config, unknown>>) {
  const stored: ReceivedMail[] = [];
  const config = loadConfig({ env: {}, flags: { smtpPort: 0, logLevel: 'silent', ...flags } });
  const smtp = createSmtpReceiver({ config, logger: testLogger(), sink: async (mail) => (stored.push(mail), { id: String(stored.length), status: 'unmatched' }) });
  const { port } = await smtp.start();
  return { smtp, port, stored };
}

async function connect(port: number): Promise<{ client: RawSmtp; greeting: string }> {
  const client = await connectRaw(port);
  open.push(client);
  return { client, greeting: await client.reply() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The server's next reply, or a failure after `ms`. */
async function replyWithin(client: RawSmtp, ms: number): Promise<string> {
  return Promise.race([client.reply(), sleep(ms).then(() => assert.fail(`no reply within ${ms} ms`))]);
}

// Used to break: 100 idle connections from one allowed address took every slot for 60 s.
test('connections from one address are capped; the next one gets 421', async () => {
  const r = await receiver({ smtpMaxClientsPerAddress: 3, smtpStressIdleMs: 60_000 });
  try {
    for (let i = 0; i < 3; i++) assert.match((await connect(r.port)).greeting, /^220 /);
    assert.match((await connect(r.port)).greeting, /^421 .*your address/);
  } finally {
    await r.smtp.stop();
  }
});

// Used to break: a client sending NOOP every 30 s held its slot with no time limit.
test('NOOP does not extend the idle deadline: 421 after --smtp-idle-timeout-ms', async () => {
  const r = await receiver({ smtpIdleTimeoutMs: 1_000 });
  try {
    const { client } = await connect(r.port);
    assert.match(await client.command('EHLO noop.example'), /^250/);
    const started = Date.now();
    let last = '';
    for (let i = 0; i < 25 && !last.startsWith('421'); i++) {
      await sleep(200);
      last = await client.command('NOOP');
    }
    assert.match(last, /^421 /);
    assert.ok(Date.now() - started < 5_000, `closed after ${Date.now() - started} ms`);
  } finally {
    await r.smtp.stop();
  }
});

// Used to break: DATA at 1 byte per second was still open after 95 s.
test('DATA slower than --smtp-min-data-rate gets 421', async () => {
  const r = await receiver({ smtpSocketTimeoutMs: 1_000, smtpMinDataRate: 500 });
  try {
    const { client } = await connect(r.port);
    for (const line of ['EHLO slow.example', 'MAIL FROM:<a@b.example>', 'RCPT TO:<u@example.com>']) assert.match(await client.command(line), /^250/);
    assert.match(await client.command('DATA'), /^354/);
    const started = Date.now();
    const closed = client.reply();
    for (let i = 0; i < 25; i++) {
      if (await Promise.race([closed.then(() => true), sleep(200).then(() => false)])) break;
      client.write('x');
    }
    assert.match(await Promise.race([closed, sleep(1_000).then(() => 'still open')]), /^421 .*too slowly/);
    assert.ok(Date.now() - started < 5_000, `closed after ${Date.now() - started} ms`);
    assert.equal(r.stored.length, 0);
  } finally {
    await r.smtp.stop();
  }
});

// Used to break: about 1,000 wrong AUTH attempts a second were answered on one connection.
test('failed AUTH is answered after a delay, and the third failure closes the connection', async () => {
  const r = await receiver({ smtpUsers: 'appliance:s3cret', smtpAuthInsecure: true, smtpAuthMaxFailures: 3 });
  try {
    const { client } = await connect(r.port);
    assert.match(await client.command('EHLO guess.example'), /^250/);
    const wrong = `AUTH PLAIN ${Buffer.from('\0appliance\0guess').toString('base64')}`;
    const started = Date.now();
    assert.match(await client.command(wrong), /^535 /);
    assert.ok(Date.now() - started >= 900, 'the failure is answered after about a second');
    assert.match(await client.command(wrong), /^535 /);
    assert.match(await client.command(wrong), /^421 /);
    assert.equal(await replyWithin(client, 2_000), '(connection closed)');
  } finally {
    await r.smtp.stop();
  }
});

// Used to break: idle, NOOP-ing and slow-DATA clients from one address held every slot, and a
// good client got 421 for the whole 80 s test.
// Once with the per-address cap (50 of 100), once without it: the global stress mode alone.
for (const [label, limits] of [['per-address cap', {}], ['no per-address cap', { smtpMaxClientsPerAddress: 10_000 }]] as const) {
  test(`500 idle, 100 NOOP and 20 slow-DATA connections from one address: a good mail still gets 250 within 1 s (${label})`, async () => {
    const r = await receiver({ smtpStressIdleMs: 1_000, ...limits });
    const counts = { idle: 0, noop: 0, slow: 0 };
    const attackers: Promise<void>[] = [];
    const timers: NodeJS.Timeout[] = [];
    try {
      const attack = async (kind: keyof typeof counts) => {
        const { client, greeting } = await connect(r.port);
        if (!greeting.startsWith('220')) return;
        counts[kind] += 1;
        if (kind === 'noop') {
          await client.command('EHLO noop.example');
          timers.push(setInterval(() => client.write('NOOP\r\n'), 1_000));
        } else if (kind === 'slow') {
          for (const line of ['EHLO slow.example', 'MAIL FROM:<a@b.example>', 'RCPT TO:<u@example.com>', 'DATA']) await client.command(line);
          timers.push(setInterval(() => client.write('x'), 1_000));
        }
      };
      for (let i = 0; i < 20; i++) attackers.push(attack('slow'));
      await Promise.all(attackers.splice(0));
      for (let i = 0; i < 100; i++) attackers.push(attack('noop'));
      for (let i = 0; i < 500; i++) attackers.push(attack('idle'));
      await Promise.all(attackers.splice(0));
      await sleep(1_200); // the attackers' connections are now idle past --smtp-stress-idle-ms

      const started = Date.now();
      const reply = await sendMail(r.port, { subject: 'good mail', text: 'hello' });
      const ms = Date.now() - started;
      assert.equal(reply.code, 250, reply.response);
      assert.ok(ms < 1_000, `the good mail took ${ms} ms`);
      assert.equal(r.stored.length, 1);
      console.log(`# slot test (${label}): attackers admitted ${JSON.stringify(counts)} of 20 slow, 100 noop, 500 idle; good mail 250 in ${ms} ms`);
    } finally {
      timers.forEach(clearInterval);
      open.splice(0).forEach((c) => c.close());
      await r.smtp.stop();
    }
  });
}

// Used to break: JSON nested 100,000 deep in POST /events answered 500.
test('POST /events with JSON nested too deep answers 400', async () => {
  const db = { pool: { query: async () => assert.fail('nothing reaches the database') }, schema: 'public' } as never;
  const metrics = { httpEvent: () => {}, registry: {} } as unknown as Metrics;
  const config = loadConfig({ env: {}, flags: { httpPort: 0, httpMaxBytes: 4 * 1024 * 1024, logLevel: 'silent' } });
  const http = createHttpReceiver({ config, logger: testLogger(), db, metrics });
  const { port } = await http.start();
  try {
    const deep = `{"event":"support_conference_end","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const res = await fetch(`http://127.0.0.1:${port}/events`, { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /nested deeper than/);
  } finally {
    await http.stop();
  }
});
