// An SMTP client that behaves like a real MTA: it retries every mail that got no reply, a 4xx or
// a broken connection until it gets a 250, reconnecting as needed. Bounded in count and time.
import { once } from 'node:events';
import net from 'node:net';

/** How long to wait for a reply before treating the connection as dead. */
const REPLY_TIMEOUT_MS = 20_000;
const RETRY_DELAY_MS = 200;

export interface OutgoingMail {
  readonly id: string;
  /** The dot-stuffed message, ending with `.\r\n`. */
  readonly data: Buffer;
}

export interface RetryReport {
  /** Mail id -> time (ms since start) of its 250. */
  readonly acked: Map<string, number>;
  /** Final replies seen (and `none` for a dropped connection), with counts. */
  readonly replies: Record<string, number>;
  readonly attempts: number;
  readonly seconds: number;
}

class Connection {
  private buffer = '';
  private waiter: ((line: string | undefined) => void) | undefined;
  private readonly lines: string[] = [];
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      let end: number;
      while ((end = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        if (/^\d{3}-/.test(line)) continue;
        this.push(line);
      }
    });
    const close = () => {
      this.closed = true;
      this.push(undefined);
    };
    socket.on('close', close);
    socket.on('error', close);
  }

  static async open(port: number): Promise<Connection> {
    const socket = net.createConnection(port, '127.0.0.1');
    await Promise.race([once(socket, 'connect'), once(socket, 'error').then(([err]) => Promise.reject(err as Error))]);
    const c = new Connection(socket);
    if (!(await c.reply())?.startsWith('220')) throw new Error('no greeting');
    c.socket.write('EHLO retrying.example\r\n');
    if (!(await c.reply())?.startsWith('250')) throw new Error('EHLO refused');
    return c;
  }

  private push(line: string | undefined) {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(line);
    else if (line !== undefined) this.lines.push(line);
  }

  reply(): Promise<string | undefined> {
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, REPLY_TIMEOUT_MS);
      this.waiter = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
    });
  }

  write(data: string | Buffer) {
    this.socket.write(data);
  }

  destroy() {
    this.socket.destroy();
  }
}

/** Sends every mail until each got a 250, over `connections` connections, or until `deadlineMs`. */
export async function sendWithRetries(
  port: number,
  mails: readonly OutgoingMail[],
  connections: number,
  deadlineMs: number,
  onAck: (id: string) => void = () => {},
): Promise<RetryReport> {
  const queue = [...mails];
  const acked = new Map<string, number>();
  const replies: Record<string, number> = {};
  let attempts = 0;
  const started = Date.now();
  const note = (reply: string | undefined) => {
    const code = reply?.slice(0, 3) ?? 'none';
    replies[code] = (replies[code] ?? 0) + 1;
  };
  const worker = async () => {
    let connection: Connection | undefined;
    while (acked.size < mails.length && Date.now() - started < deadlineMs) {
      const mail = queue.shift();
      if (!mail) {
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS)); // others still in flight may fail and come back
        continue;
      }
      try {
        connection ??= await Connection.open(port);
        attempts += 1;
        connection.write('MAIL FROM:<appliance@support.example.com>\r\nRCPT TO:<unmacro@example.com>\r\nDATA\r\n');
        const [from, rcpt, data] = [await connection.reply(), await connection.reply(), await connection.reply()];
        if (!from?.startsWith('250') || !rcpt?.startsWith('250') || !data?.startsWith('354')) throw Object.assign(new Error('refused'), { reply: from && !from.startsWith('250') ? from : rcpt && !rcpt.startsWith('250') ? rcpt : data });
        connection.write(mail.data);
        const final = await connection.reply();
        note(final);
        if (final?.startsWith('250')) {
          acked.set(mail.id, Date.now() - started);
          onAck(mail.id);
          continue;
        }
        throw Object.assign(new Error('not accepted'), { reply: final, counted: true });
      } catch (err) {
        const e = err as { reply?: string; counted?: boolean };
        if (!e.counted) note(e.reply);
        queue.push(mail);
        connection?.destroy();
        connection = undefined;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
    connection?.write('QUIT\r\n');
    connection?.destroy();
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return { acked, replies, attempts, seconds: (Date.now() - started) / 1000 };
}

/** A free TCP port on 127.0.0.1, for a daemon that must come back on the same port. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
