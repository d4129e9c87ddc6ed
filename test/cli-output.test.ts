// What the CLI prints when its output goes through a pipe: complete, whatever its size.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { migrate } from '../src/db/migrate.js';
import { loadCatalog } from '../src/pipeline/catalog.js';
import { ingestMail } from '../src/pipeline/ingest.js';
import { runCli, spawnCli } from './support/cli.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';
import { chat, compose, render, sessionEndValues, shippedTemplate } from './support/mail.js';

const MAILS = 300;
const SUBJECT_CHARS = 4_000;
let tdb: TestDatabase;
let workdir: string;

before(async () => {
  tdb = await createTestDatabase();
  workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-output-'));
  const db = await tdb.open();
  try {
    await migrate(db.pool, db.schema, testLogger());
    const templates = (await loadCatalog(db, testLogger())).current();
    for (let i = 0; i < MAILS; i++) {
      const raw = await compose({ subject: `${i} ${'s'.repeat(SUBJECT_CHARS)}`, text: 'not a session end' });
      await ingestMail({ db, templates }, { raw, mailFrom: null, rcptTo: ['u@example.com'], remoteAddress: null, receivedAt: new Date() });
    }
  } finally {
    await db.close();
  }
});
after(async () => {
  await tdb?.drop();
  await fs.rm(workdir, { recursive: true, force: true });
});

// Used to break: cli.ts called process.exit() before stdout had drained into the pipe, so
// `unmacro query ... | wc -c` stopped at 65,536 bytes (exit code 0) in 3 runs of 5.
test('query output of 2 MB through a pipe arrives whole', async () => {
  const rows = 20_000;
  const result = await runCli(['query', ...tdb.flags, '--format', 'csv', `SELECT repeat('x', 100) AS x FROM generate_series(1, ${rows})`]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(Buffer.byteLength(result.stdout), 'x\r\n'.length + rows * 102);
});

// Used to break: `messages --limit 2000 | wc -c` gave 65,536 bytes instead of 346,451.
test('messages output over 1 MB through a pipe arrives whole', async () => {
  const result = await runCli(['messages', ...tdb.flags, '--limit', String(MAILS + 10), '--format', 'json']);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Buffer.byteLength(result.stdout) > 1_000_000, `${Buffer.byteLength(result.stdout)} bytes`);
  assert.equal((JSON.parse(result.stdout) as unknown[]).length, MAILS);
});

// Used to break: `template test ... | jq` got cut JSON.
test('template test --format json over 1 MB through a pipe arrives whole', async () => {
  const end = shippedTemplate('session-end');
  const values = sessionEndValues({ SESSION_CHAT: chat(12_000) });
  const eml = path.join(workdir, 'long-chat.eml');
  await fs.writeFile(eml, await compose({ subject: render(end.subject, values), text: render(end.body, values) }));
  const result = await runCli(['template', 'test', ...tdb.flags, '--format', 'json', 'templates/session-end.tmpl', eml]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Buffer.byteLength(result.stdout) > 1_000_000, `${Buffer.byteLength(result.stdout)} bytes`);
  const [only] = JSON.parse(result.stdout) as { status: string; chat: unknown[] }[];
  assert.equal(only?.status, 'extracted');
  assert.equal(only?.chat.length, 12_000);
});

// Used to break: `unmacro query ... | head -2` crashed with an unhandled EPIPE and a stack trace.
test('a reader that stops early ends the command quietly', async () => {
  const child = spawnCli(['query', ...tdb.flags, '--format', 'csv', `SELECT repeat('x', 100) FROM generate_series(1, 50000)`]);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout?.once('data', () => child.stdout?.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
});
