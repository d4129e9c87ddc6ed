/**
 * The one model of white space shared by templates and mail, subject and body alike. Relays
 * re-encode line ends, add or strip trailing spaces, fold subjects; HTML editors write NBSP for
 * spaces. So:
 * - line ends: CRLF, CR CR LF (a CRLF file converted once more) and lone CRs are one LF;
 * - trailing white space of every line, and blank lines at the start and end, are not content;
 * - the horizontal white space class (space, tab, NBSP, U+2000-U+200A, U+202F, U+205F, U+3000)
 *   is FOLDED for matching: a template space matches any of them, position for position. The
 *   mail's own characters are kept in a parallel string, and values are taken from it;
 * - runs of spaces are matched as written, with one tolerance: an empty value between two
 *   literals that touch it with spaces may appear with fewer spaces (a relay collapsed the run),
 *   see `emptyOverlap`. Readings that tolerance admits are counted like any other.
 * Every function is a single linear pass.
 */

/** Whether a UTF-16 code is horizontal white space (folded to a space for matching). */
function isHorizontalSpace(code: number): boolean {
  return (
    code === 32 || code === 9 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
    code === 0x202f || code === 0x205f || code === 0x3000
  );
}

const OTHER_SPACES = /[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;
const OTHER_SPACE_CHARS = ['\t', '\u00a0', '\u202f', '\u3000', '\u1680', '\u205f', ...Array.from({ length: 11 }, (_, k) => String.fromCharCode(0x2000 + k))];

/** The text with every horizontal white space character replaced by a space (same length). */
export function fold(text: string): string {
  // A few native scans are much cheaper than one regular expression over a long mail.
  return OTHER_SPACE_CHARS.some((c) => text.includes(c)) ? text.replace(OTHER_SPACES, ' ') : text;
}

/** `String.prototype.trimEnd` restricted to horizontal white space, without a backtracking regex. */
export function trimEndSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && isHorizontalSpace(line.charCodeAt(end - 1))) end--;
  return end === line.length ? line : line.slice(0, end);
}

function trimStartSpaces(line: string): string {
  let start = 0;
  while (start < line.length && isHorizontalSpace(line.charCodeAt(start))) start++;
  return start === 0 ? line : line.slice(start);
}

/** CRLF, CR CR LF and lone CR as LF. */
function unifyLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r*\n|\r/g, '\n') : text;
}

/**
 * A body (of a mail or a template) as matching sees it: one kind of line end, no trailing white
 * space on any line, no blank lines at either end, no byte order mark. Other characters are kept.
 */
export function prepareBody(text: string): string {
  let out = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  out = unifyLineEnds(out);
  if (hasTrailingSpace(out)) out = out.split('\n').map(trimEndSpaces).join('\n');
  let start = 0;
  while (start < out.length && out.charCodeAt(start) === 10) start++;
  let end = out.length;
  while (end > start && out.charCodeAt(end - 1) === 10) end--;
  return start === 0 && end === out.length ? out : out.slice(start, end);
}

const SPACE_BEFORE_LINE_END = /[\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]\n/;

/** Whether any line ends in horizontal white space. */
function hasTrailingSpace(text: string): boolean {
  return isHorizontalSpace(text.charCodeAt(text.length - 1)) || SPACE_BEFORE_LINE_END.test(text);
}

/**
 * A subject as matching sees it: a folded header's line breaks removed (the white space after
 * them stays), trimmed at both ends. Runs of spaces are NOT collapsed: the double space an empty
 * value leaves is what tells the readings apart.
 */
export function prepareSubject(text: string): string {
  const unfolded = text.includes('\n') || text.includes('\r') ? text.replace(/\r?\n|\r/g, '') : text;
  return trimStartSpaces(trimEndSpaces(unfolded));
}

/**
 * How many spaces an empty value may lose between a literal ending in `trailing` spaces and one
 * starting with `leading` spaces: a relay that collapses the run leaves at least as many as
 * either literal has, so the two literals may overlap by up to the smaller of the two.
 */
export function emptyOverlap(trailing: number, leading: number): number {
  return Math.min(trailing, leading);
}

/** Forms tried for one literal at most; beyond, only the literal and its fully collapsed form. */
const COLLAPSED_FORMS_MAX = 8;

/**
 * The forms a (folded) literal may take in a mail whose runs of spaces a relay collapsed: each
 * run of n >= 2 spaces as 1..n spaces. The literal itself comes first.
 */
export function collapsedForms(literal: string): string[] {
  const runs = literal.match(/ {2,}/g);
  if (!runs) return [literal];
  const total = runs.reduce((product, run) => product * run.length, 1);
  if (total > COLLAPSED_FORMS_MAX) return [literal, literal.replace(/ {2,}/g, ' ')];
  let forms = [''];
  const parts = literal.split(/( {2,})/);
  for (const part of parts) {
    if (/^ {2,}$/.test(part)) {
      forms = forms.flatMap((f) => Array.from({ length: part.length }, (_, k) => f + ' '.repeat(part.length - k)));
    } else {
      forms = forms.map((f) => f + part);
    }
  }
  return forms;
}

/** Leading spaces of a (folded) literal. */
export function leadingSpaces(literal: string): number {
  let k = 0;
  while (k < literal.length && literal.charCodeAt(k) === 32) k++;
  return k;
}

/**
 * One extracted value per the contract, cut from a prepared text (no spaces before its line
 * ends): one-line values trimmed,
 * multi-line values without leading and trailing blank lines (and without the spaces before the
 * first text when the value starts mid-line). Null for an empty value or the unrendered `%NAME%`.
 */
export function normaliseValue(raw: string, macroName: string, multiline: boolean): string | null {
  const [start, end] = valueExtent(raw, multiline);
  const value = raw.slice(start, end);
  if (value === '' || value === `%${macroName}%`) return null;
  return value;
}

/** Where the canonical value lies within a raw value: [start, end) offsets into `raw`. */
export function valueExtent(raw: string, multiline: boolean): [number, number] {
  let start = 0;
  let end = raw.length;
  if (multiline) {
    let lineStart = 0;
    for (; start < raw.length; start++) {
      const c = raw.charCodeAt(start);
      if (c === 10) lineStart = start + 1;
      else if (!isHorizontalSpace(c)) break;
    }
    if (lineStart > 0) start = lineStart;
    while (end > start && (raw.charCodeAt(end - 1) === 10 || isHorizontalSpace(raw.charCodeAt(end - 1)))) end--;
  } else {
    while (start < raw.length && isHorizontalSpace(raw.charCodeAt(start))) start++;
    while (end > start && isHorizontalSpace(raw.charCodeAt(end - 1))) end--;
  }
  return start >= end ? [start, start] : [start, end];
}


/** A value with its runs of white space as single spaces: equal values up to what relays change. */
export function squashSpaces(value: string): string {
  const folded = fold(value);
  return folded.includes('  ') ? folded.replace(/ {2,}/g, ' ') : folded;
}
