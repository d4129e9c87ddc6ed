/** The message list: filters, search, and keyset paging (fast at any depth). */
import { listMessages, templateNames } from '../../db/console.js';
import type { ConsoleDeps, Reply } from '../console.js';
import { html, query, statusBadge, table, time } from '../html.js';

export const PAGE_SIZE = 50;
const STATUSES = ['extracted', 'unmatched', 'ambiguous', 'duplicate', 'invalid'];

/** A `YYYY-MM-DD` (UTC day) or full ISO date from a filter field, or undefined. */
function dateParam(value: string | null, endOfDay = false): Date | undefined {
  if (!value) return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const d = new Date(day ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(d.getTime())) return undefined;
  return day && endOfDay ? new Date(d.getTime() + 86_400_000) : d;
}

function idParam(value: string | null): string | undefined {
  return value && /^\d{1,19}$/.test(value) ? value : undefined;
}

export async function messagesPage(deps: ConsoleDeps, url: URL): Promise<Reply> {
  const p = url.searchParams;
  const status = STATUSES.includes(p.get('status') ?? '') ? (p.get('status') as string) : undefined;
  const template = p.get('template') || undefined;
  const q = (p.get('q') ?? '').trim().slice(0, 200) || undefined;
  const sinceText = p.get('since') ?? '';
  const untilText = p.get('until') ?? '';
  const before = idParam(p.get('before'));
  const after = idParam(p.get('after'));
  const [{ rows, more }, templates] = await Promise.all([
    listMessages(deps.db.pool, deps.db.schema, {
      status, template, search: q, since: dateParam(sinceText), until: dateParam(untilText, true), before, after, limit: PAGE_SIZE,
    }),
    templateNames(deps.db.pool, deps.db.schema),
  ]);
  const filters = { status, template, q, since: sinceText || undefined, until: untilText || undefined };
  // Older: always when this page is full after a `before` (or first) fetch; newer: when we came from a page.
  const olderId = (after !== undefined && before === undefined ? rows.length > 0 : more) ? rows.at(-1)?.id : undefined;
  const newerId = before !== undefined || (after !== undefined && more) ? rows[0]?.id : undefined;

  const body = html`
<h1>Messages</h1>
<form class="filters" method="get" action="/ui/messages" role="search">
<label>Status <select name="status"><option value="">any</option>${STATUSES.map((s) => html`<option${s === status ? html` selected` : ''}>${s}</option>`)}</select></label>
<label>Template <select name="template"><option value="">any</option>${templates.map((t) => html`<option${t === template ? html` selected` : ''}>${t}</option>`)}</select></label>
<label>From <input type="date" name="since" value="${sinceText}"></label>
<label>To <input type="date" name="until" value="${untilText}"></label>
<label>Search <input type="search" name="q" value="${q ?? ''}" placeholder="LSID, customer or representative" size="32"></label>
<button type="submit">Filter</button> <a href="/ui/messages">clear</a>
</form>
${table(
    ['id', 'received (UTC)', 'status', 'template', 'subject', 'LSID', 'customer', 'representative'],
    rows.map((r) => [
      html`<a href="/ui/messages/${r.id}">${r.id}</a>`,
      time(r.received_at),
      statusBadge(r.status),
      r.template_name ? `${r.template_name} v${r.template_version}` : '',
      html`<span class="clip">${r.subject ?? ''}</span>`,
      html`<code>${r.lsid ?? ''}</code>`,
      r.customer ?? '',
      r.representative ?? '',
    ]),
  )}
<nav class="pager" aria-label="pages">
${newerId ? html`<a rel="prev" href="/ui/messages${query({ ...filters, after: newerId })}">← newer</a>` : html`<span class="muted">← newer</span>`}
<a href="/ui/messages${query(filters)}">newest</a>
${olderId ? html`<a rel="next" href="/ui/messages${query({ ...filters, before: olderId })}">older →</a>` : html`<span class="muted">older →</span>`}
</nav>`;
  return { kind: 'page', title: 'Messages', active: 'messages', body };
}
