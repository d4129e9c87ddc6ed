import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readMbox } from '../src/import/sources.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { compose, render, sessionEndValues, shippedTemplate } from './support/mail.js';

let tdb: TestDatabase;
let dir: string;
const end = shippedTemplate('session-end');

before(async () => {
  tdb = await createTestDatabase();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-import-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
  await tdb?.drop();
});

async function sessionMail(n: number): Promise<Buffer> {
  const v = sessionEndValues({ LSID: n.toString(16).padStart(32, '0'), SESSION_NOTES: `From the desk of the representative, note ${n}.\n>From a quoted line` });
  return compose({ subject: render(end.subject, v), text: render(end.body, v), messageId: `<import-${n}@support.example.com>`, date: new Date(Date.UTC(2024, 11, 3, 16, n)) });
}

/** An mboxrd file: "From " separators, body lines starting with ">*From " get one more '>'. */
async function writeMbox(file: string, mails: Buffer[]): Promise<void> {
  const parts = mails.map((raw, i) => {
    const body = raw.toString('latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1');
    return `From appliance@support.example.com Tue Dec  3 16:${String(i).padStart(2, '0')}:00 2024\n${body}\n`;
  });
  await fs.writeFile(file, parts.join(''), 'latin1');
}

test('mbox quoting is undone and separators give the sender and the time', async () => {
  const file = path.join(dir, 'quoting.mbox');
  await writeMbox(file, [await sessionMail(1), await sessionMail(2)]);
  const mails = [];
  for await (const mail of readMbox(file)) mails.push(mail);
  assert.equal(mails.length, 2);
  assert.equal(mails[0]?.mailFrom, 'appliance@support.example.com');
  assert.deepEqual(mails[1]?.receivedAt, new Date('2024-12-03T16:01:00Z'));
  const text = mails[0]?.raw.toString('latin1') ?? '';
  assert.match(text, /^From the desk of the representative/m);
  assert.match(text, /^>From a quoted line/m);
  assert.ok(!text.endsWith('\n\n'), 'the separator blank line is not part of the mail');
});

test('import reads an mbox, a Maildir and an .eml through the pipeline; a second import adds nothing', async () => {
  assert.equal((await runCli(['template', 'add', ...tdb.flags, 'templates/session-end.tmpl'])).code, 0);
  const mbox = path.join(dir, 'archive.mbox');
  await writeMbox(mbox, await Promise.all([10, 11, 12].map(sessionMail)));
  const maildir = path.join(dir, 'Maildir');
  await fs.mkdir(path.join(maildir, 'cur'), { recursive: true });
  await fs.mkdir(path.join(maildir, 'new'), { recursive: true });
  await fs.mkdir(path.join(maildir, 'tmp'), { recursive: true });
  await fs.writeFile(path.join(maildir, 'cur', '1700000000.1.host:2,S'), await sessionMail(20));
  await fs.writeFile(path.join(maildir, 'new', '1700000001.2.host'), await compose({ subject: 'Not a session', text: 'hello' }));
  const eml = path.join(dir, 'single.eml');
  await fs.writeFile(eml, await sessionMail(30));

  const first = await runCli(['import', ...tdb.flags, mbox, maildir, eml]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^imported 6 mail\(s\) from 4 file\(s\) in [\d.]+ s \([\d,]+ mails\/s\): extracted 5, unmatched 1\n$/);

  const again = await runCli(['import', ...tdb.flags, mbox, maildir, eml]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /: nothing new; 6 already stored, skipped\n$/);

  const rows = await runCli(['query', ...tdb.flags, '--format', 'json',
    `SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM events)::int AS events,
            (SELECT min(received_at) AT TIME ZONE 'UTC' FROM messages WHERE mail_from IS NOT NULL) AS first_mbox`]);
  assert.deepEqual(JSON.parse(rows.stdout), [{ messages: 6, events: 5, first_mbox: '2024-12-03T16:00:00' }]);
  const notes = await runCli(['query', ...tdb.flags, '--format', 'json', `SELECT session_notes FROM session_end WHERE lseq = 22817 ORDER BY lsid LIMIT 1`]);
  assert.match(JSON.parse(notes.stdout)[0].session_notes, /^From the desk of the representative, note 10\.\n>From a quoted line$/);
});

test('a path that does not exist is a user error naming it', async () => {
  const result = await runCli(['import', ...tdb.flags, path.join(dir, 'missing.mbox')]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot read .*missing\.mbox/);
});
