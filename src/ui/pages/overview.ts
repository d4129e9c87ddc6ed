/** Overview: is mail arriving, per status and template, which sites went silent, the backlog. */
import { backlog, lastEventOfEachKind, mailByStatus, mailByTemplate, senders, type Bucket } from '../../db/console.js';
import type { ConsoleDeps, Reply } from '../console.js';
import { html, jsonBlock, query, statusBadge, table, time } from '../html.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The overview's window. */
const WINDOW_DAYS = 7;
/** A sender or event kind not heard from for this long gets a warning. */
export const SILENT_AFTER_MS = DAY_MS;
const STATUSES = ['extracted', 'unmatched', 'ambiguous', 'duplicate', 'invalid'] as const;

export async function overviewPage(deps: ConsoleDeps, url: URL): Promise<Reply> {
  const { pool, schema } = deps.db;
  const bucket: Bucket = url.searchParams.get('by') === 'day' ? 'day' : 'hour';
  const now = new Date();
  const since = new Date(now.getTime() - WINDOW_DAYS * DAY_MS);
  // The scans are cached briefly (a console action clears them); the last events are always fresh.
  const [aggregates, kinds] = await Promise.all([
    deps.cache.get(`overview:${bucket}`, () =>
      Promise.all([mailByStatus(pool, schema, since, bucket), mailByTemplate(pool, schema, since), senders(pool, schema, since), backlog(pool, schema)])),
    lastEventOfEachKind(pool, schema),
  ]);
  const [series, perTemplate, sites, waiting] = aggregates.value;

  // Chart data: one x per bucket (seconds), one series per status, zeros where nothing came.
  const step = bucket === 'hour' ? 3600 : 86400;
  const first = Math.floor(since.getTime() / 1000 / step) * step;
  const last = Math.floor(now.getTime() / 1000 / step) * step;
  const xs: number[] = [];
  for (let t = first; t <= last; t += step) xs.push(t);
  const index = new Map(xs.map((x, i) => [x, i]));
  const byStatus: Record<string, number[]> = Object.fromEntries(STATUSES.map((s) => [s, xs.map(() => 0)]));
  const totals: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const r of series) {
    const i = index.get(Math.floor(new Date(r.at).getTime() / 1000));
    if (i !== undefined && byStatus[r.status]) byStatus[r.status]![i] = r.n;
    totals[r.status] = (totals[r.status] ?? 0) + r.n;
  }

  const templates = new Map<string, Record<string, number>>();
  for (const r of perTemplate) {
    const key = r.template ?? '(no template)';
    const row = templates.get(key) ?? {};
    row[r.status] = r.n;
    templates.set(key, row);
  }
  const silent = (d: Date) => now.getTime() - new Date(d).getTime() > SILENT_AFTER_MS;
  const silentSites = sites.filter((s) => silent(s.last));
  const waitingTotal = waiting.reduce((n, w) => n + w.n, 0);

  const body = html`
<h1>Overview</h1>
<section class="cards" aria-label="last ${WINDOW_DAYS} days">
${STATUSES.map((s) => html`<a class="card" href="/ui/messages${query({ status: s })}"><span class="card-n">${totals[s] ?? 0}</span> ${statusBadge(s)}</a>`)}
<a class="card ${waitingTotal > 0 ? 'card-warn' : ''}" href="/ui/messages${query({ status: 'unmatched' })}" id="backlog"><span class="card-n">${waitingTotal}</span> waiting for a template</a>
</section>
${silentSites.length > 0 || kinds.some((k) => silent(k.last))
    ? html`<div class="warning" role="alert"><strong>Silent:</strong> ${[
        ...silentSites.map((s) => html`<span>site ${s.sender ?? '(unknown)'} last sent mail ${time(s.last)}</span>`),
        ...kinds.filter((k) => silent(k.last)).map((k) => html`<span>no ${k.event} event since ${time(k.last)}</span>`),
      ].map((x, i) => (i > 0 ? html`; ${x}` : x))}</div>`
    : ''}
<section>
<h2>Mail by status, per ${bucket}, last ${WINDOW_DAYS} days <span class="muted small">as of ${time(aggregates.at)}</span></h2>
<p class="controls">Per <a href="/ui/${query({ by: 'hour' })}"${bucket === 'hour' ? html` aria-current="true"` : ''}>hour</a> · <a href="/ui/${query({ by: 'day' })}"${bucket === 'day' ? html` aria-current="true"` : ''}>day</a></p>
<div class="chart" data-chart="overview" data-kind="${bucket === 'day' ? 'bars' : 'lines'}" role="img" aria-label="mail by status per ${bucket}"></div>
${jsonBlock('overview', { x: xs, series: STATUSES.map((s) => ({ label: s, values: byStatus[s] })) })}
${bucket === 'day'
    ? table(['day', ...STATUSES], xs.map((x, i) => [new Date(x * 1000).toISOString().slice(0, 10), ...STATUSES.map((s) => byStatus[s]![i] ?? 0)]))
    : ''}
</section>
<div class="columns">
<section>
<h2>Per template, last ${WINDOW_DAYS} days</h2>
${table(
    ['template', ...STATUSES],
    [...templates].map(([name, counts]) => [
      name === '(no template)' ? name : html`<a href="/ui/templates/${encodeURIComponent(name)}">${name}</a>`,
      ...STATUSES.map((s) => counts[s] ?? 0),
    ]),
  )}
</section>
<section>
<h2>Last event of each kind</h2>
${table(['event', 'source', 'last', ''], kinds.map((k) => [k.event, k.source, time(k.last), silent(k.last) ? html`<span class="badge warn">silent</span>` : '']))}
<h2>Sites (senders), last ${WINDOW_DAYS} days</h2>
${table(['sender', 'mails', 'last', ''], sites.map((s) => [s.sender ?? '(unknown)', s.n, time(s.last), silent(s.last) ? html`<span class="badge warn">silent</span>` : '']))}
</section>
</div>
<section>
<h2>Backlog</h2>
${waiting.length === 0
    ? html`<p>No mail is waiting: everything matched a template.</p>`
    : html`<ul>${waiting.map((w) => html`<li><a href="/ui/messages${query({ status: w.status })}">${w.n} ${w.status}</a>, oldest ${time(w.oldest)}</li>`)}</ul>`}
</section>`;
  return { kind: 'page', title: 'Overview', active: 'overview', body };
}
