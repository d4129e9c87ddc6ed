/**
 * Where literals occur in a prepared text, with the relaxed forms that preparation makes
 * necessary, and the text's line index. Every function is linear in what it reads.
 */
import { fold } from './whitespace.js';

/**
 * A prepared text (whitespace.ts) with its line ends indexed, shared by every template tried on
 * it. Literals are searched in `text`, where white space is folded to spaces; values are taken
 * from `original`, at the same positions.
 */
export interface TextIndex {
  readonly text: string;
  readonly original: string;
  /** Whether spaces at the text's start were trimmed (a subject), not only its blank lines. */
  readonly startTrimmed: boolean;
  /** Positions of every `\n`, ascending. */
  readonly newlines: Int32Array;
}

/** Indexes a prepared text for matching. */
export function indexText(original: string, startTrimmed = false): TextIndex {
  return new LineIndex(original, startTrimmed);
}

/** Line ends are found on first use: templates without one-line values never need them. */
class LineIndex implements TextIndex {
  private lines: Int32Array | undefined;
  readonly text: string;

  constructor(
    readonly original: string,
    readonly startTrimmed: boolean,
  ) {
    this.text = fold(original);
  }

  get newlines(): Int32Array {
    if (this.lines) return this.lines;
    const { text } = this;
    let newlines = new Int32Array(64);
    let count = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
      if (count === newlines.length) {
        const grown = new Int32Array(count * 4);
        grown.set(newlines);
        newlines = grown;
      }
      newlines[count++] = i;
    }
    this.lines = newlines.subarray(0, count);
    return this.lines;
  }
}

