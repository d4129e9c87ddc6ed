import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../config.js';
import { UnmacroError, UserError } from '../errors.js';
import type { Logger } from '../logger.js';
import { allowList, sameSecret } from '../net-policy.js';
import { greetAtOnce } from './greeting.js';
import { createByteBudget, readMail } from './receive.js';
import { createSlotGuard, type EvictReason } from './slots.js';

/** A failed AUTH is answered this much later, so guessing passwords is slow. */
const AUTH_FAILURE_DELAY_MS = 1_000;
/** smtp-server's own limit, above ours: connections it holds before our onConnect admits them. */
const PENDING_CONNECTIONS_FACTOR = 2;

const EVICTED: Readonly<Record<EvictReason, string>> = {
  idle: 'Idle for too long, closing connection',
  stress: 'Server busy and your connection idle, closing it',
  'data-rate': 'Message data arriving too slowly, closing connection',
};

/** A mail as it came off the wire: the exact bytes and the envelope. */
export interface ReceivedMail {
  readonly raw: Buffer;
  readonly mailFrom: string | null;
  readonly rcptTo: readonly string[];
  readonly remoteAddress: string | null;
  /** When absent (imported mail): the mail's Date header, else the time it is stored. */
  readonly receivedAt?: Date;
}

/** What the receiver hands each mail to; it resolves only once the mail is durably stored. */
export type MailSink = (
  mail: ReceivedMail,
  log: Logger,
) => Promise<{ readonly id: string; readonly status: string; readonly messageId?: string | null; readonly template?: string; readonly lsid?: string | null }>;

export interface SmtpReceiver {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  start(): Promise<AddressInfo>;
  /** Stops intake (new commands get 421), lets in-flight mails finish, bounded. Safe to call twice. */
  stop(): Promise<void>;
}

type SmtpConfig = Pick<
  Config,
  | 'smtpHost' | 'smtpPort' | 'smtpMaxBytes' | 'smtpMaxBytesInFlight' | 'smtpAllow' | 'smtpRecipients' | 'smtpTlsCert' | 'smtpTlsKey' | 'smtpRequireTls'
  | 'smtpUsers' | 'smtpAuthInsecure' | 'smtpMaxClients' | 'smtpMaxMessages' | 'smtpMaxRecipients' | 'smtpSocketTimeoutMs' | 'shutdownTimeoutMs'
  | 'smtpMaxClientsPerAddress' | 'smtpIdleTimeoutMs' | 'smtpStressIdleMs' | 'smtpMinDataRate' | 'smtpAuthMaxFailures'
> & Partial<Pick<Config, 'workers'>>;

