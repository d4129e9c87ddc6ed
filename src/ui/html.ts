/**
 * HTML building with escaping by default: every value interpolated into `html` is escaped unless
 * it is itself the result of `html` (or `raw`, for the few constants that need it). Mail content
 * therefore never reaches the page as markup.
 */

/** Markup that is already safe. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | bigint | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function render(part: Part): string {
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  if (part === null || part === undefined || part === false) return '';
  return escapeHtml(String(part));
}

/** Tagged template: literal parts are trusted, interpolations escaped. */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  parts.forEach((part, i) => {
    out += render(part) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Trusted markup (constants only, never data). */
export function raw(text: string): Html {
  return new Html(text);
}

/** JSON for a `<script type="application/json">` data block: `<` escaped so no tag can close it. */
export function jsonBlock(id: string, data: unknown): Html {
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return new Html(`<script type="application/json" id="${escapeHtml(id)}">${json}</script>`);
}

/** A query string from the non-empty entries (for links that keep filters). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Page context every layout needs. */
export interface PageContext {
  readonly csrf: string;
  readonly active: string;
}

const NAV: readonly [string, string][] = [
  ['overview', '/ui/'],
  ['messages', '/ui/messages'],
  ['templates', '/ui/templates'],
  ['tester', '/ui/tester'],
  ['reports', '/ui/reports'],
];

/** The page shell: navigation, the bundled stylesheet and script (same origin only). */
export function layout(ctx: PageContext, title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · unmacro</title>
<link rel="stylesheet" href="/ui/assets/console.css">
<script type="module" src="/ui/assets/console.js"></script>
</head>
<body>
<header class="top">
<a class="brand" href="/ui/">unmacro</a>
<nav aria-label="main">${NAV.map(([name, href]) => html`<a href="${href}"${ctx.active === name ? raw(' aria-current="page"') : ''}>${name}</a>`)}</nav>
</header>
<main id="main">
${body}
</main>
</body>
</html>
`.text;
}

/** The hidden CSRF field every changing form carries. */
export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="csrf" value="${ctx.csrf}">`;
}

/** A status badge. */
export function statusBadge(status: string): Html {
  return html`<span class="badge status-${status}">${status}</span>`;
}

/** A timestamp as ISO text in UTC (second precision), with the exact value in `datetime`. */
export function time(value: Date | string | null | undefined): Html {
  if (!value) return html`<span class="muted">—</span>`;
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return html`${String(value)}`;
  return html`<time datetime="${d.toISOString()}">${d.toISOString().slice(0, 19).replace('T', ' ')}</time>`;
}

/** A table from rows; cells are escaped like everything else. */
export function table(headers: readonly string[], rows: readonly (readonly Part[])[], caption?: string): Html {
  return html`<table>${caption ? html`<caption>${caption}</caption>` : ''}<thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="${headers.length}" class="muted">nothing yet</td></tr>` : rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table>`;
}

/** Literal text with its line breaks and tabs made visible (for the text a template expected). */
export function visible(text: string): string {
  return text.replace(/\t/g, '→').replace(/\n/g, '↵\n');
}
