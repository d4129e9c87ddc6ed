import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { loadConfig, SETTINGS } from '../src/config.js';
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

test('the README documents every setting', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const setting of SETTINGS) {
    assert.ok(readme.includes(`| \`${setting.flag.split(' ')[0]}\` | \`${setting.env}\` |`), `${setting.env} is in the README's table`);
  }
});
