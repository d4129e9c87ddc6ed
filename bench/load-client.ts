// A lean SMTP load client on raw sockets, run as its own process so that it does not compete
// with the server's event loop. Before the clock starts it builds every mail it will send as a
// Buffer (each TOKEN replaced by a fresh 32-digit hex number, so no two mails are duplicates;
// CRLF, dot-stuffed, with the DATA terminator); while it runs it only writes those buffers and
// reads reply codes. Work is bounded: COUNT mails, and no new mail after MAX_SECONDS.
//   keep-alive  CONNECTIONS connections, each sending mail after mail (MAIL/RCPT/DATA pipelined)
//   per-mail    CONNECTIONS senders, each opening a new connection per mail (greeting, EHLO,
//               MAIL, RCPT, DATA, QUIT); latency runs from connect to the 250
// It reports its own CPU time as a share of one core over the wall time, to show it is not the limit.
// Usage (from bench/run.ts): node --import tsx bench/load-client.ts MODE PORT CONNECTIONS COUNT MAX_SECONDS MESSAGE_FILE
import { readFileSync } from 'node:fs';
import net from 'node:net';

export type LoadMode = 'keep-alive' | 'per-mail';

export interface LoadResult {
  /** Mails answered 250. */
  readonly mails: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  /** Final reply codes of the DATA stage (or `closed`), with counts. */
  readonly codes: Record<string, number>;
  /** The client's CPU time (user + system) as % of one core over `seconds`. */
  readonly cpu: number;
}

/** Stands for the LSID (and Message-ID part) of a benchmark mail; letters survive any transfer encoding. */
export const TOKEN = 'Z'.repeat(32);

const ENVELOPE = Buffer.from('MAIL FROM:<appliance@support.example.com>\r\nRCPT TO:<unmacro@example.com>\r\nDATA\r\n');
const EHLO = Buffer.from('EHLO load.example\r\n');
const LF = 10;
const DASH = 45;

/** Dot-stuffs a message and ends it with the DATA terminator. */
export function dataBlock(raw: Buffer): string {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  return `${text.endsWith('\r\n') ? text : `${text}\r\n`}.\r\n`;
}

/** `count` distinct DATA blocks of one message, each TOKEN replaced by its own id. */
export function distinctBlocks(raw: Buffer, count: number): Buffer[] {
  const parts = dataBlock(raw).split(TOKEN).map((p) => Buffer.from(p, 'latin1'));
  if (parts.length < 2) throw new Error('the message has no TOKEN to make each mail distinct');
  const prefix = process.pid.toString(16);
  return Array.from({ length: count }, (_, i) => {
    const id = Buffer.from((prefix + i.toString(16).padStart(12, '0')).padStart(32, '0'), 'latin1');
    return Buffer.concat(parts.flatMap((p, j) => (j === 0 ? [p] : [id, p])));
  });
}

/** Calls `onReply` with the code of each final reply line; continuation lines (`250-`) are skipped. */
function readReplies(socket: net.Socket, onReply: (code: number) => void): void {
  let partial: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(LF); end >= 0; end = chunk.indexOf(LF, start)) {
      const line = partial ? Buffer.concat([partial, chunk.subarray(start, end)]) : chunk.subarray(start, end);
      partial = undefined;
      start = end + 1;
      if (line.length >= 3 && line[3] !== DASH) onReply((line[0]! - 48) * 100 + (line[1]! - 48) * 10 + (line[2]! - 48));
    }
    if (start < chunk.length) partial = partial ? Buffer.concat([partial, chunk.subarray(start)]) : chunk.subarray(start);
  });
}

interface Tally {
  readonly latencies: number[];
  readonly codes: Record<string, number>;
}

/**
 * One SMTP session that sends the mails `next` hands out until it returns undefined, then QUITs.
 * Latency runs from MAIL, or from connect when `fromConnect` (a session per mail). With `after`,
 * the session says hello, then waits for that promise before its first mail.
 */
