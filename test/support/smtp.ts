import net from 'node:net';
import { once } from 'node:events';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

/** What the server answered to one mail. */
export interface SendResult {
  readonly code: number;
  readonly response: string;
}

/** Sends one mail with nodemailer (a real SMTP client) and returns the final reply, 2xx or not. */
export async function sendMail(port: number, mail: nodemailer.SendMailOptions, host = '127.0.0.1'): Promise<SendResult> {
  const options: SMTPTransport.Options = { host, port, secure: false, ignoreTLS: true };
  const transport = nodemailer.createTransport(options);
  try {
    const info = await transport.sendMail({ from: 'appliance@support.example.com', to: 'unmacro@example.com', ...mail });
    return { code: Number(String(info.response).slice(0, 3)), response: String(info.response) };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message: string };
    if (e.responseCode) return { code: e.responseCode, response: e.response ?? e.message };
    throw err;
  } finally {
    transport.close();
  }
}

/** A bare SMTP connection for tests that need to see each reply, line by line. */
export interface RawSmtp {
  /** The next complete reply (all lines of a multi-line one). */
  reply(): Promise<string>;
  /** Sends a command line and returns its reply. */
  command(line: string): Promise<string>;
  /** Sends bytes as they are. */
  write(data: string | Buffer): void;
  close(): void;
}

export async function connectRaw(port: number, host = '127.0.0.1'): Promise<RawSmtp> {
  const socket = net.createConnection(port, host);
  await once(socket, 'connect');
  let buffer = '';
  const waiting: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    waiting.splice(0).forEach((wake) => wake());
  });
  socket.on('close', () => waiting.splice(0).forEach((wake) => wake()));
  socket.on('error', () => {});
  async function reply(): Promise<string> {
    for (;;) {
      const end = /^\d{3} .*\r\n/m.exec(buffer);
      if (end) {
        const text = buffer.slice(0, end.index + end[0].length);
        buffer = buffer.slice(text.length);
        return text.trimEnd();
      }
      if (socket.destroyed || socket.readableEnded) return buffer ? buffer.trimEnd() : '(connection closed)';
      await new Promise<void>((wake) => waiting.push(wake));
    }
  }
  return {
    reply,
    command(line: string) {
      socket.write(`${line}\r\n`);
      return reply();
    },
    write: (data) => socket.write(data),
    close: () => socket.destroy(),
  };
}
