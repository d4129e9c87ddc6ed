// The CLI as an operator meets it: settings checked before anything opens, help that agrees
// with the README, and a status command that says which database it talks to.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, startServe } from './support/cli.js';
import { createTestDatabase, SERVER_URL, type TestDatabase } from './support/database.js';
import { render, sessionEndValues, shippedTemplate } from './support/mail.js';
import { sendMail } from './support/smtp.js';

let workdir: string;
let tdb: TestDatabase;
before(async () => {
  workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-operator-'));
  tdb = await createTestDatabase();
});
after(async () => {
  await fs.rm(workdir, { recursive: true, force: true });
  await tdb?.drop();
});

// Used to break: serve --smtp-require-tls without a certificate started and answered every
// mail 530; a certificate without its key was ignored; a missing certificate was reported only
// after the database had opened.
test('serve reports TLS problems with every other bad setting, before it opens the database', async () => {
  const dataDir = path.join(workdir, 'data');
  const result = await runCli(['serve', '--data-dir', dataDir, '--smtp-require-tls', '--smtp-tls-cert', path.join(workdir, 'missing.pem'), '--smtp-port', 'x']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--smtp-port: "x" is not a port number/);
  assert.match(result.stderr, /--smtp-tls-cert: a certificate needs its key/);
  assert.match(result.stderr, /--smtp-tls-cert: cannot read .*missing\.pem \(ENOENT\)/);
  assert.match(result.stderr, /--smtp-require-tls: TLS is required but no certificate and key/);
  assert.equal(existsSync(dataDir), false, 'no database was created');
});

// Used to break: empty defaults printed as `default )`, the help said --log-level defaults to
// info outside serve, --db-timeout-ms on query spoke of a 451, serve did not mention HTTP.
test('--help of every command reads right', async () => {
  const serve = await runCli(['serve', '--help']);
  assert.match(serve.stdout.replace(/\s+/g, ' '), /receive mail \(SMTP\) and outbound events \(HTTP POST \/events\)/);
  for (const command of [['serve'], ['query'], ['messages'], ['status'], ['template', 'add'], ['import']]) {
    const help = await runCli([...command, '--help']);
    assert.equal(help.code, 0, `${command.join(' ')}: ${help.stderr}`);
    const text = help.stdout.replace(/\s+/g, ' ');
    assert.doesNotMatch(text, /default \)/, command.join(' '));
    assert.match(text, /--log-level <level> .*default info for serve, warn for other commands/, command.join(' '));
  }
  const query = (await runCli(['query', '--help'])).stdout.replace(/\s+/g, ' ');
  assert.match(query, /--db-timeout-ms <ms> longest wait for a database connection or a statement \(env/);
  assert.doesNotMatch(query, /451/);
});

// Used to break: nothing told the admin which database a command talked to, and a command run
// from another directory quietly used an empty database there.
test('status names the database, says whether a daemon runs, and what arrived lately', async () => {
  const elsewhere = await runCli(['status', '--data-dir', path.join(workdir, 'nothing-here')]);
  assert.equal(elsewhere.code, 1);
  assert.match(elsewhere.stderr, /^unmacro: no unmacro database in .*nothing-here \(use --data-dir or DATABASE_URL\)$/m);
  assert.equal(existsSync(path.join(workdir, 'nothing-here')), false, 'status created nothing');

  assert.equal((await runCli(['template', 'add', ...tdb.flags, 'templates/session-end.tmpl'])).code, 0);
  const daemon = await startServe(tdb.flags);
  try {
    const end = shippedTemplate('session-end');
    const values = sessionEndValues();
    assert.equal((await sendMail(daemon.smtpPort, { subject: render(end.subject, values), text: render(end.body, values) })).code, 250);
    assert.equal((await sendMail(daemon.smtpPort, { subject: 'Out of office', text: 'back Monday' })).code, 250);
    const running = await runCli(['status', ...tdb.flags]);
    assert.equal(running.code, 0, running.stderr);
    const where = SERVER_URL ? /^database: {2}PostgreSQL at postgres:\/\/.*; schema public$/m : new RegExp(`^database: {2}embedded, in ${tdb.dataDir}; schema public$`, 'm');
    assert.match(running.stdout, where);
    assert.match(running.stdout, /^migration: version \d+ \(up to date\)$/m);
    assert.match(running.stdout, /^daemon: {4}(probably )?running/m);
    assert.match(running.stdout, /^templates: 1 active, 0 disabled$/m);
    assert.match(running.stdout, /^ {2}session-end +\| support_conference_end +\| 1 +\| true +\| 1$/m);
    assert.match(running.stdout, /^mail, last 24 h: 2 \(extracted 1, unmatched 1\)$/m);
    // A listing for people says where its rows come from.
    const listed = await runCli(['messages', ...tdb.flags]);
    assert.match(listed.stdout, SERVER_URL ? /^\(2 rows; database postgres:\/\/.*\)$/m : new RegExp(`^\\(2 rows; embedded database in ${tdb.dataDir}\\)$`, 'm'));
    assert.match(running.stdout, /^ {2}support_conference_end \(email\) +\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z \(\d+ s ago\)$/m);
  } finally {
    daemon.child.kill('SIGTERM');
    await daemon.done;
  }
  const stopped = await runCli(['status', ...tdb.flags, '--format', 'json']);
  assert.equal(stopped.code, 0, stopped.stderr);
  const json = JSON.parse(stopped.stdout) as { daemon: { running: boolean }; mail_last_24h: Record<string, number>; last_events: { event: string; seconds_ago: number }[] };
  assert.equal(json.daemon.running, false);
  assert.deepEqual(json.mail_last_24h, { extracted: 1, unmatched: 1 });
  assert.equal(json.last_events[0]?.event, 'support_conference_end');
});
