/** One message: envelope, outcome, values, and the mail text with the values (or the failure) highlighted. */
import { currentTemplateSource, getMessage, rawMessage, receivedAt, templateSource } from '../../db/console.js';
import { createMatcher, parseTemplate, type MatchResult } from '../../engine/index.js';
import { parseMail } from '../../pipeline/parse.js';
import { REPROCESSABLE_STATUSES, reprocess } from '../../pipeline/reprocess.js';
import type { MessageStatus } from '../../db/messages.js';
import { NotFound, type ConsoleDeps, type Reply } from '../console.js';
import type { Form } from '../form.js';
import { highlight, highlightedMail } from '../highlight.js';
import { csrfField, html, visible, query, statusBadge, table, time, type Html, type PageContext } from '../html.js';

const NOTICES: Record<string, string> = {
  reprocessed: 'Reprocessed with the current templates.',
  unchanged: 'Reprocessed: the outcome did not change.',
};

function checkId(id: string): string {
  if (!/^\d{1,18}$/.test(id)) throw new NotFound();
  return id;
}

/** Re-runs matching on the stored raw mail: with the stored template version when it matched, else every current template. */
async function rematch(deps: ConsoleDeps, m: { template_name: string | null; template_version: number | null; status: string }, mail: { subject: string; text: string; html: string | undefined; recipients: string[] }): Promise<MatchResult | undefined> {
  if (m.template_name && m.template_version !== null && (m.status === 'extracted' || m.status === 'ambiguous')) {
    const stored = await templateSource(deps.db.pool, deps.db.schema, m.template_name, m.template_version);
    const parsed = stored ? parseTemplate(stored.source, stored.file_name ?? undefined) : undefined;
    if (parsed?.template) return createMatcher([parsed.template]).matchWith(parsed.template.name, mail);
    return undefined;
  }
  if (m.status === 'unmatched' || m.status === 'ambiguous') return deps.catalog.current().matcher.match(mail);
  return undefined;
}

