/** Templates: versions with match counts, lint warnings, a diff between versions, enable/disable, add. */
import { templateSummaries, templateVersions } from '../../db/console.js';
import { lintTemplates, parseTemplate, type Diagnostic } from '../../engine/index.js';
import { addTemplate, setTemplateActive, TemplateInvalidError } from '../../registry.js';
import { UserError } from '../../errors.js';
import { NotFound, type ConsoleDeps, type Reply } from '../console.js';
import { FormError, type Form } from '../form.js';
import { csrfField, html, query, table, time, type Html, type PageContext } from '../html.js';

const NOTICES: Record<string, string> = {
  added: 'Template registered and active: mail from now on is matched with it. Reprocess waiting mail to apply it to them.',
  unchanged: 'That template text was already registered; it is active.',
  enabled: 'Enabled.',
  disabled: 'Disabled: no new mail will match it.',
};

/** A diff of two small texts by lines (longest common subsequence). */
export function lineDiff(a: string, b: string): { op: ' ' | '-' | '+'; line: string }[] {
  const x = a.split('\n').slice(0, 2000);
  const y = b.split('\n').slice(0, 2000);
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: { op: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      out.push({ op: ' ', line: x[i++]! });
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: '-', line: x[i++]! });
    else out.push({ op: '+', line: y[j++]! });
  }
  while (i < x.length) out.push({ op: '-', line: x[i++]! });
  while (j < y.length) out.push({ op: '+', line: y[j++]! });
  return out;
}

/** Diagnostics as a list (escaped). */
export function diagnostics(list: readonly Diagnostic[], empty = 'No warnings.'): Html {
  if (list.length === 0) return html`<p class="ok">${empty}</p>`;
  return html`<ul class="diagnostics">${list.map((d) => html`<li class="${d.severity}"><strong>${d.severity}</strong> line ${d.line}:${d.column}: ${d.message}${d.hint ? html` <span class="muted">(${d.hint})</span>` : ''}</li>`)}</ul>`;
}

function addForm(ctx: PageContext): Html {
  return html`<form class="stack" method="post" action="/ui/templates/add" enctype="multipart/form-data">
${csrfField(ctx)}
<label>Template file <input type="file" name="file" accept=".tmpl,.txt,text/plain"></label>
<label>or its text <textarea name="source" rows="8" cols="80" spellcheck="false"></textarea></label>
<button type="submit">Add template</button>
</form>`;
}

export async function templatesPage(deps: ConsoleDeps, ctx: PageContext, url: URL): Promise<Reply> {
  const rows = (await deps.cache.get('templates', () => templateSummaries(deps.db.pool, deps.db.schema))).value;
  const done = url.searchParams.get('done');
  const body = html`
${done && NOTICES[done] ? html`<p class="notice" role="status">${NOTICES[done]}</p>` : ''}
<h1>Templates</h1>
${table(
    ['name', 'event', 'active version', 'newest', 'versions', 'events made'],
    rows.map((t) => [html`<a href="/ui/templates/${encodeURIComponent(t.name)}">${t.name}</a>`, t.event, t.active_version === null ? html`<span class="badge warn">disabled</span>` : `v${t.active_version}`, `v${t.latest}`, t.versions, t.matches]),
  )}
<h2>Overlaps between active templates</h2>
${diagnostics(lintTemplates(deps.catalog.current().matcher.templates), 'No two active templates can match the same mail.')}
<h2>Add a template</h2>
<p class="muted">A changed file with an existing name becomes its next version; running daemons use it within a second.</p>
${addForm(ctx)}`;
  return { kind: 'page', title: 'Templates', active: 'templates', body };
}

