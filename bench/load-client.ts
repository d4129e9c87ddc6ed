// A lean SMTP load client on raw sockets, run as its own process so that it does not compete
// with the server's event loop. It keeps each connection open, pipelines MAIL/RCPT/DATA, and
// sends bounded work: `count` mails over `connections` connections to 127.0.0.1. Every TOKEN in
// a message is replaced by a fresh 32-digit hex number per mail, so no two mails are duplicates.
// Usage (from bench/smtp.ts): node --import tsx bench/load-client.ts PORT CONNECTIONS COUNT MESSAGE_FILE
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export interface LoadResult {
  readonly mails: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  /** Final reply codes of the DATA stage, with counts. */
  readonly codes: Record<string, number>;
}

/** Stands for the LSID (and Message-ID part) of a benchmark mail; letters survive any transfer encoding. */
export const TOKEN = 'Z'.repeat(32);

/** Dot-stuffs a message and ends it with the DATA terminator. */
export function dataBlock(raw: Buffer): string {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  return `${text.endsWith('\r\n') ? text : `${text}\r\n`}.\r\n`;
}

let serial = 0;
function fresh(block: string): Buffer {
  const id = (process.pid.toString(16) + (serial++).toString(16).padStart(12, '0')).padStart(32, '0');
  return Buffer.from(block.replaceAll(TOKEN, id), 'latin1');
}

async function connection(port: number, data: string, take: () => boolean, latencies: number[], codes: Record<string, number>): Promise<void> {
  const socket = net.createConnection(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  let buffer = '';
  const waiters: ((line: string) => void)[] = [];
  const lines: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let end: number;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (/^\d{3}-/.test(line)) continue; // continuation of a multi-line reply
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const reply = () => new Promise<string>((resolve) => (lines.length ? resolve(lines.shift() as string) : waiters.push(resolve)));
  await reply(); // greeting
  socket.write('EHLO load.example\r\n');
  await reply();
  while (take()) {
    const started = performance.now();
    socket.write('MAIL FROM:<appliance@support.example.com>\r\nRCPT TO:<unmacro@example.com>\r\nDATA\r\n');
    await reply();
    await reply();
    const go = await reply();
    if (!go.startsWith('354')) {
      codes[go.slice(0, 3)] = (codes[go.slice(0, 3)] ?? 0) + 1;
      socket.write('RSET\r\n');
      await reply();
      continue;
    }
    socket.write(fresh(data));
    const done = await reply();
    latencies.push(performance.now() - started);
    codes[done.slice(0, 3)] = (codes[done.slice(0, 3)] ?? 0) + 1;
  }
  socket.end('QUIT\r\n');
}

/** Sends `count` copies of `messages` (round robin) over `connections` connections. */
export async function runLoad(port: number, connections: number, count: number, messages: Buffer[]): Promise<LoadResult> {
  const blocks = messages.map(dataBlock);
  let sent = 0;
  const latencies: number[] = [];
  const codes: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, (_, i) => connection(port, blocks[i % blocks.length] as string, () => sent++ < count, latencies, codes)),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return { mails: latencies.length, seconds, p50: at(0.5), p99: at(0.99), codes };
}

// Run as a child process: report the result as one JSON line.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) {
  const [port, connections, count, file] = process.argv.slice(2);
  const messages = (JSON.parse(readFileSync(file as string, 'utf8')) as string[]).map((m) => Buffer.from(m, 'base64'));
  const result = await runLoad(Number(port), Number(connections), Number(count), messages);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
