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
  | 'empty-subject';

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

/** Edit distance, for "did you mean" suggestions (names are short). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}