export async function messagePage(deps: ConsoleDeps, ctx: PageContext, rawId: string, url: URL): Promise<Reply> {
  const id = checkId(rawId);
  const m = await getMessage(deps.db.pool, deps.db.schema, id);
  if (!m) throw new NotFound();
  const stored = m.has_raw ? await rawMessage(deps.db.pool, deps.db.schema, id) : undefined;
  let mailBlock: Html = html`<p class="muted">The raw mail is no longer stored (retention).</p>`;
  let failure: Html = html``;
  if (stored?.raw) {
    try {
      const parsed = await parseMail(stored.raw);
      const input = { subject: parsed.subject, text: parsed.text, html: parsed.html, recipients: m.rcpt_to.length > 0 ? [...m.rcpt_to] : [...parsed.recipients] };
      const result = await rematch(deps, m, input).catch(() => undefined);
      const shown = result ? highlightedMail(result, { subject: parsed.subject, body: parsed.text }) : undefined;
      mailBlock = html`
<p class="muted">${shown?.exact ? 'Each extracted value is highlighted where it was found; hover for its macro.' : 'The mail as decoded (this engine build reports no value positions).'}</p>
<div class="mail"><div class="mail-subject"><span class="muted">Subject:</span> ${shown?.subject ?? parsed.subject}</div><pre class="mail-body" tabindex="0">${shown?.body ?? parsed.text}</pre></div>`;
      if (result?.status === 'unmatched') {
        const e = result.explanation;
        const source = e.nearestTemplate ? await currentTemplateSource(deps.db.pool, deps.db.schema, e.nearestTemplate) : undefined;
        if (source !== undefined) {
          // The nearest template beside the mail, with the text it expected marked where it is written.
          const body = source.indexOf('\n\n');
          const at = e.missingLiteral ? source.indexOf(e.missingLiteral, e.stage === 'body' && body >= 0 ? body + 1 : 0) : -1;
          const marks = at >= 0 && e.missingLiteral ? [{ start: at, end: at + e.missingLiteral.length, kind: 'stop' as const, label: 'the template expects this text here' }] : [];
          mailBlock = html`<div class="columns"><div>${mailBlock}</div><div><p class="muted">Nearest template: ${e.nearestTemplate}, the text it expected marked.</p><pre class="source" tabindex="0" aria-label="nearest template">${highlight(source, marks)}</pre></div></div>`;
        }
        failure = html`
<section class="failure" aria-label="why it did not match">
<h2>Why it did not match</h2>
<dl>
<dt>Explanation</dt><dd>${e.message}</dd>
${e.nearestTemplate ? html`<dt>Nearest template</dt><dd><a href="/ui/templates/${encodeURIComponent(e.nearestTemplate)}">${e.nearestTemplate}</a></dd>` : ''}
${e.missingLiteral !== undefined ? html`<dt>Text the template expected</dt><dd><code class="literal">${visible(e.missingLiteral)}</code></dd>` : ''}
${e.stage ? html`<dt>Stopped in</dt><dd>${e.stage}${e.line !== undefined ? html`, line ${e.line}, column ${e.column ?? '?'}` : ''}${e.position !== undefined ? html` (offset ${e.position})` : ''}</dd>` : ''}
</dl>
<p><a class="button" href="/ui/tester${query({ message: id, template: e.nearestTemplate })}">Fix it in the tester</a></p>
</section>`;
      }
    } catch (err) {
      mailBlock = html`<p class="error">The mail cannot be decoded: ${(err as Error).message}</p>`;
    }
  }
  const notice = NOTICES[url.searchParams.get('done') ?? ''];
  const values = Object.entries(m.values ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const canReprocess = (REPROCESSABLE_STATUSES as readonly string[]).includes(m.status) && m.has_raw;
  const body = html`
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<h1>Message ${m.id} ${statusBadge(m.status)}</h1>
<div class="actions">
${canReprocess ? html`<form method="post" action="/ui/messages/${m.id}/reprocess">${csrfField(ctx)}<button type="submit">Reprocess with current templates</button></form>` : ''}
${m.has_raw ? html`<a class="button" href="/ui/messages/${m.id}/raw" download>Download raw (.eml)</a>` : ''}
${m.template_name ? html`<a class="button" href="/ui/tester${query({ message: m.id, template: m.template_name })}">Open in the tester</a>` : ''}
</div>
<div class="columns">
<section aria-label="envelope">
<h2>Envelope</h2>
<dl>
<dt>Received</dt><dd>${time(m.received_at)}</dd>
<dt>From</dt><dd>${m.mail_from ?? '—'}</dd>
<dt>To</dt><dd>${m.rcpt_to.join(', ') || '—'}</dd>
<dt>Client address</dt><dd>${m.remote_address ?? '—'}</dd>
<dt>Message-ID</dt><dd><code>${m.message_id ?? '—'}</code></dd>
<dt>Subject</dt><dd>${m.subject ?? '—'}</dd>
<dt>Size</dt><dd>${m.size_bytes} bytes</dd>
</dl>
</section>
<section aria-label="outcome">
<h2>Outcome</h2>
<dl>
<dt>Status</dt><dd>${statusBadge(m.status)}</dd>
<dt>Template</dt><dd>${m.template_name ? html`<a href="/ui/templates/${encodeURIComponent(m.template_name)}">${m.template_name}</a> v${m.template_version}` : '—'}</dd>
${m.event ? html`<dt>Event</dt><dd>${m.event}</dd>` : ''}
${m.lsid ? html`<dt>LSID</dt><dd><code>${m.lsid}</code></dd>` : ''}
${m.duplicate_of ? html`<dt>Duplicate of</dt><dd><a href="/ui/messages/${m.duplicate_of}">${m.duplicate_of}</a></dd>` : ''}
<dt>Detail</dt><dd>${m.detail ?? '—'}</dd>
</dl>
</section>
</div>
${failure}
${values.length > 0 ? html`<section><h2>Extracted values</h2>${table(['macro', 'value'], values.map(([k, v]) => [html`<code>${k}</code>`, v === null ? html`<span class="muted">NULL</span>` : html`<pre class="value">${v}</pre>`]))}</section>` : ''}
<section><h2>Mail text</h2>${mailBlock}</section>`;
  return { kind: 'page', title: `Message ${m.id}`, active: 'messages', body };
}

export async function rawDownload(deps: ConsoleDeps, rawId: string): Promise<Reply> {
  const id = checkId(rawId);
  const stored = await rawMessage(deps.db.pool, deps.db.schema, id);
  if (!stored?.raw) throw new NotFound();
  return { kind: 'file', type: 'application/octet-stream', body: stored.raw, filename: `message-${id}.eml` };
}

/** Re-runs matching for this one mail with the current templates (the same code as `unmacro reprocess`). */
export async function reprocessMessage(deps: ConsoleDeps, rawId: string, _form: Form): Promise<Reply> {
  const id = checkId(rawId);
  const m = await receivedAt(deps.db.pool, deps.db.schema, id);
  if (!m) throw new NotFound();
  await deps.catalog.refresh();
  const at = new Date(m.received_at).getTime();
  // Reprocess selects by status and time: exactly this mail's millisecond (and any twin received with it).
  const summary = await reprocess(deps.db, deps.catalog.current(), {
    statuses: [m.status as MessageStatus],
    since: new Date(at),
    until: new Date(at + 1),
    dryRun: false,
  });
  deps.logger.info({ id, changed: summary.changed, transitions: summary.transitions }, 'message reprocessed from the console');
  return { kind: 'redirect', location: `/ui/messages/${id}?done=${summary.changed > 0 ? 'reprocessed' : 'unchanged'}` };
}
