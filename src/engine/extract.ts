/**
 * Splitting a normalised text along a compiled pattern, in time linear in the text for a fixed
 * pattern and without regular expressions.
 *
 * 1. Every literal's occurrences are found with `indexOf` (the first literal only at the start,
 *    the last only at the end).
 * 2. A backward sweep keeps, for each literal, the occurrences from which the rest of the
 *    pattern can still be matched ("feasible"): a value between two literals must satisfy its
 *    slot's rule (one-line values contain no line end, LSIDs are 32 hex digits, ...).
 * 3. A forward sweep counts the complete splits, saturating at AMBIGUITY_COUNT_LIMIT.
 * 4. The split returned follows the AMBIGUITY RULE: values are taken in template order and each
 *    is made as long as the rest of the pattern allows (leftmost-longest, the split a greedy
 *    `^L0(.*)L1(.*)...Ln$` would give). Equivalently, the literal after each value anchors at its
 *    LAST feasible occurrence. Why: the appliance prints each template literal once, after the
 *    value; copies of it inside values are typed by people (a customer pasting the mail into the
 *    chat, a name like "Jane Roe (IT)" before a ` (` literal). The last feasible occurrence is the
 *    real one unless a later value also contains the literal, which the lint warns about.
 *
 * Each sweep visits every occurrence once with monotone pointers (binary search only for typed
 * slots, whose candidate sets are bounded), so the cost is O(text + occurrences).
 */
import {
  NO_OCCURRENCES,
  OccurrenceBuilder,
  findOccurrences,
  lineStartBefore,
  lowerBound,
  nextLineEnd,
  trimTrailing,
  type Occurrences,
  type TextIndex,
} from './anchors.js';
import { INTERVALS, anyInIntervals, typedEnds, typedStarts, type Constraint } from './bounds.js';
import { explainFailure } from './explain.js';
import type { Pattern } from './pattern.js';

/** Complete splits are counted up to this bound; beyond it the count is reported as capped. */
export const AMBIGUITY_COUNT_LIMIT = 100;

/** A successful split: one raw value per slot (not yet normalised). */
export interface Split {
  readonly ok: true;
  readonly raw: string[];
  /** Number of complete splits, at most AMBIGUITY_COUNT_LIMIT. */
  readonly alternatives: number;
  /** True when the count reached AMBIGUITY_COUNT_LIMIT (there may be more). */
  readonly capped: boolean;
}

/** Why a text does not fit a pattern. */
export interface SplitFailure {
  readonly ok: false;
  /** Index of the literal that could not be placed. */
  readonly literalIndex: number;
  readonly missingLiteral: string;
  /** Where matching stopped: the earliest position the missing literal was looked for from. */
  readonly position: number;
  readonly line: number;
  readonly column: number;
  /** Characters of literal text placed before failing (to pick the nearest template). */
  readonly progress: number;
  readonly message: string;
}

/**
 * Splits `index.text` along `pattern`; `constraints[i]` bounds the value of slot i. `prefer`
 * selects the documented rule (`longest`, the default) or its mirror (`shortest`: each value as
 * short as possible), which the matcher only uses to find candidates for repeated macros.
 */
export function splitText(
  index: TextIndex,
  pattern: Pattern,
  constraints: readonly Constraint[],
  prefer: 'longest' | 'shortest' = 'longest',
): Split | SplitFailure {
  const { text } = index;
  const { literals, trailingSpaces } = pattern;
  const n = constraints.length;
  // A literal cannot start before the previous literal's earliest occurrence ends: searching
  // from there keeps the scans short when the literals are spread over the text.
  // Symmetrically, literal i cannot start after the next literal's last possible start minus
  // its own shortest form: one lastIndexOf per literal, from the end, bounds the forward scans.
  if (n > 0 && literals[0] !== '') {
    // Most templates tried on a mail fail here: check the anchored first literal before any scan.
    const first = findOccurrences(text, literals[0]!, { flexStart: false, flexEnd: true, pad: trailingSpaces[0]!, only: 0 });
    if (first.length === 0) return explainFailure(index, pattern, [first], constraints);
  }
  const upper = new Array<number>(n + 1);
  upper[n] = Math.max(0, text.length - literals[n]!.length);
  for (let i = n - 1; i >= 0; i--) {
    const stem = trimTrailing(literals[i]!);
    const bound = upper[i + 1]! - stem.length;
    const last = stem === '' || bound < 0 ? -1 : text.lastIndexOf(stem, bound);
    // Not found: the mail will not match; keep the looser bound so the explanation still walks
    // forward to the literal that is really missing.
    upper[i] = last >= 0 ? last : upper[i + 1]!;
  }
  // A literal used several times (a repeated heading) is searched once, up to its last use's bound.
  const reuse = new Map<string, { to: number; found?: Occurrences }>();
  for (let i = 1; i < n; i++) {
    const key = `${trailingSpaces[i]}|${literals[i]}`;
    reuse.set(key, { to: Math.max(reuse.get(key)?.to ?? 0, upper[i]!) });
  }
  const occ: Occurrences[] = [];
  let from = 0;
  for (let i = 0; i <= n; i++) {
    const literal = literals[i]!;
    let found: Occurrences;
    if (n === 0) {
      const whole = new OccurrenceBuilder();
      if (text === literal) whole.push(0, text.length);
      found = whole;
    } else {
      const flex = { flexStart: i > 0, flexEnd: i < n, pad: i < n ? trailingSpaces[i]! : 0, from, to: upper[i]! };
      if (i === 0) found = findOccurrences(text, literal, { ...flex, only: 0 });
      else if (i === n) found = findOccurrences(text, literal, { ...flex, only: text.length - literal.length, mustEnd: true });
      else {
        const cached = reuse.get(`${trailingSpaces[i]}|${literal}`)!;
        cached.found ??= findOccurrences(text, literal, { ...flex, to: cached.to });
        found = window(cached.found, from, upper[i]!);
      }
    }
    occ.push(found);
    if (found.length === 0) {
      for (let k = i + 1; k <= n; k++) occ.push(NO_OCCURRENCES);
      break;
    }
    from = found.end[0]!;
  }
  const feasible = backwardSweep(index, occ, constraints);
  if (feasible[0]!.length === 0) return explainFailure(index, pattern, occ, constraints);
  const counted = countSplits(index, feasible, constraints);
  const raw: string[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    const e = feasible[i]!.end[k]!;
    const next = feasible[i + 1]!;
    k = allowedEnd(index, constraints[i]!, e, next, prefer);
    raw.push(text.slice(e, next.pos[k]!));
  }
  return { ok: true, raw, alternatives: Math.max(1, counted), capped: counted >= AMBIGUITY_COUNT_LIMIT };
}

