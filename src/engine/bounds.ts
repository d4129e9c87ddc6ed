/**
 * Which values a slot accepts, expressed as the positions where a value starting (or ending) at
 * a given point may end (or start). Typed slots (LSID, LSEQ, a value pinned by an earlier
 * occurrence) look at most PAD_MAX spaces and DIGITS_MAX digits around the value, so each call
 * is bounded and the sweeps in extract.ts stay linear.
 */
import { lowerBound } from './anchors.js';
import type { SlotRule } from './pattern.js';

/** Spaces or tabs allowed around a typed value (LSID, LSEQ, a repeated value). */
export const PAD_MAX = 64;
/** Longest LSEQ accepted: far beyond any real sequence number, small enough to bound work. */
export const DIGITS_MAX = 40;
const LSID_LENGTH = 32;

/** A slot's rule at match time: its compiled rule, or a value it must repeat. */
export interface Constraint {
  readonly rule: SlotRule;
  readonly macroName: string;
  /** The literal `%NAME%` the appliance leaves when it does not render the macro. */
  readonly unrendered: string;
  /** Set when the macro's value is already known: a string, or null for empty/unrendered. */
  readonly fixed?: string | null;
}

/**
 * Output of typedEnds/typedStarts: inclusive intervals [lo0, hi0, lo1, hi1, ...], ascending.
 * A shared scratch buffer rather than a fresh array: these run once per literal occurrence.
 */
export const INTERVALS = new Float64Array(8);

function isPad(code: number): boolean {
  return code === 32 || code === 9;
}
function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
function isHex(code: number): boolean {
  return isDigit(code) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}
function padForward(text: string, from: number): number {
  let x = from;
  while (x < text.length && x - from < PAD_MAX && isPad(text.charCodeAt(x))) x++;
  return x;
}
function padBackward(text: string, from: number): number {
  let x = from;
  while (x > 0 && from - x < PAD_MAX && isPad(text.charCodeAt(x - 1))) x--;
  return x;
}
/**
 * End of `wanted` matched at `at`, or -1. A value pinned from the subject had its runs of spaces
 * collapsed there, so each space in it matches a run of spaces or tabs (bounded by PAD_MAX).
 */
function matchForward(text: string, wanted: string, at: number): number {
  if (!wanted.includes(' ')) return text.startsWith(wanted, at) ? at + wanted.length : -1;
  let x = at;
  for (let i = 0; i < wanted.length; i++) {
    const code = wanted.charCodeAt(i);
    if (code === 32) {
      if (x >= text.length || !isPad(text.charCodeAt(x))) return -1;
      x = padForward(text, x);
    } else if (text.charCodeAt(x++) !== code) return -1;
  }
  return x;
}

/** Start of `wanted` matched so that it ends at `end`, or -1: the mirror of matchForward. */
function matchBackward(text: string, wanted: string, end: number): number {
  if (!wanted.includes(' ')) return endsWithAt(text, wanted, end) ? end - wanted.length : -1;
  let x = end;
  for (let i = wanted.length - 1; i >= 0; i--) {
    const code = wanted.charCodeAt(i);
    if (code === 32) {
      if (x <= 0 || !isPad(text.charCodeAt(x - 1))) return -1;
      x = padBackward(text, x);
    } else if (x <= 0 || text.charCodeAt(--x) !== code) return -1;
  }
  return x;
}

function endsWithAt(text: string, s: string, end: number): boolean {
  return end - s.length >= 0 && text.startsWith(s, end - s.length);
}

/**
 * Ends allowed for a value of a typed constraint (lsid, integer, or any fixed one) that starts
 * at `e`, written to INTERVALS; returns how many numbers were written.
 */
export function typedEnds(text: string, c: Constraint, e: number): number {
  const a = padForward(text, e);
  let k = 0;
  if (c.fixed !== undefined) {
    const wanted = c.fixed === null ? c.unrendered : c.fixed;
    if (c.fixed === null) {
      INTERVALS[k++] = e;
      INTERVALS[k++] = a;
    }
    const e2 = matchForward(text, wanted, a);
    if (e2 >= 0) {
      INTERVALS[k++] = e2;
      INTERVALS[k++] = padForward(text, e2);
    }
    return k;
  }
  INTERVALS[k++] = e;
  INTERVALS[k++] = a;
  if (c.rule === 'lsid') {
    let h = a;
    while (h < text.length && h - a < LSID_LENGTH && isHex(text.charCodeAt(h))) h++;
    if (h - a === LSID_LENGTH) {
      INTERVALS[k++] = h;
      INTERVALS[k++] = padForward(text, h);
    }
  } else {
    let d = a;
    while (d < text.length && d - a < DIGITS_MAX && isDigit(text.charCodeAt(d))) d++;
    if (d > a) INTERVALS[1] = padForward(text, d);
  }
  if (text.startsWith(c.unrendered, a)) {
    INTERVALS[k++] = a + c.unrendered.length;
    INTERVALS[k++] = padForward(text, a + c.unrendered.length);
  }
  return k;
}

/** Starts allowed for a value of a typed constraint that ends at `p`: the mirror of typedEnds. */
export function typedStarts(text: string, c: Constraint, p: number): number {
  const b = padBackward(text, p);
  let k = 0;
  if (c.fixed !== undefined) {
    const wanted = c.fixed === null ? c.unrendered : c.fixed;
    const s2 = matchBackward(text, wanted, b);
    if (s2 >= 0) {
      INTERVALS[k++] = padBackward(text, s2);
      INTERVALS[k++] = s2;
    }
    if (c.fixed === null) {
      INTERVALS[k++] = b;
      INTERVALS[k++] = p;
    }
    return k;
  }
  if (endsWithAt(text, c.unrendered, b)) {
    INTERVALS[k++] = padBackward(text, b - c.unrendered.length);
    INTERVALS[k++] = b - c.unrendered.length;
  }
  if (c.rule === 'lsid') {
    let h = b;
    while (h > 0 && b - h < LSID_LENGTH && isHex(text.charCodeAt(h - 1))) h--;
    if (b - h === LSID_LENGTH) {
      INTERVALS[k++] = padBackward(text, h);
      INTERVALS[k++] = h;
    }
    INTERVALS[k++] = b;
    INTERVALS[k++] = p;
  } else {
    let d = b;
    while (d > 0 && b - d < DIGITS_MAX && isDigit(text.charCodeAt(d - 1))) d--;
    INTERVALS[k++] = d < b ? padBackward(text, d) : b;
    INTERVALS[k++] = p;
  }
  return k;
}

/** Whether any of the first `length` of the ascending `sorted` lies in the first `count / 2` INTERVALS. */
export function anyInIntervals(sorted: Int32Array, length: number, count: number): boolean {
  for (let t = 0; t < count; t += 2) {
    const k = lowerBound(sorted, INTERVALS[t]!, 0, length);
    if (k < length && sorted[k]! <= INTERVALS[t + 1]!) return true;
  }
  return false;
}
