/**
 * Readings of a mail: assignments of a span of the mail's text to every macro occurrence such
 * that the literals match (whitespace.ts), each value obeys its slot (relation.ts), a macro used
 * twice has one value, and typed values parse and fit their column. Subject and body are read
 * jointly: every reading of the subject is carried into the body, so the body settles what the
 * subject alone cannot, and the readings that satisfy everything are counted.
 */
import { lineAndColumn, type TextIndex } from './anchors.js';
import { AMBIGUITY_COUNT_LIMIT, enumerateSplits, searchAnchors, type Anchors, type SplitFailure } from './extract.js';
import type { Pattern } from './pattern.js';
import type { Constraint } from './relation.js';
import { fitsMacro } from './values.js';
import { fold, squashSpaces, valueExtent } from './whitespace.js';

/** Where one value lies in the mail text the engine matched (UTF-16 offsets). */
export interface ValueSpan {
  readonly macro: string;
  readonly part: 'subject' | 'body';
  readonly start: number;
  readonly end: number;
}

/** One reading: every macro's value (null: empty or unrendered) and where each occurrence lies. */
export interface Reading {
  readonly values: ReadonlyMap<string, string | null>;
  readonly spans: readonly ValueSpan[];
}

/** The readings of one part, or of subject and body together. */
export interface Readings {
  readonly ok: true;
  /** Distinct readings in the order of the ambiguity rule (at most AMBIGUITY_COUNT_LIMIT). */
  readonly list: readonly Reading[];
  /** True when there may be more readings than listed. */
  readonly capped: boolean;
}

/** How many body searches one subject may fan out to (one per distinct value of the shared macros). */
const BODY_SEARCHES_MAX = 16;

function constraintsFor(pattern: Pattern, pins: ReadonlyMap<string, string | null>): Constraint[] {
  return pattern.slots.map((s) => {
    const base = { rule: s.rule, macroName: s.macro.name, unrendered: `%${s.macro.name}%` };
    if (!pins.has(s.macro.name)) return base;
    const pinned = pins.get(s.macro.name)!;
    return { ...base, fixed: pinned === null ? null : fold(pinned) };
  });
}

/** A cheap summary of a value: equal values have equal signatures (long chats are not hashed whole). */
function signature(values: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [k, v] of values) out += `${k}=${v === null ? '\u0000' : v.length <= 64 ? v : `${v.length}:${v.slice(0, 32)}${v.slice(-32)}`}\u0001`;
  return out;
}

