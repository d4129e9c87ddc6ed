import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../config.js';
import { UnmacroError, UserError } from '../errors.js';
import type { Logger } from '../logger.js';

/** A mail as it came off the wire: the exact bytes and the envelope. */
export interface ReceivedMail {
  readonly raw: Buffer;
  readonly mailFrom: string | null;
  readonly rcptTo: readonly string[];
  readonly remoteAddress: string;
  readonly receivedAt: Date;
}

/** What the receiver hands each mail to; it resolves only once the mail is durably stored. */
export type MailSink = (mail: ReceivedMail, log: Logger) => Promise<{ readonly id: string; readonly status: string }>;

/** How long in-flight mails may take to finish when the server stops. */
const CLOSE_TIMEOUT_MS = 10_000;

export interface SmtpReceiver {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  start(): Promise<AddressInfo>;
  /** Stops intake (new commands get 421), lets in-flight mails finish, bounded. Safe to call twice. */
  stop(): Promise<void>;
}

/** The SMTP front door: receives mail and replies 250 only once the sink has stored it. */
export function createSmtpReceiver(deps: {
  config: Pick<Config, 'smtpHost' | 'smtpPort' | 'smtpMaxBytes'>;
  logger: Logger;
  sink: MailSink;
}): SmtpReceiver {
  const { config, sink } = deps;
  const log = deps.logger.child({ component: 'smtp' });

  const server = new SMTPServer({
    size: config.smtpMaxBytes,
    rejectOversized: true,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    hideENHANCEDSTATUSCODES: false, // the replies carry 4.3.0, 5.3.4, ... as the contract names them
    closeTimeout: CLOSE_TIMEOUT_MS,
    logger: false,
    onData(stream, session, callback) {
      receive(stream, session).then(
        (id) => callback(null, `OK: stored as ${id}`),
        (err: unknown) => callback(err as Error),
      );
    },
  });
  server.on('error', (err) => log.warn({ err }, 'smtp server error'));

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const started = Date.now();
    const sessionLog = log.child({ session: session.id });
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!stream.sizeExceeded) chunks.push(chunk); // past the limit, drain without keeping
    }
    if (stream.sizeExceeded) {
      sessionLog.info({ remoteAddress: session.remoteAddress, bytes: stream.byteLength }, 'mail refused: over the size limit');
      throw smtpError(552, 'Error: message exceeds fixed maximum message size');
    }
    const mail: ReceivedMail = {
      raw: Buffer.concat(chunks),
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
      remoteAddress: session.remoteAddress,
      receivedAt: new Date(),
    };
    try {
      const stored = await sink(mail, sessionLog);
      sessionLog.info(
        { remoteAddress: session.remoteAddress, id: stored.id, status: stored.status, bytes: mail.raw.length, ms: Date.now() - started },
        'mail stored',
      );
      return stored.id;
    } catch (err) {
      sessionLog.error({ err, remoteAddress: session.remoteAddress, ms: Date.now() - started }, 'mail not stored, sender told to retry');
      // The database error stays in the log; the sender learns only that it should retry.
      throw smtpError(451, 'Temporary storage failure, please retry later');
    }
  }

  let stopping: Promise<void> | undefined;
  return {
    start: () =>
      new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) =>
          reject(
            err.code === 'EADDRINUSE' || err.code === 'EACCES'
              ? new UserError('SMTP_LISTEN_FAILED', `cannot listen for SMTP on ${config.smtpHost}:${config.smtpPort}: ${err.code}`)
              : err,
          );
        server.server.once('error', onError);
        server.listen(config.smtpPort, config.smtpHost, () => {
          server.server.off('error', onError);
          const address = server.server.address() as AddressInfo;
          log.info({ host: address.address, port: address.port }, 'smtp listening');
          resolve(address);
        });
      }),
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        if (!server.server.listening) return resolve();
        server.close(() => resolve());
      })),
  };
}

class SmtpReplyError extends UnmacroError {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(`SMTP_${responseCode}`, message);
  }
}

function smtpError(code: number, message: string): SmtpReplyError {
  return new SmtpReplyError(code, message);
}