/** The occurrences starting within [from, to], as a view (no copy). */
function window(all: Occurrences, from: number, to: number): Occurrences {
  const a = lowerBound(all.pos, from, 0, all.length);
  const b = lowerBound(all.pos, to + 1, a, all.length);
  if (a === 0 && b === all.length) return all;
  return { pos: all.pos.subarray(a, b), end: all.end.subarray(a, b), length: b - a };
}

/** Keeps, literal by literal from the end, the occurrences the rest of the pattern can follow. */
function backwardSweep(index: TextIndex, occ: Occurrences[], constraints: readonly Constraint[]): Occurrences[] {
  const { text } = index;
  const n = constraints.length;
  const feasible: Occurrences[] = new Array<Occurrences>(n + 1);
  feasible[n] = occ[n]!;
  for (let i = n - 1; i >= 0; i--) {
    const next = feasible[i + 1]!.pos;
    const nextLength = feasible[i + 1]!.length;
    const here = occ[i]!;
    const kept = new OccurrenceBuilder();
    const c = constraints[i]!;
    const typed = c.fixed !== undefined || (c.rule !== 'line' && c.rule !== 'multi');
    if (nextLength === 0) {
      // Nothing after can be matched, so nothing before can either.
      for (let k = i; k >= 0; k--) feasible[k] = NO_OCCURRENCES;
      return feasible;
    }
    const lastNext = next[nextLength - 1]!;
    if (c.fixed === undefined && c.rule === 'multi') {
      // Anything can follow: exactly the occurrences ending by the last successor, a prefix.
      const k = lowerBound(here.end, lastNext + 1, 0, here.length);
      feasible[i] = k === here.length ? here : { pos: here.pos.subarray(0, k), end: here.end.subarray(0, k), length: k };
      continue;
    }
    if (nextLength * 4 < here.length) {
      feasible[i] = keepEndingIn(index, c, here, feasible[i + 1]!);
      continue;
    }
    // Occurrence ends ascend, so both pointers only move forward.
    let j = 0;
    let nl = 0;
    for (let o = 0; o < here.length; o++) {
      const e = here.end[o]!;
      let ok: boolean;
      if (typed) {
        ok = anyInIntervals(next, nextLength, typedEnds(text, c, e));
      } else if (c.rule === 'multi') {
        ok = e <= lastNext;
      } else {
        const newlines = index.newlines;
        while (j < nextLength && next[j]! < e) j++;
        while (nl < newlines.length && newlines[nl]! < e) nl++;
        const lineEnd = nl < newlines.length ? newlines[nl]! : text.length;
        ok = j < nextLength && next[j]! <= lineEnd;
      }
      if (ok) kept.push(here.pos[o]!, e);
    }
    feasible[i] = kept;
  }
  return feasible;
}

/**
 * The occurrences in `here` from whose end a value can reach one of the (few) occurrences in
 * `next`: the union of the starts allowed before each of them, swept once over `here`.
 */
