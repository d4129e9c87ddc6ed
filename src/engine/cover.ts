/**
 * Sweeps for the case where one side of a slot is small: the union of the relation's intervals
 * around the few occurrences of one side, swept once over the many of the other (relation.ts
 * defines the intervals; this only merges and walks them).
 */
import { OccurrenceBuilder, type Occurrences } from './anchors.js';
import type { Relation } from './relation.js';

/** Sorted, merged intervals [lo, hi], split by whether the filter of their side applies. */
export interface Cover {
  readonly plain: number[][];
  readonly flagged: number[][];
}

function merged(intervals: number[][]): number[][] {
  intervals.sort((a, b) => a[0]! - b[0]!);
  const out: number[][] = [];
  for (const [lo, hi] of intervals) {
    const last = out[out.length - 1];
    if (last && lo! <= last[1]! + 1) last[1] = Math.max(last[1]!, hi!);
    else out.push([lo!, hi!]);
  }
  return out;
}

/**
 * The union of slot i's intervals around the first `length` of `at`: where values ending there
 * may start (`starts`), or where values starting there may end (`ends`).
 */
export function covered(rel: Relation, i: number, side: 'starts' | 'ends', at: Int32Array, length: number): Cover {
  const plain: number[][] = [];
  const flagged: number[][] = [];
  for (let o = 0; o < length; o++) {
    const iv = side === 'starts' ? rel.starts(i, at[o]!) : rel.ends(i, at[o]!);
    for (let t = 0; t < iv.count; t += 3) (iv.buf[t + 2] ? flagged : plain).push([iv.buf[t]!, iv.buf[t + 1]!]);
  }
  return { plain: merged(plain), flagged: merged(flagged) };
}

/**
 * The occurrences whose `key` (their end or their position, ascending) lies in the cover: in a
 * flagged interval only when `filter` holds. One sweep, pointers only move forward.
 */
export function sweepWithin(occ: Occurrences, keys: Int32Array, within: Cover, filter: (x: number) => boolean): Occurrences {
  const kept = new OccurrenceBuilder();
  let a = 0;
  let b = 0;
  for (let o = 0; o < occ.length; o++) {
    const x = keys[o]!;
    while (a < within.plain.length && within.plain[a]![1]! < x) a++;
    while (b < within.flagged.length && within.flagged[b]![1]! < x) b++;
    const inPlain = a < within.plain.length && within.plain[a]![0]! <= x;
    const inFlagged = b < within.flagged.length && within.flagged[b]![0]! <= x && filter(x);
    if (inPlain || inFlagged) kept.push(occ.pos[o]!, occ.end[o]!);
  }
  return kept;
}
