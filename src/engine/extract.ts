/**
 * The anchor search: splitting a text along a compiled pattern, in time linear in the text for a
 * fixed pattern (up to a log factor for typed slots) and without regular expressions.
 *
 * 1. Every literal's occurrences are found with `indexOf` (the first literal only at the start,
 *    the last only at the end): anchors.ts.
 * 2. A backward sweep keeps, for each literal, the occurrences from which the rest of the
 *    pattern can still be matched ("feasible"), by the slot relation of relation.ts.
 * 3. A forward pass counts the complete splits by dynamic programming over the feasible
 *    occurrences, saturating at AMBIGUITY_COUNT_LIMIT.
 * 4. Splits are enumerated in the order of the AMBIGUITY RULE: values in template order, each
 *    as long as the rest of the pattern allows (the literal after each value anchors at its LAST
 *    feasible occurrence; leftmost-longest, as a greedy `^L0(.*)L1(.*)...Ln$`). Why: the
 *    appliance prints each literal once, after the value; copies of it inside values are typed by
 *    people (a customer pasting the mail into the chat, a name like "Jane Roe (IT)" before ` (`).
 *    Every feasible occurrence completes, so enumerating k splits costs O(k * pattern).
 * When no split exists, explain.ts walks forward with the same relation to say where it stopped.
 */
import { NO_OCCURRENCES, OccurrenceBuilder, findOccurrences, lowerBound, trimTrailing, type OccurrenceOptions, type Occurrences, type TextIndex } from './anchors.js';
import { explainFailure } from './explain.js';
import type { Pattern } from './pattern.js';
import { covered, sweepWithin } from './cover.js';
import { Relation, anyIn, type Constraint } from './relation.js';
import { emptyOverlap, leadingSpaces, trimEndSpaces } from './whitespace.js';

/** Complete splits are counted up to this bound; beyond it the count is reported as capped. */
export const AMBIGUITY_COUNT_LIMIT = 100;

