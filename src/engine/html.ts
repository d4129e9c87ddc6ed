/**
 * HTML to text, for `Format: html` templates and for `Format: text` templates matched against a
 * mail that has only an HTML part (contract section 2). The same conversion runs on the template
 * body and on the mail, so it must be deterministic and keep the values readable. The rule, in
 * one linear pass:
 * - a tag is `<` followed by a letter, `/`, `!` or `?`, up to its `>` (quoted attribute values
 *   may contain `>`); any other `<` (`Ping < 5 ms`), or a tag never closed, is text;
 * - `<script>`, `<style>`, `<head>`, `<title>`, comments, doctypes and `<?...>` are dropped
 *   with their content (a `<head>` without `</head>` ends at `<body>`);
 * - white space in the source is collapsed as a browser does: a run of spaces, tabs and line
 *   ends is one space, and none next to a line end (inside `<pre>` it is kept as written);
 * - `<br>` is a line end; the opening or closing tags of block elements (p, div, tr, li, h1-h6,
 *   table, pre, blockquote, ul, ol, hr) between two runs of text are one line end, however many
 *   there are (so a mail written as one `<p>` or `<div>` per line reads like the text template);
 *   `</td>`/`</th>` become a space;
 * - `<a href="X">` becomes `X ` (so a macro used as a link target is still extracted);
 * - every other tag disappears;
 * - character references are decoded as browsers do (every HTML5 named entity, numeric ones,
 *   the legacy ones without `;`), by the `entities` package.
 * The result then goes through the ordinary body normalisation.
 */
import { decodeHTML, decodeHTMLAttribute } from 'entities';

const BLOCK_TAGS = new Set([
  'p', 'div', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'pre', 'blockquote', 'ul', 'ol', 'hr', 'br',
]);
const SKIP_CONTENT = new Set(['script', 'style', 'head', 'title']);

/** indexOf that remembers where a character no longer occurs, so repeated misses stay linear. */
class Finder {
  private readonly absentFrom = new Map<string, number>();
  constructor(private readonly text: string) {}

