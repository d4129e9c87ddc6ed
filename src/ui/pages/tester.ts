/** Template tester: a template and a mail in, the outcome out; nothing is registered or stored. */
import { currentTemplateSource, rawMessage } from '../../db/console.js';
import { createMatcher, lintTemplates, parseTemplate, type MatchResult } from '../../engine/index.js';
import { parseMail } from '../../pipeline/parse.js';
import type { ConsoleDeps, Reply } from '../console.js';
import { FormError, type Form } from '../form.js';
import { highlightedMail } from '../highlight.js';
import { csrfField, html, visible, statusBadge, table, type Html, type PageContext } from '../html.js';
import { diagnostics } from './templates.js';

function testerForm(ctx: PageContext, source: string, messageId: string | undefined, eml: string): Html {
  return html`<form class="tester" method="post" action="/ui/tester" enctype="multipart/form-data">
${csrfField(ctx)}
<div class="columns">
<fieldset><legend>Template</legend>
<label>Text <textarea name="source" rows="18" spellcheck="false" aria-label="template text">${source}</textarea></label>
<label>or a file <input type="file" name="source_file" accept=".tmpl,.txt,text/plain"></label>
</fieldset>
<fieldset><legend>Mail</legend>
${messageId ? html`<p>Using stored message <a href="/ui/messages/${messageId}">${messageId}</a> unless you paste or upload another.</p><input type="hidden" name="message" value="${messageId}">` : ''}
<label>Raw mail (.eml) <textarea name="eml" rows="14" spellcheck="false" aria-label="raw mail">${eml}</textarea></label>
<label>or a file <input type="file" name="eml_file" accept=".eml,message/rfc822,text/plain"></label>
</fieldset>
</div>
<button type="submit">Test</button> <span class="muted">Registers nothing.</span>
</form>`;
}

export async function testerPage(ctx: PageContext, deps?: ConsoleDeps, url?: URL): Promise<Reply> {
  const messageId = url?.searchParams.get('message') ?? undefined;
  const name = url?.searchParams.get('template') ?? undefined;
  const source = deps && name ? ((await currentTemplateSource(deps.db.pool, deps.db.schema, name)) ?? '') : '';
  const id = messageId && /^\d{1,18}$/.test(messageId) ? messageId : undefined;
  return { kind: 'page', title: 'Template tester', active: 'tester', body: html`<h1>Template tester</h1>${testerForm(ctx, source, id, '')}` };
}

function outcome(result: MatchResult): Html {
  if (result.status === 'unmatched') {
    const e = result.explanation;
    return html`<dl>
<dt>Status</dt><dd>${statusBadge('unmatched')}</dd>
<dt>Why</dt><dd>${e.message}</dd>
${e.missingLiteral !== undefined ? html`<dt>Text the template expected</dt><dd><code class="literal">${visible(e.missingLiteral)}</code></dd>` : ''}
${e.stage ? html`<dt>Stopped in</dt><dd>${e.stage}${e.line !== undefined ? html`, line ${e.line}, column ${e.column ?? '?'}` : ''}</dd>` : ''}
</dl>`;
  }
  return html`<dl>
<dt>Status</dt><dd>${statusBadge(result.status)}</dd>
<dt>Template</dt><dd>${result.template.name} (${result.template.event})</dd>
<dt>Splits that fit</dt><dd>${result.alternatives}${result.alternativesCapped ? ' or more' : ''}${result.alternatives > 1 ? html` <span class="badge warn">ambiguous: the engine's rule chose the split shown</span>` : ''}</dd>
</dl>`;
}

export async function testerResult(deps: ConsoleDeps, ctx: PageContext, form: Form): Promise<Reply> {
  const templateFile = form.file('source_file');
  const source = templateFile ? templateFile.bytes.toString('utf8') : (form.get('source') ?? '').replace(/\r\n/g, '\n');
  const emlFile = form.file('eml_file');
  const pasted = form.get('eml') ?? '';
  const messageId = form.get('message');
  let raw: Buffer | undefined = emlFile?.bytes ?? (pasted.trim() !== '' ? Buffer.from(pasted, 'utf8') : undefined);
  if (!raw && messageId && /^\d{1,18}$/.test(messageId)) raw = (await rawMessage(deps.db.pool, deps.db.schema, messageId))?.raw ?? undefined;
  if (source.trim() === '') throw new FormError(400, 'paste or upload a template');
  if (!raw) throw new FormError(400, 'paste or upload a mail (.eml)');

  const parsed = parseTemplate(source, templateFile?.name ?? 'tester.tmpl');
  let result: Html;
  if (!parsed.template) {
    result = html`<h2>The template has errors</h2>${diagnostics(parsed.errors)}`;
  } else {
    const t = parsed.template;
    const others = deps.catalog.current().matcher.templates.filter((o) => o.name !== t.name);
    const overlaps = lintTemplates([t, ...others]).filter((d) => d.message.includes(`"${t.name}"`) || d.message.includes(t.name));
    let mailPart: Html;
    try {
      const mail = await parseMail(raw);
      const match = createMatcher([t]).matchWith(t.name, { subject: mail.subject, text: mail.text, html: mail.html, recipients: [...mail.recipients] });
      const shown = highlightedMail(match, { subject: mail.subject, body: mail.text });
      const values = match.status === 'unmatched' ? [] : Object.entries(match.values).filter(([k]) => t.macros.includes(k)).sort(([a], [b]) => a.localeCompare(b));
      mailPart = html`
<section><h2>Outcome</h2>${outcome(match)}</section>
${values.length > 0 ? html`<section><h2>Values it would extract</h2>${table(['macro', 'value'], values.map(([k, v]) => [html`<code>${k}</code>`, v === null ? html`<span class="muted">NULL</span>` : html`<pre class="value">${v}</pre>`]))}</section>` : ''}
<section><h2>Mail text</h2><div class="mail"><div class="mail-subject"><span class="muted">Subject:</span> ${shown.subject}</div><pre class="mail-body" tabindex="0">${shown.body}</pre></div></section>`;
    } catch (err) {
      mailPart = html`<p class="error">The mail cannot be decoded: ${(err as Error).message}</p>`;
    }
    result = html`
<section><h2>Lint</h2>${diagnostics(parsed.warnings)}${overlaps.length > 0 ? html`<h3>Overlap with registered templates</h3>${diagnostics(overlaps)}` : ''}</section>
${mailPart}
<form method="post" action="/ui/templates/add" enctype="multipart/form-data" class="register">${csrfField(ctx)}<input type="hidden" name="source" value="${source}"><button type="submit">Register this template (${t.name})</button></form>`;
  }
  return {
    kind: 'page',
    title: 'Template tester',
    active: 'tester',
    body: html`<h1>Template tester</h1><div class="result" id="result">${result}</div>${testerForm(ctx, source, messageId, emlFile ? '' : pasted)}`,
  };
}