function keepEndingIn(index: TextIndex, c: Constraint, here: Occurrences, next: Occurrences): Occurrences {
  const intervals: [number, number][] = [];
  for (let o = 0; o < next.length; o++) {
    const p = next.pos[o]!;
    let count = 2;
    if (c.fixed === undefined && c.rule === 'line') {
      INTERVALS[0] = lineStartBefore(index, p);
      INTERVALS[1] = p;
    } else count = typedStarts(index.text, c, p);
    for (let t = 0; t < count; t += 2) intervals.push([INTERVALS[t]!, INTERVALS[t + 1]!]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  const kept = new OccurrenceBuilder();
  let t = 0;
  let reach = -1;
  for (let o = 0; o < here.length; o++) {
    const e = here.end[o]!;
    while (t < intervals.length && intervals[t]![0] <= e) reach = Math.max(reach, intervals[t++]![1]);
    if (e <= reach) kept.push(here.pos[o]!, e);
  }
  return kept;
}

/** Index in `next` of the latest (or earliest) position a value starting at `e` may end at. */
function allowedEnd(index: TextIndex, c: Constraint, e: number, nextOcc: Occurrences, prefer: 'longest' | 'shortest'): number {
  const next = nextOcc.pos;
  const length = nextOcc.length;
  let count = 2;
  if (c.fixed === undefined && c.rule === 'multi') {
    INTERVALS[0] = e;
    INTERVALS[1] = index.text.length;
  } else if (c.fixed === undefined && c.rule === 'line') {
    INTERVALS[0] = e;
    INTERVALS[1] = nextLineEnd(index, e);
  } else count = typedEnds(index.text, c, e);
  if (prefer === 'longest') {
    for (let t = count - 2; t >= 0; t -= 2) {
      const k = lowerBound(next, INTERVALS[t + 1]! + 1, 0, length) - 1;
      if (k >= 0 && next[k]! >= INTERVALS[t]!) return k;
    }
  } else {
    for (let t = 0; t < count; t += 2) {
      const k = lowerBound(next, INTERVALS[t]!, 0, length);
      if (k < length && next[k]! <= INTERVALS[t + 1]!) return k;
    }
  }
  // Unreachable when `e` is feasible; fail loudly rather than return a wrong split.
  throw new Error('extract: feasible occurrence without a successor');
}

/** Counts complete splits through the feasible occurrences, saturating at the limit. */
function countSplits(index: TextIndex, feasible: Occurrences[], constraints: readonly Constraint[]): number {
  const cap = AMBIGUITY_COUNT_LIMIT;
  const { text } = index;
  let counts = new Float64Array(feasible[0]!.length).fill(1);
  for (let i = 0; i < constraints.length; i++) {
    const prevEnds = feasible[i]!.end;
    const prevLength = feasible[i]!.length;
    const c = constraints[i]!;
    const nextPos = feasible[i + 1]!.pos;
    const nextLength = feasible[i + 1]!.length;
    const next = new Float64Array(nextLength);
    if (c.fixed === undefined && c.rule === 'multi') {
      // Every earlier end counts: a running sum, which once saturated stays saturated.
      let hi = 0;
      let acc = 0;
      let o = 0;
      for (; o < nextLength && acc < cap; o++) {
        while (hi < prevLength && prevEnds[hi]! <= nextPos[o]!) acc += Math.min(counts[hi++]!, cap);
        next[o] = Math.min(acc, cap);
      }
      next.fill(cap, o);
      counts = next;
      continue;
    }
    // prefix[k] = sum of counts of the first k previous occurrences; values are capped before
    // summing so the sums stay exact in a double.
    const prefix = new Float64Array(prevLength + 1);
    for (let k = 0; k < prevLength; k++) prefix[k + 1] = prefix[k]! + Math.min(counts[k]!, cap);
    const typed = c.fixed !== undefined || c.rule !== 'line';
    // Positions ascend, so the window [line start or 0, p] of previous ends only moves forward.
    let lo = 0;
    let hi = 0;
    let nl = 0;
    for (let o = 0; o < nextLength; o++) {
      const p = nextPos[o]!;
      let sum = 0;
      if (typed) {
        const count = typedStarts(text, c, p);
        for (let t = 0; t < count; t += 2) {
          const a = lowerBound(prevEnds, INTERVALS[t]!, 0, prevLength);
          const b = lowerBound(prevEnds, INTERVALS[t + 1]! + 1, 0, prevLength);
          if (b > a) sum += prefix[b]! - prefix[a]!;
        }
      } else {
        while (hi < prevLength && prevEnds[hi]! <= p) hi++;
        if (c.rule === 'line') {
          const newlines = index.newlines;
          while (nl < newlines.length && newlines[nl]! < p) nl++;
          const lineStart = nl > 0 ? newlines[nl - 1]! + 1 : 0;
          while (lo < prevLength && prevEnds[lo]! < lineStart) lo++;
        }
        sum = hi > lo ? prefix[hi]! - prefix[lo]! : 0;
      }
      next[o] = Math.min(sum, cap);
    }
    counts = next;
  }
  let total = 0;
  for (const v of counts) total += v;
  return Math.min(total, cap);
}
