// Mail bytes in memory: one Buffer per mail, and a byte budget over all connections. It used to
// be connections x the size limit (100 x 25 MiB), each mail held twice while it was joined.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { startDaemon, type Daemon } from '../src/daemon.js';
import type { Database } from '../src/db/pool.js';
import { parseMail } from '../src/pipeline/parse.js';
import { createByteBudget, readMail, type DataStream } from '../src/smtp/receive.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';
import { compose } from './support/mail.js';
import { connectRaw, type RawSmtp } from './support/smtp.js';

/** A DATA stream of `chunks`; `fail` ends it with an error, as a connection lost mid-DATA does. */
function streamOf(chunks: Buffer[], options: { sizeExceededAfter?: number; fail?: boolean } = {}): DataStream & { sizeExceeded: boolean } {
  const stream = {
    sizeExceeded: false,
    async *[Symbol.asyncIterator]() {
      let bytes = 0;
      for (const chunk of chunks) {
        bytes += chunk.length;
        if (options.sizeExceededAfter !== undefined && bytes > options.sizeExceededAfter) stream.sizeExceeded = true;
        yield chunk;
      }
      if (options.fail) throw new Error('connection closed');
    },
  };
  return stream;
}

const pieces = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => Buffer.from(text.slice(i * size, (i + 1) * size)));

test('a mail is read into one buffer, allocated once when its size was declared', async () => {
  const text = 'Subject: x\r\n\r\n' + 'line of text\r\n'.repeat(1000);
  for (const declared of [undefined, text.length, text.length + 100, text.length - 100, text.length * 3]) {
    const budget = createByteBudget(1 << 20);
    const got = await readMail(streamOf(pieces(text, 999)), { budget, maxBytes: 1 << 20, declaredBytes: declared });
    assert.equal(got.kind, 'mail');
    assert.ok(got.kind === 'mail');
    assert.equal(got.raw.toString(), text, `declared ${declared}`);
    assert.equal(budget.used, got.held, 'the budget holds what the caller will give back');
    assert.ok(got.held >= text.length && got.held <= Math.max(text.length, declared ?? 0));
    // A far smaller mail than declared is not left holding the declared size.
    if (declared === text.length * 3) assert.equal(got.held, text.length);
    budget.give(got.held);
    assert.equal(budget.used, 0);
  }
});

test('past the budget the rest is drained, nothing is held, and others can go on', async () => {
  const budget = createByteBudget(10_000);
  assert.ok(budget.take(6_000)); // another mail, in flight
  const chunks = pieces('x'.repeat(8_000), 1_000);
  const got = await readMail(streamOf(chunks), { budget, maxBytes: 10_000 });
  assert.deepEqual(got, { kind: 'over-budget', bytes: 8_000, held: 0 });
  assert.equal(budget.used, 6_000);
  // Declared up front: refused before a byte is kept.
  const declared = await readMail(streamOf(pieces('y'.repeat(5_000), 1_000)), { budget, maxBytes: 10_000, declaredBytes: 5_000 });
  assert.equal(declared.kind, 'over-budget');
  assert.equal(budget.used, 6_000);
  budget.give(6_000);
  const now = await readMail(streamOf(chunks), { budget, maxBytes: 10_000 });
  assert.equal(now.kind, 'mail');
});

test('an oversized mail and a connection lost mid-DATA give their bytes back', async () => {
  const budget = createByteBudget(100_000);
  const oversized = await readMail(streamOf(pieces('z'.repeat(50_000), 4_000), { sizeExceededAfter: 20_000 }), { budget, maxBytes: 20_000 });
  assert.equal(oversized.kind, 'oversized');
  assert.equal(budget.used, 0);
  await assert.rejects(readMail(streamOf(pieces('z'.repeat(10_000), 4_000), { fail: true }), { budget, maxBytes: 20_000, declaredBytes: 10_000 }), /connection closed/);
  assert.equal(budget.used, 0);
});

test('the byte budget must hold one mail of the largest size', () => {
  assert.throws(
    () => loadConfig({ env: {}, flags: { smtpMaxBytes: 2048, smtpMaxBytesInFlight: 1024 } }),
    (err: unknown) => err instanceof ConfigError && /^--smtp-max-bytes-in-flight: 1024 is less than --smtp-max-bytes/.test(err.problems.join('\n')),
  );
  assert.throws(() => loadConfig({ env: { UNMACRO_SMTP_MAX_BYTES_IN_FLIGHT: '4096', UNMACRO_SMTP_MAX_BYTES: '8192' } }), /UNMACRO_SMTP_MAX_BYTES_IN_FLIGHT: 4096 is less/);
  assert.equal(loadConfig({ env: {} }).smtpMaxBytesInFlight, 256 * 1024 * 1024);
});

