/** Reports: sessions per day and per representative, durations, survey answers; charts, tables, CSV. */
import { sessionsPerDay, sessionsPerRepresentative, surveyAnswers } from '../../db/console.js';
import { NotFound, type ConsoleDeps, type Reply } from '../console.js';
import { html, jsonBlock, query, table, time } from '../html.js';

const DAY_MS = 86_400_000;
const RANGES = [7, 30, 90, 365];

function days(url: URL): number {
  const n = Number(url.searchParams.get('days'));
  // 7 by default: a month of sessions at a million events takes seconds to aggregate (see bench:ui).
  return RANGES.includes(n) ? n : 7;
}

/** `1h 02m 03s` from seconds. */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h > 0 ? `${h}h ` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}m ${String(s % 60).padStart(2, '0')}s`;
}

/** A CSV field: quoted when needed; a leading formula character is neutralised for spreadsheets. */
export function csvField(value: unknown): string {
  if (typeof value === 'number') return String(value);
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(headers: string[], rows: unknown[][]): string {
  return [headers, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Every report of the last `n` days, computed once per cache period. */
async function load(deps: ConsoleDeps, n: number) {
  const { pool, schema } = deps.db;
  return deps.cache.get(`reports:${n}`, async () => {
    const since = new Date(Date.now() - n * DAY_MS);
    const [perDay, { perRep, overall }, answers] = await Promise.all([
      sessionsPerDay(pool, schema, since),
      sessionsPerRepresentative(pool, schema, since),
      surveyAnswers(pool, schema, since),
    ]);
    return { perDay, perRep, overall, answers };
  });
}

/** Chart data with a bar for every day of the range (zero when there was no session). */
function dailySeries(perDay: { day: string; sessions: number }[], n: number) {
  const counts = new Map(perDay.map((d) => [Date.parse(`${d.day}T00:00:00Z`) / 1000, d.sessions]));
  const today = Math.floor(Date.now() / DAY_MS) * 86_400;
  const first = Math.min(today - (n - 1) * 86_400, ...counts.keys());
  const x: number[] = [];
  for (let t = first; t <= today; t += 86_400) x.push(t);
  return { x, series: [{ label: 'sessions', values: x.map((t) => counts.get(t) ?? 0) }] };
}

export async function reportsPage(deps: ConsoleDeps, url: URL): Promise<Reply> {
  const n = days(url);
  const loaded = await load(deps, n);
  const { perDay, perRep, overall, answers } = loaded.value;
  const csvLink = (name: string) => html`<a class="csv" href="/ui/reports/${name}.csv${query({ days: n })}" download>CSV</a>`;
  const questions = new Map<string, { survey: string; answers: { answer: string; n: number }[] }>();
  for (const a of answers) {
    const key = `${a.survey}\u0000${a.question}`;
    const q = questions.get(key) ?? { survey: a.survey, answers: [] };
    q.answers.push({ answer: a.answer ?? '(no answer)', n: a.n });
    questions.set(key, q);
  }
  const body = html`
<h1>Reports</h1>
<p class="controls">As of ${time(loaded.at)} UTC, last ${RANGES.map((r, i) => html`${i > 0 ? ' · ' : ''}<a href="/ui/reports${query({ days: r })}"${r === n ? html` aria-current="true"` : ''}>${r} days</a>`)}</p>
<section class="cards">
<div class="card"><span class="card-n">${overall.sessions}</span> sessions</div>
<div class="card"><span class="card-n">${duration(overall.avg_seconds)}</span> average duration</div>
<div class="card"><span class="card-n">${duration(overall.p90_seconds)}</span> 90th percentile</div>
</section>
<section><h2>Sessions per day ${csvLink('sessions-per-day')}</h2>
<div class="chart" data-chart="sessions" data-kind="bars" role="img" aria-label="sessions per day"></div>
${jsonBlock('sessions', dailySeries(perDay, n))}
${table(['day', 'sessions'], perDay.map((d) => [d.day, d.sessions]))}
</section>
<section><h2>Per representative ${csvLink('representatives')}</h2>
${table(['representative', 'sessions', '', 'average duration', '90th percentile'], perRep.map((r) => [r.representative, r.sessions, html`<meter min="0" max="${perRep[0]?.sessions ?? 1}" value="${r.sessions}">${r.sessions}</meter>`, duration(r.avg_seconds), duration(r.p90_seconds)]))}
</section>
<section><h2>Survey answers ${csvLink('survey-answers')}</h2>
${questions.size === 0
    ? html`<p class="muted">No survey answers in this period.</p>`
    : [...questions].map(([key, q]) => {
        const total = q.answers.reduce((s, a) => s + a.n, 0);
        return html`<h3>${key.split('\u0000')[1]} <span class="muted">(${q.survey})</span></h3>
<table class="bars"><tbody>${q.answers.map((a) => html`<tr><td>${a.answer}</td><td class="num">${a.n}</td><td class="bar-cell"><meter min="0" max="${total}" value="${a.n}">${a.n}</meter></td></tr>`)}</tbody></table>`;
      })}
</section>`;
  return { kind: 'page', title: 'Reports', active: 'reports', body };
}

export async function reportCsv(deps: ConsoleDeps, name: string, url: URL): Promise<Reply> {
  const n = days(url);
  if (!['sessions-per-day', 'representatives', 'survey-answers'].includes(name)) throw new NotFound();
  const { perDay, perRep, answers } = (await load(deps, n)).value;
  let body: string;
  if (name === 'sessions-per-day') {
    body = csv(['day', 'sessions'], perDay.map((d) => [d.day, d.sessions]));
  } else if (name === 'representatives') {
    body = csv(['representative', 'sessions', 'avg_seconds', 'p90_seconds'], perRep.map((r) => [r.representative, r.sessions, r.avg_seconds, r.p90_seconds]));
  } else {
    body = csv(['survey', 'question', 'answer', 'count'], answers.map((a) => [a.survey, a.question, a.answer, a.n]));
  }
  return { kind: 'file', type: 'text/csv; charset=utf-8', body, filename: `${name}-${n}d.csv` };
}
