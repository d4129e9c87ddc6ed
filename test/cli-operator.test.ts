// The CLI as an operator meets it: settings checked before anything opens, help that agrees
// with the README, and a status command that says which database it talks to.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli.js';

let workdir: string;
before(async () => {
  workdir = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-operator-'));
});
after(async () => fs.rm(workdir, { recursive: true, force: true }));

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
  for (const command of [['serve'], ['query'], ['messages'], ['template', 'add'], ['import']]) {
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
