// The SMTP receiver's policy, against a sink that stores nothing: every reply of the contract's
// table that does not need a database (those that do are in serve.test.ts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { loadConfig, type Config } from '../src/config.js';
import { createSmtpReceiver, type MailSink, type ReceivedMail } from '../src/smtp/server.js';
import { testLogger } from './support/database.js';
import { connectRaw, sendMail } from './support/smtp.js';

let dir: string;
let cert: string;
let key: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unmacro-tls-'));
  cert = path.join(dir, 'cert.pem');
  key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A receiver on a free port whose sink keeps the mails in memory. */
async function receiver(flags: Partial<Record<keyof Config, unknown>>, sink?: MailSink) {
  const stored: ReceivedMail[] = [];
  const config = loadConfig({ env: {}, flags: { smtpPort: 0, logLevel: 'silent', ...flags } });
  const smtp = createSmtpReceiver({
    config,
    logger: testLogger(),
    sink: sink ?? (async (mail) => (stored.push(mail), { id: String(stored.length), status: 'unmatched' })),
  });
  const address = await smtp.start();
  return { smtp, port: address.port, stored };
}

async function dialogue(port: number, lines: string[], host = '127.0.0.1'): Promise<string[]> {
  const client = await connectRaw(port, host);
  try {
    const replies = [await client.reply()];
    for (const line of lines) replies.push(await client.command(line));
    return replies;
  } finally {
    client.close();
  }
}

test('clients outside the allow list get 554 at connect, over IPv4 and IPv6', async () => {
  const only6 = await receiver({ smtpHost: '::', smtpAllow: '::1/128' });
  try {
    assert.match((await dialogue(only6.port, [], '127.0.0.1'))[0] ?? '', /^554 /);
    assert.match((await dialogue(only6.port, [], '::1'))[0] ?? '', /^220 /);
  } finally {
    await only6.smtp.stop();
  }
  const only4 = await receiver({ smtpHost: '::', smtpAllow: '127.0.0.0/8' });
  try {
    assert.match((await dialogue(only4.port, [], '127.0.0.1'))[0] ?? '', /^220 /, 'IPv4-mapped addresses count as IPv4');
    assert.match((await dialogue(only4.port, [], '::1'))[0] ?? '', /^554 /);
  } finally {
    await only4.smtp.stop();
  }
});

test('recipients not accepted get 550 5.1.1 at RCPT; listed addresses and @domains pass', async () => {
  const r = await receiver({ smtpRecipients: 'unmacro@example.com,@reports.example.com' });
  try {
    const replies = await dialogue(r.port, [
      'EHLO appliance',
      'MAIL FROM:<appliance@support.example.com>',
      'RCPT TO:<someone@elsewhere.example>',
      'RCPT TO:<UNMACRO@example.com>',
      'RCPT TO:<any@reports.example.com>',
    ]);
    assert.match(replies[3] ?? '', /^550 5\.1\.1 /);
    assert.match(replies[4] ?? '', /^250 /);
    assert.match(replies[5] ?? '', /^250 /);
  } finally {
    await r.smtp.stop();
  }
});

test('STARTTLS with the configured certificate; with require-TLS, mail before it gets 530', async () => {
  const r = await receiver({ smtpTlsCert: cert, smtpTlsKey: key, smtpRequireTls: true });
  try {
    const replies = await dialogue(r.port, ['EHLO appliance', 'MAIL FROM:<a@b.example>']);
    assert.match(replies[1] ?? '', /STARTTLS/);
    assert.match(replies[2] ?? '', /^530 /);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: r.port, requireTLS: true, tls: { rejectUnauthorized: false } } as SMTPTransport.Options);
    const info = await transport.sendMail({ from: 'a@b.example', to: 'unmacro@example.com', subject: 'over TLS', text: 'x' });
    assert.match(String(info.response), /^250 /);
    assert.equal(r.stored.length, 1);
  } finally {
    await r.smtp.stop();
  }
});

test('AUTH PLAIN and LOGIN against configured users, accepted only over TLS', async () => {
  const r = await receiver({ smtpTlsCert: cert, smtpTlsKey: key, smtpUsers: 'appliance:s3cret,other:pw' });
  try {
    const credentials = Buffer.from('\0appliance\0s3cret').toString('base64');
    const plain = await dialogue(r.port, ['EHLO appliance', `AUTH PLAIN ${credentials}`, 'MAIL FROM:<a@b.example>']);
    assert.match(plain[2] ?? '', /^538 /, 'no AUTH before STARTTLS: the password would cross the wire in clear');
    assert.match(plain[3] ?? '', /^530 /, 'mail without AUTH is refused');
    for (const method of ['PLAIN', 'LOGIN']) {
      const send = (pass: string) =>
        nodemailer
          .createTransport({ host: '127.0.0.1', port: r.port, requireTLS: true, authMethod: method, auth: { user: 'appliance', pass }, tls: { rejectUnauthorized: false } } as SMTPTransport.Options)
          .sendMail({ from: 'a@b.example', to: 'unmacro@example.com', subject: method, text: 'x' });
      assert.match(String((await send('s3cret')).response), /^250 /, method);
      await assert.rejects(send('wrong'), (err: { responseCode?: number }) => err.responseCode === 535, method);
    }
  } finally {
    await r.smtp.stop();
  }
});

test('a connection gets 421 after the configured number of messages', async () => {
  const r = await receiver({ smtpMaxMessages: 1 });
  try {
    const data = ['DATA', 'Subject: x\r\n\r\nbody\r\n.'];
    const replies = await dialogue(r.port, ['EHLO a', 'MAIL FROM:<a@b.example>', 'RCPT TO:<u@example.com>', ...data, 'MAIL FROM:<a@b.example>']);
    assert.match(replies[5] ?? '', /^250 /);
    assert.match(replies[6] ?? '', /^421 /);
  } finally {
    await r.smtp.stop();
  }
});

test('on shutdown a mail in flight is finished and answered 250 before the server closes', async () => {
  let release: (() => void) | undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered: (() => void) | undefined;
  const inSink = new Promise<void>((resolve) => (entered = resolve));
  const r = await receiver({}, async () => {
    entered?.();
    await gate;
    return { id: '1', status: 'unmatched' };
  });
  const sending = sendMail(r.port, { subject: 'in flight', text: 'x' });
  await inSink;
  const stopped = r.smtp.stop();
  release?.();
  assert.equal((await sending).code, 250);
  await stopped;
});