function session(port: number, next: () => Buffer | undefined, tally: Tally, fromConnect: boolean, after?: () => Promise<void>): Promise<void> {
  const connected = performance.now();
  const socket = net.createConnection(port, '127.0.0.1');
  socket.setNoDelay(true);
  let state: 'greeting' | 'ehlo' | 'envelope' | 'data' | 'rset' | 'quit' = 'greeting';
  let pending = 0;
  let block: Buffer | undefined;
  let started = 0;
  const count = (code: string) => (tally.codes[code] = (tally.codes[code] ?? 0) + 1);
  // Once only: a session that closes before its hello must not hold the others back.
  const ready = () => {
    const wait = after;
    after = undefined;
    return wait ? wait() : Promise.resolve();
  };
  const send = () => {
    block = next();
    if (!block) {
      state = 'quit';
      socket.write('QUIT\r\n');
      return;
    }
    started = fromConnect ? connected : performance.now();
    state = 'envelope';
    pending = 3;
    socket.write(ENVELOPE);
  };
  readReplies(socket, (code) => {
    if (state === 'greeting' && code !== 220) {
      count(`greeting ${code}`);
      socket.destroy();
    } else if (state === 'greeting') {
      state = 'ehlo';
      socket.write(EHLO);
    } else if (state === 'ehlo') void ready().then(send);
    else if (state === 'envelope' && --pending === 0) {
      if (code === 354) {
        state = 'data';
        socket.write(block as Buffer);
      } else {
        count(String(code));
        state = 'rset';
        socket.write('RSET\r\n');
      }
    } else if (state === 'data') {
      if (code === 250) tally.latencies.push(performance.now() - started);
      count(String(code));
      block = undefined;
      send();
    } else if (state === 'rset') send();
    else if (state === 'quit') socket.destroy();
  });
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => {
      void ready();
      if (block) count('closed');
      resolve();
    });
  });
}

/** A `next` that hands out one block, then nothing. */
function only(block: Buffer): () => Buffer | undefined {
  let left: Buffer | undefined = block;
  return () => {
    const b = left;
    left = undefined;
    return b;
  };
}

/** Sends every block once, over `connections` keep-alive connections or senders of one connection per mail. */
export async function runLoad(mode: LoadMode, port: number, connections: number, blocks: Buffer[], maxSeconds: number): Promise<LoadResult> {
  const tally: Tally = { latencies: [], codes: {} };
  let sent = 0;
  let cpu0 = process.cpuUsage();
  let started = performance.now();
  const take = () => (sent < blocks.length && performance.now() < started + maxSeconds * 1000 ? blocks[sent++] : undefined);
  let senders: Promise<void>[];
  if (mode === 'keep-alive') {
    // The clock starts once every connection has had its greeting and EHLO reply.
    let go = () => {};
    const start = new Promise<void>((resolve) => (go = resolve));
    let waiting = connections;
    const after = () => {
      if (--waiting === 0) {
        cpu0 = process.cpuUsage();
        started = performance.now();
        go();
      }
      return start;
    };
    senders = Array.from({ length: connections }, () => session(port, take, tally, false, after));
  } else {
    senders = Array.from({ length: connections }, async () => {
      for (let block = take(); block; block = take()) await session(port, only(block), tally, true);
    });
  }
  await Promise.all(senders);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu0);
  const latencies = tally.latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  const cpu = ((used.user + used.system) / 1e6 / seconds) * 100;
  return { mails: latencies.length, seconds, p50: at(0.5), p99: at(0.99), codes: tally.codes, cpu };
}

// Run as a child process: report the result as one JSON line.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) {
  const [mode, port, connections, count, maxSeconds, file] = process.argv.slice(2);
  const blocks = distinctBlocks(readFileSync(file as string), Number(count));
  const result = await runLoad(mode as LoadMode, Number(port), Number(connections), blocks, Number(maxSeconds));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
