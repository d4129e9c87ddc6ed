/**
 * The operator console under /ui on the HTTP listener: server-rendered pages, a small bundled
 * script for charts, and every changing action a CSRF-checked POST. The HTTP receiver has already
 * applied its allow list when a request gets here.
 */
import type http from 'node:http';
import type { Config } from '../config.js';
import type { Database } from '../db/pool.js';
import type { Logger } from '../logger.js';
import type { TemplateCatalog } from '../pipeline/catalog.js';
import { serveAsset } from './assets.js';
import { createResultCache, type ResultCache } from './cache.js';
import { readForm, FormError, type Form } from './form.js';
import { html, layout, type Html, type PageContext } from './html.js';
import { messagePage, rawDownload, reprocessMessage } from './pages/message.js';
import { messagesPage } from './pages/messages.js';
import { overviewPage } from './pages/overview.js';
import { reportCsv, reportsPage } from './pages/reports.js';
import { addTemplateFromForm, setTemplateState, templatePage, templatesPage } from './pages/templates.js';
import { testerPage, testerResult } from './pages/tester.js';
import { checkTokenPolicy, createGuard, SECURITY_HEADERS } from './security.js';

/** How long aggregate results (charts, counts, reports) are reused. */
const AGGREGATE_TTL_MS = 30_000;
/** Largest POST body (a template plus a mail upload in the tester). */
const MAX_FORM_BYTES = 26 * 1024 * 1024;

/** What every page handler receives. */
export interface ConsoleDeps {
  readonly db: Pick<Database, 'pool' | 'schema'>;
  readonly catalog: Pick<TemplateCatalog, 'current' | 'refresh'>;
  readonly logger: Logger;
  /** Aggregates reused for AGGREGATE_TTL_MS; cleared by every changing action. */
  readonly cache: ResultCache;
}

/** A response a page handler returns. */
export type Reply =
  | { kind: 'page'; status?: number; title: string; active: string; body: Html }
  | { kind: 'redirect'; location: string }
  | { kind: 'file'; status?: number; type: string; body: string | Buffer; filename?: string };

export class NotFound extends Error {}

export interface Console {
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
}

/** Creates the console; throws a UserError when the listener is not on loopback and no token is set. */
export function createConsole(deps: {
  config: Pick<Config, 'httpHost' | 'uiToken'>;
  logger: Logger;
  db: Pick<Database, 'pool' | 'schema'>;
  catalog: Pick<TemplateCatalog, 'current' | 'refresh'>;
}): Console {
  checkTokenPolicy(deps.config.httpHost, deps.config.uiToken);
  const guard = createGuard(deps.config.uiToken);
  const log = deps.logger.child({ component: 'ui' });
  const page: ConsoleDeps = { db: deps.db, catalog: deps.catalog, logger: log, cache: createResultCache(AGGREGATE_TTL_MS) };

  async function route(req: http.IncomingMessage, url: URL, ctx: PageContext, form: () => Promise<Form>): Promise<Reply> {
    const path = url.pathname.replace(/\/+$/, '') || '/ui';
    const get = req.method === 'GET' || req.method === 'HEAD';
    const post = req.method === 'POST';
    let parts: string[];
    try {
      parts = path.split('/').slice(2).map((p) => decodeURIComponent(p));
    } catch {
      throw new NotFound();
    }
    const [section = '', id, action] = parts;
    if (get && section === '') return overviewPage(page, url);
    if (section === 'messages') {
      if (get && id === undefined) return messagesPage(page, url);
      if (get && id !== undefined && action === undefined) return messagePage(page, ctx, id, url);
      if (get && id !== undefined && action === 'raw') return rawDownload(page, id);
      if (post && id !== undefined && action === 'reprocess') return reprocessMessage(page, id, await form());
    }
    if (section === 'templates') {
      if (get && id === undefined) return templatesPage(page, ctx, url);
      if (post && id === 'add' && action === undefined) return addTemplateFromForm(page, ctx, await form());
      if (get && id !== undefined && action === undefined) return templatePage(page, ctx, id, url);
      if (post && id !== undefined && (action === 'enable' || action === 'disable')) return setTemplateState(page, id, action === 'enable');
    }
    if (section === 'tester') {
      if (get && id === undefined) return testerPage(ctx, page, url);
      if (post && id === undefined) return testerResult(page, ctx, await form());
    }
    if (section === 'reports') {
      if (get && id === undefined) return reportsPage(page, url);
      if (get && id !== undefined && id.endsWith('.csv')) return reportCsv(page, id.slice(0, -4), url);
    }
    if (get || post) throw new NotFound();
    return { kind: 'file', status: 405, type: 'text/plain; charset=utf-8', body: 'method not allowed\n' };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/ui', 'http://console.invalid');
    const denied = guard.authenticate(req, url);
    if (denied) {
      res.writeHead(denied.status, { ...SECURITY_HEADERS, 'cache-control': 'no-store', ...denied.headers });
      res.end(denied.body);
      return;
    }
    if (url.pathname.startsWith('/ui/assets/') && (req.method === 'GET' || req.method === 'HEAD')) {
      return serveAsset(req, res, url.pathname.slice('/ui/assets/'.length));
    }
    const csrf = guard.csrfToken(req);
    const ctx: PageContext = { csrf: csrf.token, active: '' };
    const headers: Record<string, string> = { ...SECURITY_HEADERS, 'cache-control': 'no-store' };
    if (csrf.setCookie) headers['set-cookie'] = csrf.setCookie;
    let reply: Reply;
    try {
      const form = async () => {
        const f = await readForm(req, MAX_FORM_BYTES);
        if (!guard.csrfValid(req, f.get('csrf'))) throw new FormError(403, 'the form has expired or came from another site (CSRF check failed): reload the page and try again');
        page.cache.clear();
        return f;
      };
      reply = await route(req, url, ctx, form);
    } catch (err) {
      if (err instanceof NotFound) reply = { kind: 'page', status: 404, title: 'Not found', active: '', body: html`<h1>Not found</h1><p>Nothing is here. <a href="/ui/">Back to the overview</a>.</p>` };
      else if (err instanceof FormError) reply = { kind: 'page', status: err.status, title: 'Refused', active: '', body: html`<h1>Refused</h1><p class="error">${err.message}</p>` };
      else {
        log.error({ err, url: url.pathname }, 'console page failed');
        reply = { kind: 'page', status: 500, title: 'Error', active: '', body: html`<h1>Something went wrong</h1><p>The error is in the daemon's log.</p>` };
      }
    }
    if (reply.kind === 'redirect') {
      res.writeHead(303, { ...headers, location: reply.location });
      res.end();
    } else if (reply.kind === 'file') {
      res.writeHead(reply.status ?? 200, {
        ...headers,
        'content-type': reply.type,
        ...(reply.filename ? { 'content-disposition': `attachment; filename="${reply.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"` } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : reply.body);
    } else {
      const body = layout({ ...ctx, active: reply.active }, reply.title, reply.body);
      res.writeHead(reply.status ?? 200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : body);
    }
  }

  return { handle };
}
