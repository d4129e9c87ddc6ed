import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { HttpVariables } from '../db/http-events.js';
import type { Database } from '../db/pool.js';
import { UserError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { ingestHttpEvent } from '../pipeline/http-event.js';
import { allowList } from '../net-policy.js';
import { HttpError, readBody } from './body.js';

/** How long /healthz waits for the database before it answers 503. */
const HEALTH_TIMEOUT_MS = 2_000;
/** Deepest nesting of a JSON body; the appliance sends flat objects. */
const MAX_JSON_DEPTH = 32;

export interface HttpReceiver {
  start(): Promise<AddressInfo>;
  /** Stops accepting, lets requests in flight finish (bounded). Safe to call twice. */
  stop(): Promise<void>;
}

type HttpConfig = Pick<Config, 'httpHost' | 'httpPort' | 'httpMaxBytes' | 'httpAllow' | 'smtpAllow' | 'shutdownTimeoutMs'>;


/**
 * The HTTP recipient: `POST /events` stores an outbound event and answers 200 only after COMMIT
 * (the appliance retries anything else); `GET /healthz` and `GET /metrics` for operations.
 */
export function createHttpReceiver(deps: {
  config: HttpConfig;
  logger: Logger;
  db: Pick<Database, 'pool' | 'schema'>;
  metrics: Metrics;
  /** False while the daemon starts (waiting for its database, migrating): /healthz answers 503. */
  ready?: () => boolean;
  /** In a cluster worker: the whole cluster's metrics, instead of this process's. */
  metricsText?: () => Promise<string>;
  /** The operator console, served under /ui (src/ui). */
  ui?: { handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> };
}): HttpReceiver {
  const { config, db, metrics } = deps;
  const log = deps.logger.child({ component: 'http' });
  const allowed = allowList(config.httpAllow ?? config.smtpAllow);

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status >= 500) log.error({ err, method: req.method, url: req.url }, 'http request failed');
      reply(res, status, err instanceof HttpError ? err.message : 'internal error');
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!allowed(req.socket.remoteAddress)) throw new HttpError(403, 'address not allowed');
    const path = (req.url ?? '/').split('?')[0];
    if (deps.ui && (path === '/ui' || path?.startsWith('/ui/'))) return deps.ui.handle(req, res);
    if (path === '/events') {
      if (req.method !== 'POST') throw new HttpError(405, 'use POST');
      return receiveEvent(req, res);
    }
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      if (deps.ready && !deps.ready()) return reply(res, 503, 'starting: waiting for the database');
      const healthy = await Promise.race([
        db.pool.query('SELECT 1').then(() => true, () => false),
        new Promise<boolean>((resolve) => setTimeout(resolve, HEALTH_TIMEOUT_MS, false).unref()),
      ]);
      return reply(res, healthy ? 200 : 503, healthy ? 'ok' : 'database unavailable');
    }
    if (path === '/metrics' && req.method === 'GET') {
      const body = await (deps.metricsText ?? (() => metrics.registry.metrics()))();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(body);
      return;
    }
    throw new HttpError(404, 'not found');
  }

  async function receiveEvent(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const body = await readBody(req, config.httpMaxBytes);
    const variables = await parseVariables(req.headers['content-type'] ?? '', body);
    const event = variables.event;
    if (!event) throw new HttpError(400, 'missing the event variable');
    let id: string | undefined;
    let detail: string | null;
    try {
      ({ id, detail } = await ingestHttpEvent(db, variables, new Date()));
    } catch (err) {
      // Only an unavailable database gets here: content the database rejects is stored as what fits.
      log.error({ err, event: event.slice(0, 200) }, 'http event not stored, appliance told to retry');
      metrics.temporaryFailure('http');
      throw new HttpError(503, 'storage unavailable, retry later');
    }
    metrics.httpEvent(event.slice(0, 200), id === undefined);
    log.info({ event: event.slice(0, 200), lsid: variables.lsid?.slice(0, 200) ?? null, id: id ?? null, duplicate: id === undefined, detail, ms: Date.now() - started }, 'http event stored');
    reply(res, 200, 'OK');
  }

  let stopping: Promise<void> | undefined;
  return {
    start: () =>
      new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) =>
          reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new UserError('HTTP_LISTEN_FAILED', `cannot listen for HTTP on ${config.httpHost}:${config.httpPort}: ${err.code}`) : err);
        server.once('error', onError);
        server.listen(config.httpPort ?? 0, config.httpHost, () => {
          server.off('error', onError);
          const address = server.address() as AddressInfo;
          log.info({ host: address.address, port: address.port }, 'http listening');
          resolve(address);
        });
      }),
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        const force = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs).unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}

function reply(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...(status === 413 ? { connection: 'close' } : {}) });
  res.end(`${message}\n`);
}


/**
 * Form fields (the appliance's encoding), multipart or JSON, as strings. Empty values and
 * unrendered `%MACRO%` placeholders become null, as in the mail views.
 */
export async function parseVariables(contentType: string, body: Buffer): Promise<HttpVariables> {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  let entries: [string, unknown][];
  if (type === 'application/json') {
    const text = body.toString('utf8');
    // Checked before parsing: a body nested 100,000 deep overflowed the stack later (500).
    if (jsonDepth(text) > MAX_JSON_DEPTH) throw new HttpError(400, `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'the body is not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, 'the JSON body must be an object');
    entries = Object.entries(parsed);
  } else if (type === 'multipart/form-data') {
    try {
      const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
      entries = [...form.entries()].filter(([, v]) => typeof v === 'string');
    } catch {
      throw new HttpError(400, 'the multipart body cannot be parsed');
    }
  } else {
    entries = [...new URLSearchParams(body.toString('utf8')).entries()];
  }
  const variables: Record<string, string | null> = {};
  for (const [key, raw] of entries) {
    const value = raw === null || raw === undefined ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
    const trimmed = value.trim();
    variables[key] = trimmed === '' || /^%[A-Z0-9_-]+%$/.test(trimmed) ? null : trimmed;
  }
  return variables;
}

/** The deepest nesting of arrays and objects in JSON text (strings skipped), without parsing it. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return deepest;
}
