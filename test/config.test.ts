import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs, { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { helpDefault, loadConfig, SETTINGS } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

test('defaults apply when neither flag nor environment sets a value', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.dataDir, path.resolve('data'));
  assert.equal(config.smtpHost, '127.0.0.1');
  assert.equal(config.smtpPort, 2525);
  assert.equal(config.smtpMaxBytes, 25 * 1024 * 1024);
  assert.equal(config.dbSchema, 'public');
  assert.ok(Object.isFrozen(config));
});

test('a flag wins over the environment, which wins over the default', () => {
  const env = { UNMACRO_SMTP_PORT: '2600', UNMACRO_SMTP_HOST: '::1', DATABASE_URL: 'postgres://u@db:5432/x' };
  const config = loadConfig({ env, flags: { smtpPort: '2700' } });
  assert.equal(config.smtpPort, 2700);
  assert.equal(config.smtpHost, '::1');
  assert.equal(config.databaseUrl, 'postgres://u@db:5432/x');
});

test('an empty DATABASE_URL means the embedded default', () => {
  assert.equal(loadConfig({ env: { DATABASE_URL: '' } }).databaseUrl, undefined);
});

test('every problem is reported at once, each naming its setting', () => {
  const env = {
    UNMACRO_SMTP_PORT: '70000',
    UNMACRO_DB_POOL_SIZE: 'many',
    DATABASE_URL: 'mysql://root@localhost/x',
    UNMACRO_DB_SCHEMA: 'Robert"; DROP',
  };
  const err = (() => {
    try {
      loadConfig({ env, flags: { logLevel: 'loud' } });
    } catch (e) {
      return e;
    }
    assert.fail('expected a ConfigError');
  })();
  assert.ok(err instanceof ConfigError);
  assert.equal(err.code, 'CONFIG_INVALID');
  assert.equal(err.problems.length, 5);
  for (const name of ['UNMACRO_SMTP_PORT', 'UNMACRO_DB_POOL_SIZE', 'DATABASE_URL', 'UNMACRO_DB_SCHEMA', '--log-level']) {
    assert.match(err.message, new RegExp(`${name}: `), `${name} is named`);
  }
});

test('every setting has a flag and an UNMACRO_ variable (or DATABASE_URL), and its default is valid', () => {
  for (const setting of SETTINGS) {
    assert.match(setting.flag, /^--[a-z-]+ (<[a-z]+>|\[bool\])$/);
    assert.ok(setting.env === 'DATABASE_URL' || setting.env.startsWith('UNMACRO_'), setting.env);
    if (setting.default !== undefined) assert.ok('value' in setting.parse(setting.default), `default of ${setting.env}`);
  }
});

// Used to break: the help said --log-level defaults to info where the README said warn outside
// serve, and empty defaults printed as `default )`. The README's table and the code's agree.
test("the README's configuration table lists exactly the settings, with the defaults --help prints", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Commands'));
  const rows = new Map([...section.matchAll(/^\| `(--[a-z-]+)` \| `([A-Z_]+)` \| ([^|]*) \|/gm)].map((m) => [m[1], { env: m[2], default: (m[3] ?? '').replace(/`/g, '').trim() }]));
  assert.equal(rows.size, SETTINGS.length, 'one row per setting');
  for (const setting of SETTINGS) {
    const row = rows.get(setting.flag.split(' ')[0]);
    assert.ok(row, `${setting.flag} is in the README's table`);
    assert.equal(row.env, setting.env);
    const shown = helpDefault(setting) ?? '(unset)';
    assert.ok(row.default.startsWith(shown), `${setting.env}: README says ${JSON.stringify(row.default)}, --help says ${JSON.stringify(shown)}`);
    assert.notEqual(shown, '', `${setting.env} has no empty default text`);
  }
});

function problemsOf(flags: Record<string, unknown>, checkFiles = false): string[] {
  try {
    loadConfig({ env: {}, flags, checkFiles });
  } catch (err) {
    return (err as ConfigError).problems as string[];
  }
  return [];
}

// Used to break: serve --smtp-require-tls without a certificate started, offered no STARTTLS and
// answered every mail 530 (the sender bounced it); a certificate without its key was ignored; a
// missing certificate file was reported only after the database had opened.
test('TLS and AUTH settings are checked against each other, and the files when asked', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unmacro-config-'));
  try {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    assert.deepEqual(problemsOf({ smtpTlsCert: cert, smtpTlsKey: key, smtpRequireTls: true, smtpUsers: 'a:b' }, true), []);
    assert.match(problemsOf({ smtpRequireTls: true }).join('\n'), /^--smtp-require-tls: TLS is required but no certificate and key/);
    assert.match(problemsOf({ smtpTlsCert: cert }).join('\n'), /^--smtp-tls-cert: a certificate needs its key/);
    assert.match(problemsOf({ smtpTlsKey: key }).join('\n'), /^--smtp-tls-key: a key needs its certificate/);
    assert.match(problemsOf({ smtpUsers: 'a:b' }).join('\n'), /^--smtp-users: AUTH needs TLS/);
    assert.deepEqual(problemsOf({ smtpUsers: 'a:b', smtpAuthInsecure: true }), []);
    const missing = problemsOf({ smtpTlsCert: path.join(dir, 'nope.pem'), smtpTlsKey: cert, smtpPort: 'x' }, true);
    assert.equal(missing.length, 3, missing.join('\n'));
    assert.match(missing.join('\n'), /--smtp-tls-cert: cannot read .*nope\.pem \(ENOENT\)/);
    assert.match(missing.join('\n'), /--smtp-tls-key: .*cert\.pem holds no PEM private key/);
    // Named as the user set them: by environment variable when it came from there.
    const fromEnv = (() => {
      try {
        loadConfig({ env: { UNMACRO_SMTP_REQUIRE_TLS: 'true' } });
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    assert.match(fromEnv, /UNMACRO_SMTP_REQUIRE_TLS: TLS is required/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
