// The greeting without smtp-server's fixed 100 ms delay (src/smtp/greeting.ts). It used to cap a
// sender that opens one connection per mail at ~9 mails/s. These tests pin the library code the
// override replaces, so that an smtp-server upgrade that changes it fails here, not in production.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config.js';
import { greetAtOnce, LIBRARY_INIT, libraryInitUnchanged, normalise } from '../src/smtp/greeting.js';
import { createSmtpReceiver } from '../src/smtp/server.js';
import { testLogger } from './support/database.js';

/** The library's own source of SMTPConnection, read from disk (the prototype may already be overridden). */
function librarySource(): string {
  return readFileSync(fileURLToPath(import.meta.resolve('smtp-server/lib/smtp-connection.js')), 'utf8');
}

/** Milliseconds from connect to the first reply line, and that line. */
async function greeting(port: number): Promise<{ ms: number; line: string }> {
  const started = performance.now();
  const socket = net.createConnection(port, '127.0.0.1');
  socket.on('error', () => {});
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  const ms = performance.now() - started;
  socket.destroy();
  return { ms, line: chunk.toString('latin1').split('\r\n')[0] ?? '' };
}

async function listen(server: SMTPServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.server.address() as net.AddressInfo).port;
}

function bareServer(options: ConstructorParameters<typeof SMTPServer>[0] = {}): SMTPServer {
  return new SMTPServer({ logger: false, disableReverseLookup: true, disabledCommands: ['STARTTLS', 'AUTH'], hideSTARTTLS: true, ...options });
}

test('the override replaces exactly the init of the installed smtp-server', () => {
  const source = normalise(librarySource());
  assert.ok(
    source.includes(LIBRARY_INIT),
    'smtp-server changed SMTPConnection.prototype.init: review src/smtp/greeting.ts against the new code, then update LIBRARY_INIT',
  );
  // The override relies on these steps of the library staying as they are.
  for (const step of ['connectionReady(next) {', "this.send(421, this.name + ' You talk too soon', commandName);", 'if (!this._ready) {', '_setListeners(callback) {']) {
    assert.ok(source.includes(normalise(step)), `smtp-server no longer has: ${step}`);
  }
  assert.equal(libraryInitUnchanged(), true);
});

test('a fresh connection gets its 220 at once, not after 100 ms', async () => {
  const config = loadConfig({ env: {}, flags: { smtpPort: 0, logLevel: 'silent' } });
  const smtp = createSmtpReceiver({ config, logger: testLogger(), sink: async () => ({ id: '1', status: 'unmatched' }) });
  const { port } = await smtp.start();
  try {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { ms, line } = await greeting(port);
      assert.match(line, /^220 /);
      times.push(ms);
    }
    times.sort((a, b) => a - b);
    // Not a benchmark: a bound far from the library's 100 ms.
    assert.ok((times[10] ?? Infinity) < 50, `median greeting ${times[10]} ms`);
  } finally {
    await smtp.stop();
  }
});

test('a client that talks before the greeting still gets 421 You talk too soon', async () => {
  const server = bareServer();
  assert.equal(greetAtOnce(server), true);
  const port = await listen(server);
  try {
    const socket = net.createConnection(port, '127.0.0.1');
    socket.on('error', () => {});
    // Written the moment the connection is up: it arrives before the server has greeted.
    socket.on('connect', () => socket.write('EHLO early.example\r\n'));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    await once(socket, 'close');
    assert.match(text, /^421 .*You talk too soon/m);
    assert.doesNotMatch(text, /^220 /m);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("the library's maxClients check still answers 421 before the greeting", async () => {
  const server = bareServer({ maxClients: 1 });
  greetAtOnce(server);
  const port = await listen(server);
  const first = net.createConnection(port, '127.0.0.1');
  try {
    await once(first, 'data');
    const second = await greeting(port);
    assert.match(second.line, /^421 .*Too many connected clients/);
  } finally {
    first.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a server not passed to greetAtOnce keeps the library behaviour', async () => {
  const server = bareServer();
  const port = await listen(server);
  try {
    const { ms, line } = await greeting(port);
    assert.match(line, /^220 /);
    assert.ok(ms >= 90, `greeting after ${ms} ms`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
