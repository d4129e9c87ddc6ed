/**
 * A template's subject or body compiled into alternating literals and macro slots:
 * `literals[0] slot[0] literals[1] slot[1] ... literals[n]`. Literals are the anchors the
 * extractor searches for; slots carry the rule that bounds their value.
 */
import { findMacro, type MacroInfo } from './catalogue.js';
import { collapsedForms, trimEndSpaces } from './whitespace.js';

/**
 * How a slot's value is bounded during matching:
 * - `multi`: anything, line ends included;
 * - `line`: no line end;
 * - `lsid`: optional spaces, then 32 hex digits, the unrendered `%LSID%` or nothing, then spaces;
 * - `integer`: the same with decimal digits.
 * A macro repeated after its value is known (subject, then body) is further pinned to that
 * value at match time (see extract.ts).
 */
export type SlotRule = 'multi' | 'line' | 'lsid' | 'integer';

/** One macro occurrence in a subject or body. */
export interface Slot {
  readonly macro: MacroInfo;
  readonly rule: SlotRule;
  /** Ordinal of this macro token in the template file, subject first (for diagnostics). */
  readonly ordinal: number;
}

/** A compiled subject or body. */
export interface Pattern {
  /** Always `slots.length + 1` entries; any of them may be empty. */
  readonly literals: readonly string[];
  readonly slots: readonly Slot[];
  /**
   * For each literal, how many trailing spaces it had before the following slot. When that
   * slot's value is empty at the end of a line the mail has lost those spaces (trailing white
   * space is stripped), so the literal also matches without them there.
   */
  readonly trailingSpaces: readonly number[];
  /** Total length of the literal text: the specificity used to rank matching templates. */
  readonly literalLength: number;
  /** Per literal, the forms it may take in a mail whose runs of spaces were collapsed (whitespace.ts). */
  readonly forms: readonly (readonly string[])[];
}

/** A `%WORD%` token found in template text. */
export interface MacroToken {
  readonly start: number;
  readonly end: number;
  readonly word: string;
}

function isWordChar(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 45;
}

/**
 * Finds `%WORD%` tokens: WORD made of capital letters, digits, `_` and `-` with at least one
 * capital letter (so `50%-60%` stays text). Any other percent sign is text.
 */
export function scanMacroTokens(text: string): MacroToken[] {
  const tokens: MacroToken[] = [];
  let i = text.indexOf('%');
  while (i >= 0 && i < text.length) {
    let j = i + 1;
    let letters = 0;
    while (j < text.length && isWordChar(text.charCodeAt(j))) {
      if (text.charCodeAt(j) >= 65 && text.charCodeAt(j) <= 90) letters++;
      j++;
    }
    if (j < text.length && text[j] === '%' && j > i + 1 && letters > 0) {
      tokens.push({ start: i, end: j + 1, word: text.slice(i + 1, j) });
      i = text.indexOf('%', j + 1);
    } else {
      i = text.indexOf('%', i + 1);
    }
  }
  return tokens;
}

function ruleFor(macro: MacroInfo): SlotRule {
  if (macro.kind === 'lsid') return 'lsid';
  if (macro.kind === 'integer') return 'integer';
  return macro.multiline ? 'multi' : 'line';
}

/**
 * Compiles prepared, folded text (whitespace.ts) into a pattern. Unknown `%WORD%` tokens are kept as literal text
 * (template validation reports them); `firstOrdinal` numbers the slots.
 */
export function compilePattern(text: string, firstOrdinal = 0): Pattern {
  const literals: string[] = [];
  const slots: Slot[] = [];
  const trailingSpaces: number[] = [];
  let literal = '';
  let last = 0;
  let ordinal = firstOrdinal;
  for (const token of scanMacroTokens(text)) {
    const macro = findMacro(token.word);
    if (!macro) continue;
    literal += text.slice(last, token.start);
    literals.push(literal);
    trailingSpaces.push(literal.length - trimEndSpaces(literal).length);
    slots.push({ macro, rule: ruleFor(macro), ordinal: ordinal++ });
    literal = '';
    last = token.end;
  }
  literals.push(literal + text.slice(last));
  trailingSpaces.push(0);
  // Leading white space before the first value anchors nothing and vanishes from the mail when
  // that value is empty (blank lines are stripped): the value absorbs it and is trimmed instead.
  if (slots.length > 0 && literals[0]!.trim() === '') {
    literals[0] = '';
    trailingSpaces[0] = 0;
  }
  const literalLength = literals.reduce((sum, l) => sum + l.length, 0);
  return { literals, slots, trailingSpaces, literalLength, forms: literals.map(collapsedForms) };
}