export async function templatePage(deps: ConsoleDeps, ctx: PageContext, name: string, url: URL): Promise<Reply> {
  const versions = (await deps.cache.get(`template:${name}`, () => templateVersions(deps.db.pool, deps.db.schema, name))).value;
  if (versions.length === 0) throw new NotFound();
  const active = versions.find((v) => v.active);
  const shown = active ?? versions[0]!;
  const parsed = parseTemplate(shown.source, shown.file_name ?? undefined);
  const va = Number(url.searchParams.get('a') ?? versions[1]?.version ?? shown.version);
  const vb = Number(url.searchParams.get('b') ?? versions[0]!.version);
  const a = versions.find((v) => v.version === va);
  const b = versions.find((v) => v.version === vb);
  const done = url.searchParams.get('done');
  const body = html`
${done && NOTICES[done] ? html`<p class="notice" role="status">${NOTICES[done]}</p>` : ''}
<h1>Template ${name} ${active ? html`<span class="badge status-extracted">active v${active.version}</span>` : html`<span class="badge warn">disabled</span>`}</h1>
<div class="actions">
<form method="post" action="/ui/templates/${encodeURIComponent(name)}/${active ? 'disable' : 'enable'}">${csrfField(ctx)}<button type="submit">${active ? 'Disable' : 'Enable newest version'}</button></form>
<a class="button" href="/ui/tester${query({ template: name })}">Test it</a>
<a class="button" href="/ui/messages${query({ template: name })}">Its messages</a>
</div>
<section><h2>Versions</h2>
${table(['version', 'event', 'added', 'active', 'events made', 'file'], versions.map((v) => [`v${v.version}`, v.event, time(v.created_at), v.active ? 'yes' : '', v.matches, v.file_name ?? '']))}
</section>
<section><h2>Lint (v${shown.version})</h2>${diagnostics([...parsed.errors, ...parsed.warnings])}</section>
<section><h2>Source (v${shown.version})</h2><pre class="source" tabindex="0">${shown.source}</pre></section>
${versions.length > 1
    ? html`<section><h2>Diff</h2>
<form class="filters" method="get" action="/ui/templates/${encodeURIComponent(name)}">
<label>From <select name="a">${versions.map((v) => html`<option value="${v.version}"${v.version === va ? html` selected` : ''}>v${v.version}</option>`)}</select></label>
<label>to <select name="b">${versions.map((v) => html`<option value="${v.version}"${v.version === vb ? html` selected` : ''}>v${v.version}</option>`)}</select></label>
<button type="submit">Compare</button></form>
${a && b ? html`<pre class="diff" tabindex="0">${lineDiff(a.source, b.source).map((d) => html`<span class="diff-${d.op === '+' ? 'add' : d.op === '-' ? 'del' : 'same'}">${d.op} ${d.line}\n</span>`)}</pre>` : html`<p class="muted">Pick two versions.</p>`}
</section>`
    : ''}`;
  return { kind: 'page', title: `Template ${name}`, active: 'templates', body };
}

export async function setTemplateState(deps: ConsoleDeps, name: string, active: boolean): Promise<Reply> {
  try {
    await setTemplateActive(deps.db, name, active);
  } catch (err) {
    if (err instanceof UserError) throw new NotFound();
    throw err;
  }
  await deps.catalog.refresh();
  deps.logger.info({ template: name, active }, 'template state changed from the console');
  return { kind: 'redirect', location: `/ui/templates/${encodeURIComponent(name)}?done=${active ? 'enabled' : 'disabled'}` };
}

export async function addTemplateFromForm(deps: ConsoleDeps, _ctx: PageContext, form: Form): Promise<Reply> {
  const file = form.file('file');
  const source = file ? file.bytes.toString('utf8') : (form.get('source') ?? '').replace(/\r\n/g, '\n');
  if (source.trim() === '') throw new FormError(400, 'choose a template file or paste its text');
  const fileName = file?.name ? file.name.replace(/^.*[\\/]/, '') : 'console.tmpl';
  try {
    const result = await addTemplate(deps.db, source, fileName);
    await deps.catalog.refresh();
    deps.logger.info({ template: result.name, version: result.version, change: result.change }, 'template added from the console');
    return { kind: 'redirect', location: `/ui/templates/${encodeURIComponent(result.name)}?done=${result.change === 'unchanged' ? 'unchanged' : 'added'}` };
  } catch (err) {
    if (err instanceof TemplateInvalidError) {
      return { kind: 'page', status: 422, title: 'Template has errors', active: 'templates', body: html`<h1>The template has errors</h1>${diagnostics(err.diagnostics)}<p><a href="/ui/templates">Back</a></p>` };
    }
    throw err;
  }
}
