import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

export type { Logger };

/** Paths whose values never reach a log line. */
const REDACT = ['databaseUrl', 'config.databaseUrl', '*.password', 'password', 'pass'];

/**
 * The one root logger: readable lines on a terminal, JSON otherwise. It writes to stderr so that
 * commands can print their results on stdout.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, stream: NodeJS.WritableStream = process.stderr): Logger {
  const options = { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } };
  const isTerminal = 'isTTY' in stream && Boolean(stream.isTTY);
  const usePretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && isTerminal);
  if (usePretty) {
    return pino(options, pretty({ destination: stream, colorize: isTerminal, sync: true, ignore: 'pid,hostname' }));
  }
  return pino(options, stream);
}
