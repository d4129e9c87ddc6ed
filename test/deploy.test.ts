// The deployment files say what the README says they do.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { SETTINGS } from '../src/config.js';

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const shutdownDefaultMs = Number(SETTINGS.find((s) => s.key === 'shutdownTimeoutMs')?.default);

// Used to break: no healthcheck for unmacro though /healthz exists; Docker's default 10 s stop
// equalled the shutdown timeout; host templates were not visible in the container.
test('compose: healthcheck on /healthz, a stop grace period above the shutdown timeout, templates mounted', () => {
  const compose = read('docker-compose.yml');
  const unmacro = compose.slice(compose.indexOf('\n  unmacro:'));
  assert.match(unmacro, /healthcheck:\n\s+test: \[.*\/healthz/);
  const grace = /stop_grace_period: (\d+)s/.exec(unmacro);
  assert.ok(grace, 'stop_grace_period is set');
  const shutdown = Number(/UNMACRO_SHUTDOWN_TIMEOUT_MS: "(\d+)"/.exec(unmacro)?.[1] ?? shutdownDefaultMs);
  assert.ok(Number(grace[1]) * 1000 > shutdown, `${grace[1]} s > ${shutdown} ms`);
  assert.match(unmacro, /- \.\/templates:\/app\/templates:ro/);
  const dockerfile = read('Dockerfile');
  assert.match(dockerfile, /chown node:node \/app\/data/);
  assert.match(dockerfile, /^USER node$/m);
});

// Used to break: `systemd-analyze security` rated the unit 8.5 EXPOSED, and it named
// /usr/bin/node, which on Debian 12 is Node 18.
test('systemd unit: no hard-coded node, and a check of its version', () => {
  const unit = read('deploy/unmacro.service');
  assert.doesNotMatch(unit, /^ExecStart=\/usr\/bin\/node/m);
  assert.match(unit, /^ExecStartPre=.*Node\.js 20 or later/m);
});

test('systemd unit: systemd-analyze security rates it 3.0 or better', { skip: !hasSystemdAnalyze() && 'systemd-analyze is not installed' }, () => {
  const report = execFileSync('systemd-analyze', ['security', '--offline=true', 'deploy/unmacro.service'], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
  const rating = Number(/Overall exposure level for unmacro\.service: ([\d.]+)/.exec(report)?.[1]);
  assert.ok(rating <= 3.0, `exposure ${rating}`);
});

function hasSystemdAnalyze(): boolean {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