/** First index in the ascending `array` whose value is >= `x`. */
export function lowerBound(array: ArrayLike<number>, x: number, from = 0, to = array.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (array[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Position of the first line end at or after `from`, or the text length. */
export function nextLineEnd(index: TextIndex, from: number): number {
  const k = lowerBound(index.newlines, from);
  return k < index.newlines.length ? index.newlines[k]! : index.text.length;
}

/** Position just after the last line end before `to`, or 0. */
export function lineStartBefore(index: TextIndex, to: number): number {
  const k = lowerBound(index.newlines, to) - 1;
  return k >= 0 ? index.newlines[k]! + 1 : 0;
}

/** 1-based line and column of a position. */
export function lineAndColumn(index: TextIndex, position: number): { line: number; column: number } {
  const k = lowerBound(index.newlines, position);
  const lineStart = k > 0 ? index.newlines[k - 1]! + 1 : 0;
  return { line: k + 1, column: position - lineStart + 1 };
}

/**
 * Where one literal occurs: parallel arrays, both ascending, valid up to `length` (the arrays
 * may be longer: they are the builder's buffers, handed over without copying).
 */
export interface Occurrences {
  readonly pos: Int32Array;
  readonly end: Int32Array;
  readonly length: number;
}

/** The empty occurrence list. */
export const NO_OCCURRENCES: Occurrences = { pos: new Int32Array(0), end: new Int32Array(0), length: 0 };

/** Collects occurrences into growable typed arrays (millions of them on adversarial input). */
export class OccurrenceBuilder implements Occurrences {
  pos = new Int32Array(8);
  end = new Int32Array(8);
  length = 0;

  push(p: number, e: number): void {
    if (this.length === this.pos.length) {
      const pos = new Int32Array(this.length * 4);
      const end = new Int32Array(this.length * 4);
      pos.set(this.pos);
      end.set(this.end);
      this.pos = pos;
      this.end = end;
    }
    this.pos[this.length] = p;
    this.end[this.length++] = e;
  }

  lastPos(): number {
    return this.length > 0 ? this.pos[this.length - 1]! : -1;
  }

  lastEnd(): number {
    return this.length > 0 ? this.end[this.length - 1]! : -1;
  }
}

/** Which literals an occurrence is looked for, and which relaxed forms it may take. */
export interface OccurrenceOptions {
  /** Trailing spaces of the literal that may be missing before a line end or the text end. */
  readonly pad: number;
  /** Only at this position (the first literal at 0, the last at the end). */
  readonly only?: number;
  /** The literal follows a slot: at the very start of the text its leading line ends may be
   * missing (the values before it were empty and the blank lines were stripped). */
  readonly flexStart: boolean;
  /** With flexStart: the text's leading spaces were trimmed too, so they may all be missing. */
  readonly startTrimmed?: boolean;
  /** The literal precedes a slot: at the very end of the text its trailing white space may be
   * missing, for the same reason. */
  readonly flexEnd: boolean;
  /** With `only`, the occurrence must also end at the text end (the last literal). */
  readonly mustEnd?: boolean;
  /** No occurrence before this position can be part of a split (the previous literal ends later). */
  readonly from?: number;
  /** Nor any starting after this one (the next literal's last possible start comes earlier). */
  readonly to?: number;
}

/**
 * Every occurrence of `literal` (overlapping ones included), plus the relaxed forms allowed by
 * `options`: a literal whose trailing spaces were stripped because the value after it was empty
 * at the end of a line, and literals at the text's start or end whose blank lines were stripped.
 */
export function findOccurrences(text: string, literal: string, options: OccurrenceOptions): Occurrences {
  const out = new OccurrenceBuilder();
  const n = text.length;
  const { pad, only } = options;
  const from = options.from ?? 0;
  const to = options.to ?? n;
  const core = pad > 0 ? literal.slice(0, literal.length - pad) : literal;
  if (options.flexStart && from === 0) {
    // The text's leading blank lines were stripped (a subject's leading spaces too): the
    // literal's leading white space, up to its last line end in that run or all of it, may be
    // missing at position 0. Shorter forms first, so that the ends ascend.
    let k = 0;
    let cut = 0;
    while (k < literal.length && isSpaceOrLineEnd(literal.charCodeAt(k))) {
      if (literal.charCodeAt(k) === 10) cut = k + 1;
      k++;
    }
    if (k === literal.length && options.flexEnd) add(out, 0, 0, options, n);
    for (const c of options.startTrimmed && k > cut ? [k, cut] : [cut]) {
      if (c === 0) continue;
      const rest = literal.slice(c);
      const restCore = pad > 0 && rest.length >= pad ? rest.slice(0, rest.length - pad) : rest;
      if (text.startsWith(rest, 0)) {
        add(out, 0, rest.length, options, n);
      } else if (restCore !== rest && text.startsWith(restCore, 0) && (restCore.length === n || text.charCodeAt(restCore.length) === 10)) {
        add(out, 0, restCore.length, options, n);
      } else if (options.flexEnd && rest !== '' && text === trimTrailing(rest)) {
        // Both relaxations at once: every value around this literal was empty.
        add(out, 0, n, options, n);
      }
    }
  }
  if (only !== undefined) {
    if (only >= 0 && only <= n && text.startsWith(core, only)) consider(out, text, literal, core, only, options);
  } else if (core === '' && literal === '') {
    for (let p = from; p <= to; p++) add(out, p, p, options, n);
  } else if (core === '') {
    // A literal of spaces only: its full occurrences, merged with the stripped form's (a line end
    // or the text end), without visiting every position.
    let full = text.indexOf(literal, from);
    let nl = text.indexOf('\n', from);
    for (;;) {
      const stripped = nl >= 0 ? nl : n;
      if (Math.min(stripped, full < 0 ? n : full) > to) break;
      if (full >= 0 && full < stripped) {
        add(out, full, full + literal.length, options, n);
        full = text.indexOf(literal, full + 1);
      } else {
        add(out, stripped, stripped, options, n);
        if (nl < 0) break;
        nl = text.indexOf('\n', nl + 1);
      }
    }
  } else {
    if (core === literal && !options.mustEnd) {
      // The common case: indexOf already matched the whole literal.
      for (let p = text.indexOf(core, from); p >= 0 && p <= to; p = text.indexOf(core, p + 1)) out.push(p, p + literal.length);
    } else {
      for (let p = text.indexOf(core, from); p >= 0 && p <= to; p = text.indexOf(core, p + 1)) consider(out, text, literal, core, p, options);
    }
  }
  if (options.flexEnd) {
    const tail = trimTrailing(literal);
    const p = n - tail.length;
    if (tail.length < literal.length && p >= from && p <= to && (only === undefined || only === p) && text.endsWith(tail)) {
      if (out.length === 0 || out.lastPos() <= p) add(out, p, n, options, n);
    }
  }
  return out;
}

function isSpaceOrLineEnd(code: number): boolean {
  return code === 32 || code === 9 || code === 10;
}

/** The literal without trailing spaces and line ends: every form of it at a position > 0 starts so. */
export function trimTrailing(literal: string): string {
  let k = literal.length;
  while (k > 0 && isSpaceOrLineEnd(literal.charCodeAt(k - 1))) k--;
  return literal.slice(0, k);
}

function add(out: OccurrenceBuilder, p: number, e: number, options: OccurrenceOptions, n: number): void {
  if (options.mustEnd && e !== n) return;
  if (out.length > 0 && out.lastPos() === p && out.lastEnd() === e) return;
  out.push(p, e);
}

/** Records the occurrence at `p` of the full literal, or of its core before a line end. */
function consider(out: OccurrenceBuilder, text: string, literal: string, core: string, p: number, options: OccurrenceOptions): void {
  if (text.startsWith(literal, p)) add(out, p, p + literal.length, options, text.length);
  else if (core.length < literal.length) {
    const e = p + core.length;
    if (e === text.length || text.charCodeAt(e) === 10) add(out, p, e, options, text.length);
  }
}
