/**
 * HTML to text for `Format: html` templates. The same conversion runs on the template body and
 * on the mail's HTML part, so the only requirement is that it is deterministic and keeps the
 * values readable. The rule, in one pass:
 * - `<script>`, `<style>`, `<head>` and comments are dropped with their content;
 * - `<br>` and the opening or closing tag of a block element (p, div, tr, li, h1-h6, table,
 *   pre, blockquote, ul, ol, hr) become a line end; `</td>`/`</th>` become a space;
 * - `<a href="X">` becomes `X ` (so a macro used as a link target is still extracted);
 * - every other tag disappears; line ends in the source are kept as they are;
 * - numeric entities and the named ones listed below (markup, punctuation, Western European
 *   letters) are decoded; other named entities stay as written.
 * The result then goes through the ordinary body normalisation.
 */

const BLOCK_TAGS = new Set([
  'p', 'div', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'pre', 'blockquote', 'ul', 'ol', 'hr', 'br',
]);
const SKIP_CONTENT = new Set(['script', 'style', 'head']);
// The entities HTML mail editors actually emit (markup, punctuation, Western European
// letters); any other named entity is left as written rather than guessed.
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', '#39': "'",
  ndash: '\u2013', mdash: '\u2014', hellip: '\u2026', lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c',
  rdquo: '\u201d', laquo: '\u00ab', raquo: '\u00bb', bull: '\u2022', middot: '\u00b7', copy: '\u00a9',
  reg: '\u00ae', trade: '\u2122', euro: '\u20ac', pound: '\u00a3', deg: '\u00b0', szlig: '\u00df',
  aacute: '\u00e1', agrave: '\u00e0', acirc: '\u00e2', auml: '\u00e4', aring: '\u00e5', ccedil: '\u00e7',
  eacute: '\u00e9', egrave: '\u00e8', ecirc: '\u00ea', euml: '\u00eb', iacute: '\u00ed', iuml: '\u00ef',
  ntilde: '\u00f1', oacute: '\u00f3', ocirc: '\u00f4', ouml: '\u00f6', oslash: '\u00f8', uacute: '\u00fa',
  ugrave: '\u00f9', uuml: '\u00fc', Aacute: '\u00c1', Agrave: '\u00c0', Auml: '\u00c4', Aring: '\u00c5',
  Ccedil: '\u00c7', Eacute: '\u00c9', Egrave: '\u00c8', Ntilde: '\u00d1', Ouml: '\u00d6', Oslash: '\u00d8',
  Uuml: '\u00dc',
};

/** Converts an HTML document or fragment to text by the rule documented in this module. */
export function htmlToText(html: string): string {
  let out = '';
  let i = 0;
  let lower: string | undefined;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out += decodeEntities(html.slice(i));
      break;
    }
    out += decodeEntities(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close < 0 ? html.length : close + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) {
      // A lone `<` is text, as browsers treat it.
      out += '<';
      i = lt + 1;
      continue;
    }
    const tag = html.slice(lt + 1, gt);
    const closing = tag.startsWith('/');
    const name = /^\/?\s*([a-zA-Z][a-zA-Z0-9]*)/.exec(tag)?.[1]?.toLowerCase() ?? '';
    i = gt + 1;
    if (!closing && SKIP_CONTENT.has(name)) {
      lower ??= html.toLowerCase();
      const end = lower.indexOf(`</${name}`, i);
      const endGt = end < 0 ? -1 : html.indexOf('>', end);
      i = endGt < 0 ? html.length : endGt + 1;
      continue;
    }
    if (BLOCK_TAGS.has(name)) out += '\n';
    else if (closing && (name === 'td' || name === 'th')) out += ' ';
    else if (!closing && name === 'a') {
      const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
      const target = href?.[1] ?? href?.[2] ?? href?.[3];
      if (target !== undefined) out += `${decodeEntities(target)} `;
    }
  }
  return out;
}

/** Decodes the HTML entities listed in the module comment; unknown ones stay as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8}|#39);/g, (whole, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) return safeCodePoint(parseInt(body.slice(2), 16), whole);
    if (body.startsWith('#') && body !== '#39') return safeCodePoint(parseInt(body.slice(1), 10), whole);
    return NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

function safeCodePoint(code: number, fallback: string): string {
  return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : fallback;
}