describeDaemon();

function describeDaemon(): void {
  const MAIL_BYTES = 1024 * 1024;
  let tdb: TestDatabase;
  let owner: Database;
  let db: Database;
  let daemon: Daemon;

  before(async () => {
    tdb = await createTestDatabase();
    owner = await tdb.open({ exclusive: true });
    // Room for one large mail in flight, not two.
    const config = tdb.config({ smtpMaxBytes: MAIL_BYTES, smtpMaxBytesInFlight: Math.floor(MAIL_BYTES * 1.5) });
    db = await tdb.open();
    daemon = await startDaemon({ config, logger: testLogger(), db });
  });
  after(async () => {
    await daemon?.stop();
    await db?.close();
    await owner?.close();
    await tdb?.drop();
  });

  /** Opens a transaction up to the 354 of DATA, declaring the mail's size. */
  async function openData(raw: Buffer): Promise<RawSmtp> {
    const client = await connectRaw(daemon.smtp.port);
    assert.match(await client.reply(), /^220 /);
    assert.match(await client.command('EHLO test.example'), /^250/);
    assert.match(await client.command(`MAIL FROM:<appliance@support.example.com> SIZE=${raw.length}`), /^250/);
    assert.match(await client.command('RCPT TO:<unmacro@example.com>'), /^250/);
    assert.match(await client.command('DATA'), /^354 /);
    return client;
  }

  /** Sends the mail (dot-stuffed) and its final dot; returns the reply. */
  async function finish(client: RawSmtp, raw: Buffer): Promise<string> {
    client.write(Buffer.from(raw.toString('latin1').replace(/^\./gm, '..'), 'latin1'));
    client.write('.\r\n');
    return client.reply();
  }

  test('two large mails at once over the budget: one 250, one 451, and the retry 250, each stored once', async () => {
    const mail = (n: number) =>
      compose({ subject: `Large mail ${n}`, messageId: `<large-${n}@support.example.com>`, text: `Mail ${n}\n` + 'A line of a long chat transcript.\n'.repeat(Math.floor((MAIL_BYTES * 0.85) / 34)) });
    // Ending in CRLF, so that the bytes stored are the bytes composed.
    const [first, second] = (await Promise.all([mail(1), mail(2)])).map((raw) => (raw.subarray(-2).toString() === '\r\n' ? raw : Buffer.concat([raw, Buffer.from('\r\n')])));
    assert.ok(first && second);
    assert.ok(first.length > MAIL_BYTES * 0.75 && first.length < MAIL_BYTES, String(first.length));
    const a = await openData(first);
    const b = await openData(second);
    const [replyA, replyB] = await Promise.all([finish(a, first), finish(b, second)]);
    a.close();
    b.close();
    assert.match(replyA, /^250 /);
    assert.match(replyB, /^451 4\.3\.0 Too much mail in flight/);
    const metrics = await daemon.metrics.registry.getSingleMetricAsString('unmacro_temporary_failures_total');
    assert.match(metrics, /unmacro_temporary_failures_total\{channel="smtp"\} 1\b/);
    // The sender retries: its bytes were given back, and the first mail's with its reply.
    const retry = await openData(second);
    assert.match(await finish(retry, second), /^250 /);
    retry.close();
    const { rows } = await owner.pool.query('SELECT subject, size_bytes FROM messages ORDER BY id');
    assert.deepEqual(
      rows.map((r: { subject: string; size_bytes: number }) => [r.subject, r.size_bytes]),
      [['Large mail 1', first.length], ['Large mail 2', second.length]],
    );
  });
}

// parseMail hashes the text a slice at a time (hashing the whole string first made one UTF-8 copy
// of it, 25 MiB for a 25 MiB mail): the digest must stay what it was, or a mail delivered again
// after an upgrade would no longer be known as a duplicate.
test('the content hash of a long text hashed in slices is the digest of the whole text', async () => {
  const slice = 1024 * 1024;
  // A surrogate pair (the emoji) straddles the first slice boundary.
  const text = 'a'.repeat(slice - 1) + '\u{1F600}' + 'ü'.repeat(slice) + 'end';
  const parsed = await parseMail(await compose({ subject: 'Sliced', text }));
  assert.equal(parsed.text.indexOf('\u{1F600}'), slice - 1);
  const whole = createHash('sha256').update(parsed.subject).update('\0').update(parsed.text).update('\0').update(parsed.html ?? '').digest();
  assert.deepEqual(parsed.contentHash, whole);
});