  find(needle: string, from: number): number {
    const absent = this.absentFrom.get(needle);
    if (absent !== undefined && from >= absent) return -1;
    const at = this.text.indexOf(needle, from);
    if (at < 0) this.absentFrom.set(needle, Math.min(absent ?? from, from));
    return at;
  }
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Where the start tag opened at `lt` ends (index of its `>`), skipping quoted values; -1 if never. */
function startTagEnd(html: string, lt: number, finder: Finder): number {
  let i = lt + 1;
  for (;;) {
    const gt = finder.find('>', i);
    if (gt < 0) return -1;
    // A quote opening an attribute value (after `=`) before this `>` hides it.
    let quote = -1;
    for (let j = i; j < gt; j++) {
      const c = html[j];
      if ((c === '"' || c === "'") && /=\s*$/.test(html.slice(Math.max(i, j - 8), j))) {
        quote = j;
        break;
      }
    }
    if (quote < 0) return gt;
    const close = finder.find(html[quote]!, quote + 1);
    // An unterminated quote: be lenient and end the tag at the first `>`.
    if (close < 0) return gt;
    i = close + 1;
  }
}

/** Converts an HTML document or fragment to text by the rule documented in this module. */
export function htmlToText(html: string): string {
  const finder = new Finder(html);
  const parts: string[] = [];
  let text = 0; // start of the pending text run
  let i = 0;
  let pre = 0; // depth of <pre> elements: their white space is kept
  const flush = (end: number): void => {
    if (end <= text) return;
    const raw = html.slice(text, end);
    parts.push(decode(pre > 0 ? raw.replace(/\r\n?|\n/g, PRE_LINE_END) : raw.replace(SOURCE_SPACE, ' ')));
  };
  for (;;) {
    const lt = finder.find('<', i);
    if (lt < 0) break;
    const next = html.charCodeAt(lt + 1);
    const opens = isLetter(next);
    if (!opens && next !== 47 /* / */ && next !== 33 /* ! */ && next !== 63 /* ? */) {
      i = lt + 1; // a `<` that starts no tag is text
      continue;
    }
    let end: number;
    if (html.startsWith('<!--', lt)) {
      const close = finder.find('-->', lt + 4);
      end = close < 0 ? html.length : close + 3;
    } else {
      const gt = opens ? startTagEnd(html, lt, finder) : finder.find('>', lt + 1);
      if (gt < 0) {
        i = lt + 1; // never closed: text, as `a<b` at the end of a line
        continue;
      }
      end = gt + 1;
    }
    flush(lt);
    const tag = html.slice(lt + 1, end - 1);
    const closing = next === 47;
    const name = closing || opens ? (/^\/?([a-zA-Z][a-zA-Z0-9]*)/.exec(tag)?.[1]?.toLowerCase() ?? '') : '';
    i = end;
    text = end;
    if (opens && SKIP_CONTENT.has(name)) {
      // Case-insensitive search without lower-casing the document (that can change its length).
      const closer = new RegExp(name === 'head' ? '<(?:/head|body)' : `</${name}`, 'gi');
      closer.lastIndex = i;
      const stop = closer.exec(html);
      if (!stop) {
        i = text = html.length;
        break;
      }
      const isBody = stop[0].toLowerCase() === '<body';
      const stopGt = isBody ? stop.index - 1 : finder.find('>', stop.index);
      i = text = stopGt < 0 ? html.length : stopGt + 1;
      continue;
    }
    if (name === 'pre') pre = Math.max(0, pre + (closing ? -1 : 1));
    if (name === 'br') parts.push('\n');
    else if (BLOCK_TAGS.has(name)) parts.push(BLOCK_BREAK);
    else if (closing && (name === 'td' || name === 'th')) parts.push(' ');
    else if (opens && name === 'a') {
      const href = /(?:^|\s)href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(tag);
      const target = href?.[1] ?? href?.[2] ?? href?.[3];
      if (target !== undefined) parts.push(`${decodeHTMLAttribute(target)} `);
    }
  }
  flush(html.length);
  // Spaces next to a line end or block boundary vanish, as in a browser.
  const lines = parts.join('').split(BREAK);
  for (let k = 0; k < lines.length; k += 2) lines[k] = trimSpaces(lines[k]!);
  return lines
    .join('')
    .replace(BLOCK_BREAKS, (run) => (run.includes('\n') ? run.replace(/\ufdd0/g, '') : '\n'))
    .replace(/\ufdd1/g, '\n');
}

function trimSpaces(text: string): string {
  let a = 0;
  let b = text.length;
  while (a < b && text.charCodeAt(a) === 32) a++;
  while (b > a && text.charCodeAt(b - 1) === 32) b--;
  return a === 0 && b === text.length ? text : text.slice(a, b);
}

/** A line end inside `<pre>`, kept apart until the breaks are resolved (its spaces stay). */
const PRE_LINE_END = '\ufdd1';

/** Source white space outside `<pre>` that is not already one space, collapsed to one space. */
const SOURCE_SPACE = /[\t\r\n\f][ \t\r\n\f]*| [ \t\r\n\f]+/g;
/** Marks a block boundary until the breaks are resolved (a noncharacter: no mail text holds it). */
const BLOCK_BREAK = '\ufdd0';
/** A line end or block boundary, kept by split. */
const BREAK = /([\n\ufdd0])/;
/** A run of block boundaries is one line end; next to a `<br>`, none. */
const BLOCK_BREAKS = /[\n\ufdd0]*\ufdd0[\n\ufdd0]*/g;

// A character reference: `&` then a name (the longest HTML5 name has 31 letters) or a number.
const REFERENCE = /&(?:#[xX]?[0-9a-fA-F]|[A-Za-z])/;

/** Decodes a text run; `entities` is only asked when the run holds a reference (it is slow on bare "&"s). */
function decode(text: string): string {
  return REFERENCE.test(text) ? decodeHTML(text) : text;
}

/** Decodes HTML character references in text as browsers do (all HTML5 named entities). */
export function decodeEntities(text: string): string {
  return decode(text);
}