function sameValues(a: ReadonlyMap<string, string | null>, b: ReadonlyMap<string, string | null>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** Distinct readings in arrival order (two splits that give the same values are one reading). */
class ReadingSet {
  readonly list: Reading[] = [];
  private readonly bySignature = new Map<string, Reading[]>();

  add(reading: Reading): void {
    const key = signature(reading.values);
    const alike = this.bySignature.get(key);
    if (alike?.some((r) => sameValues(r.values, reading.values))) return;
    if (alike) alike.push(reading);
    else this.bySignature.set(key, [reading]);
    this.list.push(reading);
  }
}

/** The readings of one part with the macros in `pins` fixed; the failure says why there are none. */
function readPart(
  pattern: Pattern,
  index: TextIndex,
  part: 'subject' | 'body',
  pins: ReadonlyMap<string, string | null>,
): Readings | SplitFailure {
  const constraints = constraintsFor(pattern, pins);
  // Values are rendered trimmed; only when no such reading exists may they carry edge spaces.
  let failure: SplitFailure | undefined;
  for (const canonical of [true, false]) {
    const anchors = searchAnchors(index, pattern, constraints, canonical);
    if (!anchors.ok) {
      if (!failure || anchors.progress > failure.progress) failure = anchors;
      continue;
    }
    const found = enumerate(anchors, pattern, index, part, pins);
    if (found.ok) return found;
    // Splits exist but none is consistent within the AMBIGUITY_COUNT_LIMIT enumerated: when there
    // may be more, pin each repeated macro to the values seen and search again.
    if (anchors.capped && found.repeated.length > 0) {
      const list: Reading[] = [];
      for (const candidate of found.repeated) {
        const r = readPart(pattern, index, part, new Map([...pins, ...candidate]));
        if (r.ok) list.push(...r.list);
      }
      if (list.length > 0) return { ok: true, list: list.slice(0, AMBIGUITY_COUNT_LIMIT), capped: true };
    }
    const position = anchors.feasible[0]!.end[0] ?? 0;
    failure = {
      ok: false, literalIndex: 0, missingLiteral: '', position, ...lineAndColumn(index, position), progress: pattern.literalLength,
      message: found.rejected ?? 'no split gives a macro used twice the same value',
    };
  }
  return failure!;
}

/** Readings listed when there are more than AMBIGUITY_COUNT_LIMIT splits. */
const CAPPED_READINGS = 16;

/** Repeated-macro candidates tried when enumeration alone finds no consistent split. */
const REPEATED_CANDIDATES_MAX = 8;

/** The distinct, consistent readings among the first splits, in rule order. */
function enumerate(
  anchors: Anchors,
  pattern: Pattern,
  index: TextIndex,
  part: 'subject' | 'body',
  pins: ReadonlyMap<string, string | null>,
): Readings | { ok: false; rejected?: string; repeated: Map<string, string | null>[] } {
  const readings = new ReadingSet();
  const repeated = new Map<string, Map<string, string | null>>();
  let rejected: string | undefined;
  // Past the bound the mail is ambiguous whatever the rest hold: a few readings are enough to
  // choose by the rule and to show.
  enumerateSplits(anchors, anchors.capped ? CAPPED_READINGS : AMBIGUITY_COUNT_LIMIT, ({ starts, ends }) => {
    const values = new Map<string, string | null>(pins);
    const spans: ValueSpan[] = [];
    for (let i = 0; i < pattern.slots.length; i++) {
      const macro = pattern.slots[i]!.macro;
      const raw = ends[i]! > starts[i]! ? index.original.slice(starts[i], ends[i]) : '';
      const [a, b] = valueExtent(raw, macro.multiline);
      const canonical = raw.slice(a, b);
      const value = canonical === '' || canonical === `%${macro.name}%` ? null : canonical;
      if (values.has(macro.name) && !pins.has(macro.name)) {
        const before = values.get(macro.name)!;
        // A macro used twice in one part: one value (up to runs of spaces), or no reading.
        if ((before === null) !== (value === null) || (value !== null && squashSpaces(before!) !== squashSpaces(value))) {
          for (const v of [value, before]) {
            if (repeated.size < REPEATED_CANDIDATES_MAX) repeated.set(`${macro.name}=${v}`, new Map([[macro.name, v]]));
          }
          return true;
        }
      }
      // A typed value that must parse (LSEQ digits) and does not fit its column is no reading.
      if (macro.kind === 'integer' && value !== null && !fitsMacro(macro, value)) {
        rejected = `%LSEQ% ${value} does not fit a bigint`;
        return true;
      }
      values.set(macro.name, value);
      spans.push({ macro: macro.name, part, start: starts[i]! + a, end: starts[i]! + b });
    }
    readings.add({ values, spans });
    return true;
  });
  if (readings.list.length === 0) return { ok: false, ...(rejected ? { rejected } : {}), repeated: [...repeated.values()] };
  return { ok: true, list: readings.list, capped: anchors.capped };
}

/**
 * Reads subject and body together: each subject reading pins the macros the body shares with it.
 * A failure names the part it happened in.
 */
export function readMail(
  subject: { pattern: Pattern; index: TextIndex } | undefined,
  body: { pattern: Pattern; index: TextIndex },
): Readings | { ok: false; part: 'subject' | 'body'; failure: SplitFailure } {
  if (!subject) {
    const r = readPart(body.pattern, body.index, 'body', new Map());
    return r.ok ? r : { ok: false, part: 'body', failure: r };
  }
  const head = readPart(subject.pattern, subject.index, 'subject', new Map());
  if (!head.ok) return { ok: false, part: 'subject', failure: head };
  const shared = new Set(subject.pattern.slots.map((s) => s.macro.name).filter((m) => body.pattern.slots.some((s) => s.macro.name === m)));
  const readings = new ReadingSet();
  let capped = head.capped;
  let firstFailure: SplitFailure | undefined;
  const searched = new Map<string, Readings | SplitFailure>();
  for (const s of head.list) {
    const pins = new Map([...s.values].filter(([m]) => shared.has(m)));
    const key = signature(pins) + [...pins.values()].join('\u0002');
    let r = searched.get(key);
    if (!r) {
      if (searched.size === BODY_SEARCHES_MAX) {
        capped = true;
        break;
      }
      r = readPart(body.pattern, body.index, 'body', pins);
      searched.set(key, r);
    }
    if (!r.ok) {
      firstFailure ??= r;
      continue;
    }
    capped ||= r.capped;
    for (const b of r.list) readings.add({ values: new Map([...s.values, ...b.values]), spans: [...s.spans, ...b.spans] });
    if (readings.list.length >= AMBIGUITY_COUNT_LIMIT) {
      capped = true;
      break;
    }
  }
  if (readings.list.length === 0) return { ok: false, part: 'body', failure: firstFailure! };
  return { ok: true, list: readings.list, capped };
}