/** The SMTP front door: receives mail and replies 250 only once the sink has stored it. */
export function createSmtpReceiver(deps: {
  config: SmtpConfig;
  logger: Logger;
  sink: MailSink;
  /** Hears each 451 for too much mail in flight (the sink's own failures it counts itself). */
  onOverBudget?: () => void;
}): SmtpReceiver {
  const { config, sink } = deps;
  const log = deps.logger.child({ component: 'smtp' });
  const allowed = allowList(config.smtpAllow);
  const tls = config.smtpTlsCert && config.smtpTlsKey ? readTls(config.smtpTlsCert, config.smtpTlsKey) : undefined;
  const auth = config.smtpUsers.length > 0;
  const disabled = [...(auth ? [] : ['AUTH']), ...(tls ? [] : ['STARTTLS'])];
  // The limits are the whole daemon's: with --workers N, each worker process holds its share.
  const share = (limit: number) => Math.max(1, Math.ceil(limit / (config.workers ?? 1)));
  const slots = createSlotGuard({
    maxClients: share(config.smtpMaxClients),
    maxPerAddress: share(config.smtpMaxClientsPerAddress),
    idleMs: config.smtpIdleTimeoutMs,
    stressIdleMs: config.smtpStressIdleMs,
    minDataRate: config.smtpMinDataRate,
    dataAllowanceMs: config.smtpSocketTimeoutMs,
  });
  // Each worker holds its share, but always room for one mail of the largest size.
  const budget = createByteBudget(Math.max(config.smtpMaxBytes, share(config.smtpMaxBytesInFlight)));

  const server = new SMTPServer({
    ...(tls ?? {}),
    size: config.smtpMaxBytes,
    rejectOversized: true,
    authOptional: !auth,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: config.smtpAuthInsecure,
    disabledCommands: disabled,
    hideSTARTTLS: !tls,
    disableReverseLookup: true,
    hideENHANCEDSTATUSCODES: false, // the replies carry 4.3.0, 5.3.4, ... as the contract names them
    // Ours is enforced in onConnect, where an idle connection can make room for a new one.
    maxClients: share(config.smtpMaxClients) * PENDING_CONNECTIONS_FACTOR,
    maxRecipients: config.smtpMaxRecipients,
    socketTimeout: config.smtpSocketTimeoutMs,
    closeTimeout: config.shutdownTimeoutMs,
    logger: protocolLogger(log),
    onConnect(session, callback) {
      if (!allowed(session.remoteAddress)) {
        log.info({ session: session.id, remoteAddress: session.remoteAddress }, 'connection refused: address not in the allow list');
        return callback(smtpError(554, 'Access denied: your address may not send mail here'));
      }
      const refused = slots.admit(session.id, session.remoteAddress, (reason) => closeSession(session.id, reason));
      if (!refused) return callback();
      log.info({ session: session.id, remoteAddress: session.remoteAddress, limit: refused }, 'connection refused: no free slot');
      callback(smtpError(421, refused === 'full' ? 'Too many connected clients, try again in a moment' : 'Too many connections from your address, try again in a moment'));
    },
    onClose(session) {
      slots.release(session.id);
    },
    onAuth(authentication, session, callback) {
      const user = config.smtpUsers.find((u) => u.user === authentication.username);
      // Compare a password either way, so timing does not tell which user names exist.
      const ok = sameSecret(authentication.password ?? '', user?.password ?? '\0unknown user') && user !== undefined;
      log.info({ session: session.id, user: authentication.username, method: authentication.method, ok }, 'smtp auth');
      if (ok) {
        slots.progress(session.id);
        return callback(null, { user: authentication.username });
      }
      // Slow and few: a password guesser gets one try a second and a handful per connection.
      const failures = slots.authFailed(session.id);
      const reply = failures >= config.smtpAuthMaxFailures ? smtpError(421, 'Too many failed login attempts, closing connection') : smtpError(535, 'Authentication credentials invalid');
      setTimeout(() => callback(reply), AUTH_FAILURE_DELAY_MS);
    },
    onMailFrom(_address, session, callback) {
      slots.progress(session.id);
      if (config.smtpRequireTls && !session.secure) return callback(smtpError(530, 'Must issue a STARTTLS command first'));
      if (session.transaction > config.smtpMaxMessages) return callback(smtpError(421, 'Too many messages on one connection, please reconnect'));
      callback();
    },
    onRcptTo(address, session, callback) {
      slots.progress(session.id);
      if (config.smtpRecipients.length === 0 || recipientAccepted(address.address, config.smtpRecipients)) return callback();
      callback(smtpError(550, 'Recipient not accepted here'));
    },
    onData(stream, session, callback) {
      slots.dataStarted(session.id);
      receive(stream, session).then(
        (id) => {
          slots.progress(session.id);
          callback(null, `OK: stored as ${id}`);
        },
        (err: unknown) => {
          slots.progress(session.id);
          callback(err as Error);
        },
      );
    },
  });

  /** Sends 421 and closes the connection of `id` (smtp-server closes on a 421 it sends). */
  function closeSession(id: string, reason: EvictReason): void {
    const connections = (server as unknown as { connections: Set<{ id: string; remoteAddress?: string; send(code: number, text: string): void }> }).connections;
    for (const connection of connections) {
      if (connection.id !== id) continue;
      log.info({ session: id, remoteAddress: connection.remoteAddress, reason }, 'connection closed to free its slot');
      connection.send(421, EVICTED[reason]);
    }
  }
  const sweeper = setInterval(() => slots.sweep(), Math.min(1_000, Math.max(100, config.smtpStressIdleMs / 4)));
  sweeper.unref();
  server.on('error', (err) => log.warn({ err }, 'smtp server error'));
  if (!greetAtOnce(server)) log.warn('smtp-server changed its connection start: the greeting keeps the library\'s 100 ms delay');

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const started = Date.now();
    const sessionLog = log.child({ session: session.id });
    // MAIL FROM's SIZE= (RFC 1870): the receiver can size the buffer, and take the budget, at once.
    const args = session.envelope.mailFrom ? session.envelope.mailFrom.args : false;
    const declared = args && args.SIZE !== undefined ? Number(args.SIZE) : NaN;
    const received = await readMail(stream as SMTPServerDataStream & AsyncIterable<Buffer>, {
      budget,
      maxBytes: config.smtpMaxBytes,
      declaredBytes: Number.isSafeInteger(declared) ? declared : undefined,
      onChunk: (bytes) => slots.dataReceived(session.id, bytes),
    });
    slots.storing(session.id);
    if (received.kind === 'oversized') {
      sessionLog.info({ remoteAddress: session.remoteAddress, bytes: received.bytes }, 'mail refused: over the size limit');
      throw smtpError(552, 'Error: message exceeds fixed maximum message size');
    }
    if (received.kind === 'over-budget') {
      sessionLog.warn({ remoteAddress: session.remoteAddress, bytes: received.bytes, inFlight: budget.used, limit: budget.limit }, 'mail refused for now: too much mail in flight, sender told to retry');
      deps.onOverBudget?.();
      throw smtpError(451, 'Too much mail in flight, please retry later');
    }
    const mail: ReceivedMail = {
      raw: received.raw,
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
      remoteAddress: session.remoteAddress,
      receivedAt: new Date(),
    };
    try {
      const stored = await sink(mail, sessionLog);
      sessionLog.info(
        { remoteAddress: session.remoteAddress, id: stored.id, messageId: stored.messageId, status: stored.status, template: stored.template, lsid: stored.lsid, bytes: mail.raw.length, ms: Date.now() - started },
        'mail stored',
      );
      return stored.id;
    } catch (err) {
      sessionLog.error({ err, remoteAddress: session.remoteAddress, ms: Date.now() - started }, 'mail not stored, sender told to retry');
      // The database error stays in the log; the sender learns only that it should retry.
      throw smtpError(451, 'Temporary storage failure, please retry later');
    } finally {
      // The reply follows in this turn of the event loop: the mail's bytes count no more.
      budget.give(received.held);
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
        clearInterval(sweeper);
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

/** An address is accepted when listed, or when its domain is listed as `@domain`. */
function recipientAccepted(address: string, accepted: readonly string[]): boolean {
  const lower = address.toLowerCase();
  const domain = lower.slice(lower.lastIndexOf('@'));
  return accepted.includes(lower) || accepted.includes(domain);
}

function readTls(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  try {
    return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  } catch (err) {
    throw new UserError('TLS_UNREADABLE', `cannot read the TLS certificate or key: ${(err as Error).message}`);
  }
}

/**
 * smtp-server's own log (commands, replies, connection events; credentials already redacted by
 * it, bodies never included) at debug: the info line per mail is ours.
 */
function protocolLogger(log: Logger) {
  const debug = (...args: unknown[]) => (log.debug as (...a: unknown[]) => void)(...args);
  return { level: () => {}, trace: debug, debug, info: debug, warn: debug, error: debug, fatal: debug };
}
