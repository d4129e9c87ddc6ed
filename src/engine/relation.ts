/**
 * The one definition of which values a slot accepts, as the relation between where the value
 * starts (`e`, the end of the literal before it) and where it ends (`p`, the start of the literal
 * after it). Every part of the search (feasibility, counting, enumeration, explanation) asks
 * this module, so no constraint can be relaxed in one place and not in another.
 *
 * The relation is returned as intervals with a filter flag:
 * - `ends(e)`: the positions p a value starting at e may end at;
 * - `starts(p)`: the positions e a value ending at p may start at.
 * A flagged interval also requires, for a one-line value that is not empty, that it neither
 * starts nor ends with white space (`startOK(e)`, `endOK(p)`): the appliance renders values
 * trimmed, so spaces at a value's edge belong to the literal beside it. That is what makes the
 * double space of an empty value readable. The search falls back to `canonical: false` (edges
 * may be white space, the contract then trims them) only when no canonical reading exists.
 *
 * Typed slots (LSID, LSEQ, a value already fixed by another occurrence) look at most PAD_MAX
 * spaces and DIGITS_MAX digits around the value, so every call is bounded.
 */
import { lowerBound, lineStartBefore, nextLineEnd, type TextIndex } from './anchors.js';
import type { SlotRule } from './pattern.js';

/** Spaces allowed around a typed value (LSID, LSEQ, a repeated value). */
export const PAD_MAX = 64;
/** LSEQ digits looked at: beyond bigint already, small enough to bound the work. */
export const DIGITS_MAX = 40;
const LSID_LENGTH = 32;

/** A slot's rule at match time: its compiled rule, or a value it must repeat. */
export interface Constraint {
  readonly rule: SlotRule;
  readonly macroName: string;
  /** The literal `%NAME%` the appliance leaves when it does not render the macro. */
  readonly unrendered: string;
  /** Set when the macro's value is already known: a (folded) string, or null for empty/unrendered. */
  readonly fixed?: string | null;
}

/** Interval triples [lo, hi, flag] written by `ends`/`starts`; `count` numbers are valid. */
export class Intervals {
  readonly buf = new Float64Array(24);
  count = 0;

  add(lo: number, hi: number, flag: number): void {
    if (hi < lo) return;
    this.buf[this.count++] = lo;
    this.buf[this.count++] = hi;
    this.buf[this.count++] = flag;
  }
}

