/**
 * Diagnostics (template errors and lint warnings) and the engine's typed error. Codes are stable:
 * the CLI and tests match on them, people read the message and the hint.
 */

/** Stable codes of template errors. */
export type ErrorCode =
  | 'missing-body-separator'
  | 'bad-header'
  | 'unknown-header'
  | 'duplicate-header'
  | 'missing-event'
  | 'unknown-event'
  | 'http-only-event'
  | 'missing-name'
  | 'bad-format'
  | 'bad-timezone'
  | 'bad-date-order'
  | 'bad-recipient'
  | 'empty-body'
  | 'unknown-macro'
  | 'macro-not-in-event'
  | 'body-only-macro-in-subject';

/** Stable codes of lint warnings. */
export type WarningCode =
  | 'adjacent-macros'
  | 'weak-anchor-after-multiline'
  | 'literal-often-in-value'
  | 'overlapping-templates'
  | 'macro-in-html-tag'
  | 'no-literal-text'
  | 'empty-subject'
  | 'colon-after-name'
  | 'common-text-after-multiline'
  | 'empty-value-between-spaces';

/** One problem found in a template file; `line` and `column` are 1-based into the file. */
export interface Diagnostic {
  code: ErrorCode | WarningCode;
  severity: 'error' | 'warning';
  message: string;
  line: number;
  column: number;
  /** What to change in the template. */
  hint?: string;
  /** File name given to `parseTemplate`, if any. */
  file?: string;
}

/** Error thrown when the engine is misused (for example given a template with errors). */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: 'duplicate-template-name',
    message: string,
  ) {
    super(message);
  }
}

/** Edit distance counting a swap of two neighbours as one edit, for "did you mean" (names are short). */
export function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, before[j - 2]! + 1);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate to `word`, if it is a plausible typo or abbreviation: a near-exact
 * spelling (edit distance 1) first, then the one candidate whose words `word` abbreviates
 * (`REP_EXIT_SURVEY` -> `REPRESENTATIVE_EXIT_SURVEY`), then the nearest within an edit distance
 * of a third of the word. Case-insensitive; a tie gives no suggestion rather than a guess.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) tie = true;
  }
  if (bestDistance <= 1 && !tie) return best;
  const abbreviated = abbreviationOf(word, candidates);
  if (abbreviated) return abbreviated;
  const tolerance = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= tolerance && !tie ? best : undefined;
}

const MIN_ABBREVIATION_CHARS = 2;

function words(text: string): string[] {
  return text.toLowerCase().split(/[\s_-]+/).filter((w) => w !== '');
}

/** True when `short` abbreviates `long`: a prefix, or (3+ letters) its letters in order, same first letter. */
function abbreviates(short: string, long: string): boolean {
  if (short.length < MIN_ABBREVIATION_CHARS || short.length > long.length) return false;
  if (long.startsWith(short)) return true;
  if (short.length < 3 || short[0] !== long[0]) return false;
  let j = 0;
  for (const ch of long) if (ch === short[j]) j++;
  return j === short.length;
}

/**
 * The candidate whose words the words of `word` abbreviate, in order: the one that has no other
 * words, else the only one that matches at all; undefined when none or several do.
 */
function abbreviationOf(word: string, candidates: readonly string[]): string | undefined {
  const mine = words(word);
  if (mine.length === 0) return undefined;
  const matches: string[] = [];
  const exact: string[] = [];
  for (const c of candidates) {
    const theirs = words(c);
    let j = 0;
    for (const w of theirs) if (j < mine.length && abbreviates(mine[j]!, w)) j++;
    if (j < mine.length) continue;
    matches.push(c);
    if (theirs.length === mine.length) exact.push(c);
  }
  if (exact.length === 1) return exact[0];
  return matches.length === 1 ? matches[0] : undefined;
}
