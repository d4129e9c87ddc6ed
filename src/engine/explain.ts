/**
 * Explaining why a text does not fit a pattern: a forward walk finds the first literal that
 * cannot be placed after the ones before it, and says where matching stopped and why.
 */
import { OccurrenceBuilder, lineAndColumn, nextLineEnd, type Occurrences, type TextIndex } from './anchors.js';
import { covered, sweepWithin } from './cover.js';
import type { SplitFailure } from './extract.js';
import type { Pattern } from './pattern.js';
import { anyIn, type Constraint, type Relation } from './relation.js';

/**
 * The candidates (occurrences of literal i + 1) a value of slot i can reach from the ends in
 * `reached`, by the same relation the extraction uses.
 */
function forwardStep(rel: Relation, i: number, reached: Occurrences, candidates: Occurrences): Occurrences {
  if (reached.length * 4 < candidates.length) {
    // Few ends reached: where their values may end, swept once over the candidates.
    return sweepWithin(candidates, candidates.pos, covered(rel, i, 'ends', reached.end, reached.length), (p) => rel.endOK(p));
  }
  const kept = new OccurrenceBuilder();
  let reachedOK: Int32Array | undefined;
  if (rel.filtered(i)) {
    reachedOK = new Int32Array(reached.length);
    let k = 0;
    for (let r = 0; r < reached.length; r++) if (rel.startOK(reached.end[r]!)) reachedOK[k++] = reached.end[r]!;
    reachedOK = reachedOK.subarray(0, k);
  }
  for (let o = 0; o < candidates.length; o++) {
    const iv = rel.starts(i, candidates.pos[o]!);
    for (let t = 0; t < iv.count; t += 3) {
      const lo = iv.buf[t]!;
      const hi = iv.buf[t + 1]!;
      if (iv.buf[t + 2] ? anyIn(reachedOK!, reachedOK!.length, lo, hi) : anyIn(reached.end, reached.length, lo, hi)) {
        kept.push(candidates.pos[o]!, candidates.end[o]!);
        break;
      }
    }
  }
  return kept;
}

/**
 * After a one-line value, the literal that follows is looked for on the same line: when it starts
 * a new line, the next line is where text and template part.
 */
function lineEndAfterValue(index: TextIndex, c: Constraint, from: number): number {
  if (c.fixed !== undefined || c.rule === 'multi') return from;
  const end = nextLineEnd(index, from);
  return end < index.text.length ? end + 1 : from;
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
export function explainFailure(rel: Relation, pattern: Pattern, occ: readonly Occurrences[]): SplitFailure {
  const { index, constraints } = rel;
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
    const kept = forwardStep(rel, i, reached, occ[i + 1]!);
    if (kept.length === 0) {
      const from = reached.end[0]!;
      // A missing literal that starts a line points at the line that differs, not the one above.
      const literal = pattern.literals[i + 1]!;
      let at = from;
      for (let k = 0; k < literal.length && literal.charCodeAt(k) === 10 && index.text.charCodeAt(at) === 10; k++) at++;
      if (at === from && literal.charCodeAt(0) === 10) at = lineEndAfterValue(index, constraints[i]!, from);
      return fail(i + 1, at, progress, reason(index, constraints[i]!, literal, i + 1 === n, from));
    }
    reached = kept;
    progress += pattern.literals[i + 1]!.length;
  }
  // Unreachable: a forward chain to the anchored last literal is a complete split.
  return fail(n, index.text.length, progress, 'no complete split');
}