function isPad(code: number): boolean {
  return code === 32;
}
function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
function isHex(code: number): boolean {
  return isDigit(code) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

/** The slot relations of one pattern on one text. */
export class Relation {
  readonly text: string;
  /** Scratch output of ends/starts: owned by this search, never shared. */
  readonly out = new Intervals();

  constructor(
    readonly index: TextIndex,
    readonly constraints: readonly Constraint[],
    /** Per slot: spaces an empty value may lose between its two literals (whitespace.ts). */
    readonly overlaps: readonly number[],
    /** Whether non-empty one-line values must not start or end with white space. */
    readonly canonical: boolean,
  ) {
    this.text = index.text;
    this.lead = this.padForward(0);
  }

  /** Spaces at the text's start (bounded by PAD_MAX). */
  private readonly lead: number;

  /**
   * Whether a one-line value starting at e may be non-empty (it does not start with a space). At
   * the text's start it may: a template's leading white space is absorbed by its first value
   * (pattern.ts), since a mail whose first value is empty has lost it.
   */
  startOK(e: number): boolean {
    return !this.canonical || e === 0 || e >= this.text.length || !isPad(this.text.charCodeAt(e));
  }

  /** Whether a one-line value ending at p may be non-empty (it does not end with a space). */
  endOK(p: number): boolean {
    return !this.canonical || p <= 0 || !isPad(this.text.charCodeAt(p - 1));
  }

  /** Whether slot i's relation has flagged intervals (one-line free text in canonical mode). */
  filtered(i: number): boolean {
    const c = this.constraints[i]!;
    return this.canonical && c.fixed === undefined && c.rule === 'line';
  }

  /** Positions a value of slot i starting at e may end at, into `out`. */
  ends(i: number, e: number): Intervals {
    const out = this.out;
    out.count = 0;
    const c = this.constraints[i]!;
    const ov = this.overlaps[i]!;
    const n = this.text.length;
    if (c.fixed === undefined && c.rule === 'multi') {
      out.add(Math.max(0, e - ov), n, 0);
    } else if (c.fixed === undefined && c.rule === 'line') {
      out.add(Math.max(0, e - ov), e, 0);
      if (this.canonical) {
        // At the text's start, spaces alone are an empty value (the template's leading white
        // space, absorbed by its first value: pattern.ts).
        if (e === 0 && this.lead > 0) out.add(1, this.lead, 0);
        if (this.startOK(e)) out.add(e + 1, nextLineEnd(this.index, e), 1);
      } else {
        out.add(e + 1, nextLineEnd(this.index, e), 0);
      }
    } else {
      if (ov > 0 && (c.fixed === undefined || c.fixed === null)) out.add(Math.max(0, e - ov), e - 1, 0);
      this.typedEnds(c, e);
    }
    return out;
  }

  /** Positions a value of slot i ending at p may start at, into `out`. */
  starts(i: number, p: number): Intervals {
    const out = this.out;
    out.count = 0;
    const c = this.constraints[i]!;
    const ov = this.overlaps[i]!;
    if (c.fixed === undefined && c.rule === 'multi') {
      out.add(0, p + ov, 0);
    } else if (c.fixed === undefined && c.rule === 'line') {
      const lineStart = lineStartBefore(this.index, p);
      if (this.canonical) {
        if (p > 0 && p <= this.lead) out.add(0, 0, 0);
        if (this.endOK(p)) out.add(lineStart, p - 1, 1);
      } else {
        out.add(lineStart, p - 1, 0);
      }
      out.add(p, p + ov, 0);
    } else {
      this.typedStarts(c, p);
      if (ov > 0 && (c.fixed === undefined || c.fixed === null)) out.add(p + 1, p + ov, 0);
    }
    return out;
  }

  private padForward(from: number): number {
    const { text } = this;
    let x = from;
    while (x < text.length && x - from < PAD_MAX && isPad(text.charCodeAt(x))) x++;
    return x;
  }

  private padBackward(from: number): number {
    const { text } = this;
    let x = from;
    while (x > 0 && from - x < PAD_MAX && isPad(text.charCodeAt(x - 1))) x--;
    return x;
  }

  /**
   * End of `wanted` matched at `at`, or -1. A repeated value may have had its runs of spaces
   * collapsed by a relay in one place and not the other, so each space in it matches a run.
   */
  private matchForward(wanted: string, at: number): number {
    const { text } = this;
    if (!wanted.includes(' ')) return text.startsWith(wanted, at) ? at + wanted.length : -1;
    let x = at;
    for (let i = 0; i < wanted.length; i++) {
      const code = wanted.charCodeAt(i);
      if (code === 32) {
        if (x >= text.length || !isPad(text.charCodeAt(x))) return -1;
        x = this.padForward(x);
        while (i + 1 < wanted.length && wanted.charCodeAt(i + 1) === 32) i++;
      } else if (text.charCodeAt(x++) !== code) return -1;
    }
    return x;
  }

  /** Start of `wanted` matched so that it ends at `end`, or -1: the mirror of matchForward. */
  private matchBackward(wanted: string, end: number): number {
    const { text } = this;
    if (!wanted.includes(' ')) return end - wanted.length >= 0 && text.startsWith(wanted, end - wanted.length) ? end - wanted.length : -1;
    let x = end;
    for (let i = wanted.length - 1; i >= 0; i--) {
      const code = wanted.charCodeAt(i);
      if (code === 32) {
        if (x <= 0 || !isPad(text.charCodeAt(x - 1))) return -1;
        x = this.padBackward(x);
        while (i - 1 >= 0 && wanted.charCodeAt(i - 1) === 32) i--;
      } else if (x <= 0 || text.charCodeAt(--x) !== code) return -1;
    }
    return x;
  }

  private typedEnds(c: Constraint, e: number): void {
    const { text, out } = this;
    const a = this.padForward(e);
    if (c.fixed !== undefined) {
      if (c.fixed === null) out.add(e, a, 0);
      const e2 = this.matchForward(c.fixed === null ? c.unrendered : c.fixed, a);
      if (e2 >= 0) out.add(e2, this.padForward(e2), 0);
      return;
    }
    if (c.rule === 'lsid') {
      out.add(e, a, 0);
      let h = a;
      while (h < text.length && h - a < LSID_LENGTH && isHex(text.charCodeAt(h))) h++;
      if (h - a === LSID_LENGTH) out.add(h, this.padForward(h), 0);
    } else {
      let d = a;
      while (d < text.length && d - a < DIGITS_MAX && isDigit(text.charCodeAt(d))) d++;
      // Spaces only, or spaces and digits (a value may end inside a run of digits: the literal
      // after it may start with one), then spaces.
      out.add(e, d > a ? this.padForward(d) : a, 0);
    }
    if (text.startsWith(c.unrendered, a)) out.add(a + c.unrendered.length, this.padForward(a + c.unrendered.length), 0);
  }

  private typedStarts(c: Constraint, p: number): void {
    const { text, out } = this;
    const b = this.padBackward(p);
    if (c.fixed !== undefined) {
      const s2 = this.matchBackward(c.fixed === null ? c.unrendered : c.fixed, b);
      if (s2 >= 0) out.add(this.padBackward(s2), s2, 0);
      if (c.fixed === null) out.add(b, p, 0);
      return;
    }
    if (b >= c.unrendered.length && text.startsWith(c.unrendered, b - c.unrendered.length)) {
      const s = b - c.unrendered.length;
      out.add(this.padBackward(s), s, 0);
    }
    if (c.rule === 'lsid') {
      let h = b;
      while (h > 0 && b - h < LSID_LENGTH && isHex(text.charCodeAt(h - 1))) h--;
      if (b - h === LSID_LENGTH) out.add(this.padBackward(h), h, 0);
    } else {
      let d = b;
      while (d > 0 && b - d < DIGITS_MAX && isDigit(text.charCodeAt(d - 1))) d--;
      out.add(d < b ? this.padBackward(d) : b, p, 0);
      return;
    }
    out.add(b, p, 0);
  }
}

/** Whether any of the first `length` ascending `sorted` positions lies in [lo, hi]. */
export function anyIn(sorted: Int32Array, length: number, lo: number, hi: number): boolean {
  const k = lowerBound(sorted, lo, 0, length);
  return k < length && sorted[k]! <= hi;
}