/** Where one split puts each value: slot i spans [starts[i], ends[i]) of the text (empty when equal). */
export interface SplitPositions {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** The feasible anchors of a pattern on a text: splits can be counted and enumerated. */
export interface Anchors {
  readonly ok: true;
  readonly relation: Relation;
  readonly feasible: readonly Occurrences[];
  /** Complete splits, at most AMBIGUITY_COUNT_LIMIT. */
  readonly count: number;
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

/** Per slot, the spaces an empty value may lose between its literals (whitespace.ts). */
function overlapsOf(pattern: Pattern): number[] {
  const { literals, trailingSpaces } = pattern;
  // An empty literal between two values is transparent: when both values are empty, the spaces
  // around them form one run, so look through it to the literal beyond.
  const trailing = (i: number): number => (i > 0 && literals[i] === '' ? trailing(i - 1) : trailingSpaces[i]!);
  const leading = (i: number): number => (i < literals.length - 1 && literals[i] === '' ? leading(i + 1) : leadingSpaces(literals[i]!));
  return pattern.slots.map((_, i) => emptyOverlap(trailing(i), leading(i + 1)));
}

/** Finds the feasible anchors of `pattern` in `index`, or explains why there are none. */
export function searchAnchors(
  index: TextIndex,
  pattern: Pattern,
  constraints: readonly Constraint[],
  canonical = true,
): Anchors | SplitFailure {
  const overlaps = overlapsOf(pattern);
  const relation = new Relation(index, constraints, overlaps, canonical);
  const occ = findAnchors(index, pattern, overlaps);
  if (occ[0]!.length === 0) return explainFailure(relation, pattern, occ);
  const feasible = backwardSweep(relation, occ);
  if (feasible[0]!.length === 0) return explainFailure(relation, pattern, occ);
  const count = countSplits(relation, feasible);
  return { ok: true, relation, feasible, count: Math.max(1, count), capped: count >= AMBIGUITY_COUNT_LIMIT };
}

/** Every literal's occurrences, bounded from both sides by where the others can be. */
function findAnchors(index: TextIndex, pattern: Pattern, overlaps: readonly number[]): Occurrences[] {
  const { text } = index;
  const { literals, trailingSpaces } = pattern;
  const n = pattern.slots.length;
  if (n === 0) {
    const whole = new OccurrenceBuilder();
    if (pattern.forms[0]!.includes(text)) whole.push(0, text.length);
    return [whole];
  }
  // Most templates tried on a mail fail here: check the anchored first literal before any scan.
  const first = findForms(text, pattern.forms[0]!, { flexStart: false, flexEnd: true, pad: trailingSpaces[0]!, only: 0 });
  if (first.length === 0) return [first, ...literals.slice(1).map(() => NO_OCCURRENCES)];
  // Literal i cannot start after the next literal's last possible start minus its own shortest
  // form (plus the spaces they may share): one lastIndexOf per literal bounds the forward scans.
  const upper = new Array<number>(n + 1);
  upper[n] = Math.max(0, text.length - Math.min(...pattern.forms[n]!.map((f) => f.length)));
  for (let i = n - 1; i >= 0; i--) {
    let last = -1;
    for (const form of pattern.forms[i]!) {
      const stem = trimTrailing(form);
      const bound = upper[i + 1]! - stem.length + overlaps[i]!;
      if (stem !== '' && bound >= 0) last = Math.max(last, text.lastIndexOf(stem, bound));
    }
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
    const flex = { flexStart: i > 0, startTrimmed: index.startTrimmed, flexEnd: i < n, pad: i < n ? trailingSpaces[i]! : 0, from, to: upper[i]! };
    let found: Occurrences;
    if (i === 0) found = findForms(text, pattern.forms[i]!, { ...flex, only: 0 });
    else if (i === n) found = findForms(text, pattern.forms[i]!, { ...flex, only: text.length - literal.length, mustEnd: true });
    else {
      const cached = reuse.get(`${trailingSpaces[i]}|${literal}`)!;
      cached.found ??= findForms(text, pattern.forms[i]!, { ...flex, to: cached.to });
      found = window(cached.found, from, upper[i]!);
    }
    occ.push(found);
    if (found.length === 0) {
      for (let k = i + 1; k <= n; k++) occ.push(NO_OCCURRENCES);
      break;
    }
    from = Math.max(0, found.end[0]! - (i < n ? overlaps[i]! : 0));
  }
  return occ;
}

/**
 * Occurrences of a literal in any of its collapsed forms (whitespace.ts), merged in ascending
 * order; for most literals, just the literal's.
 */
function findForms(text: string, forms: readonly string[], options: OccurrenceOptions): Occurrences {
  if (forms.length === 1) return findOccurrences(text, forms[0]!, options);
  const all: [number, number][] = [];
  for (const form of forms) {
    const pad = Math.min(options.pad, form.length - trimEndSpaces(form).length);
    const only = options.only !== undefined && options.mustEnd ? text.length - form.length : options.only;
    const found = findOccurrences(text, form, { ...options, pad, ...(only !== undefined ? { only } : {}) });
    for (let o = 0; o < found.length; o++) all.push([found.pos[o]!, found.end[o]!]);
  }
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = new OccurrenceBuilder();
  for (const [p, e] of all) if (out.length === 0 || out.lastPos() !== p || out.lastEnd() !== e) out.push(p, e);
  return out;
}

/** The occurrences starting within [from, to], as a view (no copy). */
function window(all: Occurrences, from: number, to: number): Occurrences {
  const a = lowerBound(all.pos, from, 0, all.length);
  const b = lowerBound(all.pos, to + 1, a, all.length);
  if (a === 0 && b === all.length) return all;
  return { pos: all.pos.subarray(a, b), end: all.end.subarray(a, b), length: b - a };
}

/** The positions of `occ` at which a flagged value may end (relation.endOK), ascending. */
function endOKPositions(rel: Relation, occ: Occurrences): Int32Array {
  const out = new Int32Array(occ.length);
  let k = 0;
  for (let o = 0; o < occ.length; o++) if (rel.endOK(occ.pos[o]!)) out[k++] = occ.pos[o]!;
  return out.subarray(0, k);
}

/** Whether a value of slot i starting at e reaches one of `next` (or, flagged, of `nextOK`). */
function reaches(rel: Relation, i: number, e: number, next: Occurrences, nextOK: Int32Array | undefined): boolean {
  const iv = rel.ends(i, e);
  for (let t = 0; t < iv.count; t += 3) {
    const lo = iv.buf[t]!;
    const hi = iv.buf[t + 1]!;
    if (iv.buf[t + 2] ? anyIn(nextOK!, nextOK!.length, lo, hi) : anyIn(next.pos, next.length, lo, hi)) return true;
  }
  return false;
}

/** Keeps, literal by literal from the end, the occurrences the rest of the pattern can follow. */
function backwardSweep(rel: Relation, occ: Occurrences[]): Occurrences[] {
  const n = rel.constraints.length;
  const feasible: Occurrences[] = new Array<Occurrences>(n + 1);
  feasible[n] = occ[n]!;
  for (let i = n - 1; i >= 0; i--) {
    const next = feasible[i + 1]!;
    const here = occ[i]!;
    if (next.length === 0) {
      // Nothing after can be matched, so nothing before can either.
      for (let k = i; k >= 0; k--) feasible[k] = NO_OCCURRENCES;
      return feasible;
    }
    const c = rel.constraints[i]!;
    if (c.fixed === undefined && c.rule === 'multi') {
      // Anything can follow: exactly the occurrences ending by the last successor, a prefix.
      const k = lowerBound(here.end, next.pos[next.length - 1]! + rel.overlaps[i]! + 1, 0, here.length);
      feasible[i] = k === here.length ? here : { pos: here.pos.subarray(0, k), end: here.end.subarray(0, k), length: k };
      continue;
    }
    if (next.length * 4 < here.length) {
      // Few successors: the ends that reach them, as intervals swept once over `here`.
      feasible[i] = sweepWithin(here, here.end, covered(rel, i, 'starts', next.pos, next.length), (e) => rel.startOK(e));
      continue;
    }
    const nextOK = rel.filtered(i) ? endOKPositions(rel, next) : undefined;
    const kept = new OccurrenceBuilder();
    for (let o = 0; o < here.length; o++) {
      if (reaches(rel, i, here.end[o]!, next, nextOK)) kept.push(here.pos[o]!, here.end[o]!);
    }
    feasible[i] = kept;
  }
  return feasible;
}

/** Counts complete splits through the feasible occurrences, saturating at the limit. */
function countSplits(rel: Relation, feasible: readonly Occurrences[]): number {
  const cap = AMBIGUITY_COUNT_LIMIT;
  let counts = new Float64Array(feasible[0]!.length).fill(1);
  for (let i = 0; i < rel.constraints.length; i++) {
    const prev = feasible[i]!;
    const next = feasible[i + 1]!;
    const c = rel.constraints[i]!;
    const out = new Float64Array(next.length);
    // prefix[k] = sum of the (capped) counts of the first k previous occurrences, exact in a double;
    // prefixOK the same over the occurrences a flagged (non-empty one-line) value may start at.
    const prefix = new Float64Array(prev.length + 1);
    for (let k = 0; k < prev.length; k++) prefix[k + 1] = prefix[k]! + Math.min(counts[k]!, cap);
    let prefixOK: Float64Array | undefined;
    if (rel.filtered(i)) {
      prefixOK = new Float64Array(prev.length + 1);
      for (let k = 0; k < prev.length; k++) prefixOK[k + 1] = prefixOK[k]! + (rel.startOK(prev.end[k]!) ? Math.min(counts[k]!, cap) : 0);
    }
    if (c.fixed === undefined && c.rule === 'multi') {
      // Every earlier end counts: a running pointer over ascending positions.
      let hi = 0;
      const ov = rel.overlaps[i]!;
      for (let o = 0; o < next.length; o++) {
        while (hi < prev.length && prev.end[hi]! <= next.pos[o]! + ov) hi++;
        out[o] = Math.min(prefix[hi]!, cap);
      }
    } else {
      for (let o = 0; o < next.length; o++) {
        const iv = rel.starts(i, next.pos[o]!);
        let sum = 0;
        for (let t = 0; t < iv.count; t += 3) {
          const a = lowerBound(prev.end, iv.buf[t]!, 0, prev.length);
          const b = lowerBound(prev.end, iv.buf[t + 1]! + 1, 0, prev.length);
          if (b > a) sum += iv.buf[t + 2] ? prefixOK![b]! - prefixOK![a]! : prefix[b]! - prefix[a]!;
        }
        out[o] = Math.min(sum, cap);
      }
    }
    counts = out;
  }
  let total = 0;
  for (const v of counts) total += v;
  return Math.min(total, cap);
}

/**
 * Calls `visit` with each complete split in the order of the ambiguity rule, until it returns
 * false or `limit` splits were visited.
 */
export function enumerateSplits(anchors: Anchors, limit: number, visit: (split: SplitPositions) => boolean): void {
  const rel = anchors.relation;
  const { feasible } = anchors;
  const n = rel.constraints.length;
  const starts = new Array<number>(n);
  const ends = new Array<number>(n);
  let visited = 0;
  const walk = (i: number, k: number): boolean => {
    if (i === n) {
      visited++;
      return visit({ starts, ends }) && visited < limit;
    }
    const e = feasible[i]!.end[k]!;
    const next = feasible[i + 1]!;
    // The successors of e, latest first, without listing them (there may be millions): the
    // relation's disjoint intervals are copied out of its scratch buffer, latest first.
    const iv = rel.ends(i, e);
    const intervals: number[][] = [];
    for (let t = 0; t < iv.count; t += 3) intervals.push([iv.buf[t]!, iv.buf[t + 1]!, iv.buf[t + 2]!]);
    intervals.sort((x, y) => y[0]! - x[0]!);
    for (const [lo, hi, flagged] of intervals) {
      const a = lowerBound(next.pos, lo!, 0, next.length);
      for (let j = lowerBound(next.pos, hi! + 1, a, next.length) - 1; j >= a; j--) {
        const p = next.pos[j]!;
        if (flagged && !rel.endOK(p)) continue;
        starts[i] = Math.min(e, p);
        ends[i] = p;
        if (!walk(i + 1, j)) return false;
      }
    }
    return true;
  };
  // The first value longest: it starts at the earliest end of the first literal.
  for (let k = 0; k < feasible[0]!.length; k++) if (!walk(0, k)) return;
}

/** Whether `pattern` fits `index` at all (for lint's overlap check). */
export function fits(index: TextIndex, pattern: Pattern, constraints: readonly Constraint[]): boolean {
  return searchAnchors(index, pattern, constraints).ok || searchAnchors(index, pattern, constraints, false).ok;
}
