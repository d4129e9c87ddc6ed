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
  const options = { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' }, serializers: { err: serializeError } };
  const isTerminal = 'isTTY' in stream && Boolean(stream.isTTY);
  const usePretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && isTerminal);
  if (usePretty) {
    return pino(options, pretty({ destination: stream, colorize: isTerminal, sync: true, ignore: 'pid,hostname' }));
  }
  return pino(options, stream);
}

/** pino's error serializer, without the connection object (and its settings) that pg attaches to errors. */
function serializeError(err: Error): Record<string, unknown> {
  const { client: _client, ...rest } = pino.stdSerializers.err(err) as Record<string, unknown>;
  return rest;
}
