/**
 * Explaining why a text does not fit a pattern: a forward walk finds the first literal that
 * cannot be placed after the ones before it, and says where matching stopped and why.
 */
import { OccurrenceBuilder, lineAndColumn, lineStartBefore, nextLineEnd, type Occurrences, type TextIndex } from './anchors.js';
import { INTERVALS, anyInIntervals, typedEnds, typedStarts, type Constraint } from './bounds.js';
import type { SplitFailure } from './extract.js';
import type { Pattern } from './pattern.js';

/**
 * The candidates (occurrences of the next literal) a value can reach from the ends in `reached`.
 * Iterates over whichever side is smaller, so a rare literal before a frequent one costs little.
 */
function forwardStep(index: TextIndex, c: Constraint, reached: Occurrences, candidates: Occurrences): Occurrences {
  const { text } = index;
  const kept = new OccurrenceBuilder();
  if (reached.length * 4 < candidates.length) {
    const intervals: [number, number][] = [];
    for (let r = 0; r < reached.length; r++) {
      const e = reached.end[r]!;
      let count = 2;
      if (c.fixed === undefined && c.rule === 'multi') {
        INTERVALS[0] = e;
        INTERVALS[1] = text.length;
      } else if (c.fixed === undefined && c.rule === 'line') {
        INTERVALS[0] = e;
        INTERVALS[1] = nextLineEnd(index, e);
      } else count = typedEnds(text, c, e);
      for (let t = 0; t < count; t += 2) intervals.push([INTERVALS[t]!, INTERVALS[t + 1]!]);
    }
    intervals.sort((a, b) => a[0] - b[0]);
    let t = 0;
    let reach = -1;
    for (let o = 0; o < candidates.length; o++) {
      const p = candidates.pos[o]!;
      while (t < intervals.length && intervals[t]![0] <= p) reach = Math.max(reach, intervals[t++]![1]);
      if (p <= reach) kept.push(p, candidates.end[o]!);
    }
    return kept;
  }
  for (let o = 0; o < candidates.length; o++) {
    const p = candidates.pos[o]!;
    let count = 2;
    if (c.fixed === undefined && c.rule === 'multi') {
      INTERVALS[0] = 0;
      INTERVALS[1] = p;
    } else if (c.fixed === undefined && c.rule === 'line') {
      INTERVALS[0] = lineStartBefore(index, p);
      INTERVALS[1] = p;
    } else count = typedStarts(text, c, p);
    if (anyInIntervals(reached.end, reached.length, count)) kept.push(p, candidates.end[o]!);
  }
  return kept;
}

function quote(literal: string): string {
  const shown = literal.length > 60 ? `${literal.slice(0, 57)}...` : literal;
  return JSON.stringify(shown);
}

/** Why the literal after slot `c` could not be placed from position `from`. */
function reason(index: TextIndex, c: Constraint, literal: string, last: boolean, from: number): string {
  const macro = `%${c.macroName}%`;
  const next = literal === '' ? -1 : index.text.indexOf(literal, from);
  if (c.fixed !== undefined && (literal === '' || next >= 0)) {
    return `${macro} must repeat the value already extracted (${JSON.stringify(c.fixed)})`;
  }
  if (last && literal === '') return `no value of ${macro} fits the rest of the text`;
  if (literal !== '' && next < 0) return `${quote(literal)} (after ${macro}) not found`;
  if (c.rule === 'line' && next > nextLineEnd(index, from)) {
    return `${quote(literal)} not found on the same line as the one-line value of ${macro}`;
  }
  if (last) return `the text after the value of ${macro} does not end with ${quote(literal)}`;
  if (c.rule === 'lsid' || c.rule === 'integer') {
    return `no valid ${c.rule === 'lsid' ? '32-hex-digit LSID' : 'number'} for ${macro} before ${quote(literal)}`;
  }
  return `${quote(literal)} (after ${macro}) not found where the rest of the template fits`;
}

/** Walks forward to find the first literal that cannot be placed, and says why. */
export function explainFailure(
  index: TextIndex,
  pattern: Pattern,
  occ: Occurrences[],
  constraints: readonly Constraint[],
): SplitFailure {
  const n = constraints.length;
  const fail = (i: number, position: number, progress: number, message: string): SplitFailure => ({
    ok: false,
    literalIndex: i,
    missingLiteral: pattern.literals[i]!,
    position,
    ...lineAndColumn(index, position),
    progress,
    message,
  });
  if (occ[0]!.length === 0) {
    const what = n === 0 ? 'does not equal the template text' : `does not start with ${quote(pattern.literals[0]!)}`;
    return fail(0, 0, 0, `the text ${what}`);
  }
  let reached = occ[0]!;
  let progress = pattern.literals[0]!.length;
  for (let i = 0; i < n; i++) {
    const kept = forwardStep(index, constraints[i]!, reached, occ[i + 1]!);
    if (kept.length === 0) {
      const from = reached.end[0]!;
      return fail(i + 1, from, progress, reason(index, constraints[i]!, pattern.literals[i + 1]!, i + 1 === n, from));
    }
    reached = kept;
    progress += pattern.literals[i + 1]!.length;
  }
  // Unreachable: a forward chain to the anchored last literal is a complete split.
  return fail(n, index.text.length, progress, 'no complete split');
}
