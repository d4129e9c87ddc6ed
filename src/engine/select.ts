/**
 * Choosing the template a mail was rendered from. The event is not known in advance, so every
 * active template is a candidate; an index of literal keys keeps the cost nearly independent of
 * the number of templates:
 * - a template's key is its most selective literal: a whole literal line of the body (looked up
 *   among the mail's lines), or the literal prefix of its subject or of its body (looked up
 *   among the mail's prefixes of each indexed length, at most KEY_PREFIX_MAX characters);
 * - only templates whose key is present are tried in full; templates without any literal key
 *   are always tried.
 * Among the templates that fit, the most specific wins: most literal subject text, then most
 * literal body text (subject first), then unambiguous before ambiguous, then name order.
 */
import { fitTemplate, prepareMail, type MailInput, type PreparedMail, type TemplateFit, type TemplateMiss } from './match.js';
import { EngineError } from './diagnostics.js';
import type { Pattern } from './pattern.js';
import type { Template } from './template.js';
import type { ValueSpan } from './readings.js';
import { typeValues, type MacroValues, type TypedValues } from './values.js';

/** Longest prefix used as an index key: long enough to separate, short enough to bound lookups. */
const KEY_PREFIX_MAX = 48;

/** A mail matched by a template. */
export interface MatchFound {
  /** `ambiguous` when several splits fit (the one returned follows the documented rule) or two
   * equally specific templates fit. */
  status: 'extracted' | 'ambiguous';
  template: Template;
  /** Number of complete splits found for this template (1 = unique), at most AMBIGUITY_COUNT_LIMIT. */
  alternatives: number;
  /** True when `alternatives` reached the bound (there may be more). */
  alternativesCapped: boolean;
  /** Other templates that fit equally well (a tie makes the result ambiguous). */
  tiedTemplates: string[];
  /** Other, less specific templates that also fit. */
  otherTemplates: string[];
  /** Macro name → normalised value (null when empty, unrendered or not in the template). */
  values: MacroValues;
  typed: TypedValues;
  /** When ambiguous: the values of other readings that fit (a few, in rule order). */
  otherReadings: MacroValues[];
  /** The mail text the engine matched: the prepared subject, and the body (the HTML part's text
   * for `Format: html`, or when the mail has no text part). */
  text: { subject: string; body: string };
  /** Where each value of the chosen reading lies in `text` (UTF-16 offsets; empty values too). */
  spans: ValueSpan[];
}

/** Why no template matched. */
export interface MatchExplanation {
  /** The template that got furthest. */
  nearestTemplate?: string;
  /** The literal text of that template that could not be placed. */
  missingLiteral?: string;
  /** Where matching stopped in the part (`stage`) it failed on: offset, 1-based line and column. */
  position?: number;
  line?: number;
  column?: number;
  stage?: 'recipient' | 'subject' | 'body';
  message: string;
  /** The mail text `position` refers to (as in MatchFound), when a template was tried. */
  text?: { subject: string; body: string };
}

/** A mail no template matched. */
export interface MatchMissing {
  status: 'unmatched';
  explanation: MatchExplanation;
}

/** Outcome of matching one mail. */
export type MatchResult = MatchFound | MatchMissing;

/** Matches mail against a fixed set of templates. */
export interface Matcher {
  readonly templates: readonly Template[];
  match(mail: MailInput): MatchResult;
  /** Tries one named template only (for `template test`), with the same result shape. */
  matchWith(name: string, mail: MailInput): MatchResult;
}

type Key = { kind: 'line'; text: string } | { kind: 'subject-prefix' | 'body-prefix'; text: string } | { kind: 'none' };

/** The part of a first literal every matching text starts with: trailing white space may have
 * been stripped with an empty value (anchors.ts), so it is not part of the key. */
function strip(literal: string): string {
  let k = literal.length;
  while (k > 0 && (literal[k - 1] === ' ' || literal[k - 1] === '\t' || literal[k - 1] === '\n')) k--;
  return literal.slice(0, k);
}

/** Lines of the pattern's literals that are whole lines of every rendering. */
function wholeLiteralLines(pattern: Pattern): string[] {
  const lines: string[] = [];
  const last = pattern.literals.length - 1;
  pattern.literals.forEach((literal, i) => {
    const parts = literal.split('\n');
    parts.forEach((line, j) => {
      const startsLine = j > 0 || i === 0;
      const endsLine = j < parts.length - 1 || i === last;
      if (startsLine && endsLine && line.trim() !== '') lines.push(line);
    });
  });
  return lines;
}

function candidateKeys(t: Template): Key[] {
  const candidates: Key[] = [];
  if (t.subjectPattern) {
    const prefix = strip(t.subjectPattern.literals[0]!);
    if (prefix !== '') candidates.push({ kind: 'subject-prefix', text: prefix.slice(0, KEY_PREFIX_MAX) });
  }
  const bodyPrefix = strip(t.bodyPattern.literals[0]!);
  if (bodyPrefix !== '') candidates.push({ kind: 'body-prefix', text: bodyPrefix.slice(0, KEY_PREFIX_MAX) });
  for (const line of wholeLiteralLines(t.bodyPattern)) candidates.push({ kind: 'line', text: line });
  return candidates;
}

const keyId = (k: Key): string => (k.kind === 'none' ? '' : `${k.kind}\u0000${k.text}`);

/**
 * Each template's key: the one fewest other templates share (templates differ in their subject
 * or first line while sharing headings), then prefixes before lines (a prefix costs one lookup,
 * a line key one lookup per line of the mail), then the longest.
 */
function chooseKeys(templates: readonly Template[]): Map<Template, Key> {
  const all = templates.map((t) => candidateKeys(t));
  const frequency = new Map<string, number>();
  for (const keys of all) for (const id of new Set(keys.map(keyId))) frequency.set(id, (frequency.get(id) ?? 0) + 1);
  const chosen = new Map<Template, Key>();
  templates.forEach((t, i) => {
    let best: Key = { kind: 'none' };
    let bestScore: [number, number, number] = [Infinity, Infinity, Infinity];
    for (const k of all[i]!) {
      if (k.kind === 'none') continue;
      const score: [number, number, number] = [frequency.get(keyId(k))!, k.kind === 'line' ? 1 : 0, -k.text.length];
      if (score[0] < bestScore[0] || (score[0] === bestScore[0] && (score[1] < bestScore[1] || (score[1] === bestScore[1] && score[2] < bestScore[2])))) {
        best = k;
        bestScore = score;
      }
    }
    chosen.set(t, best);
  });
  return chosen;
}

class TemplateIndex {
  private readonly lineKeys = new Map<string, Template[]>();
  private readonly prefixKeys = {
    subject: new Map<number, Map<string, Template[]>>(),
    body: new Map<number, Map<string, Template[]>>(),
    html: new Map<number, Map<string, Template[]>>(),
  };
  private readonly unkeyed: Template[] = [];
  private readonly htmlLineKeys = new Map<string, Template[]>();

  constructor(templates: readonly Template[]) {
    const keys = chooseKeys(templates);
    for (const t of templates) {
      const key = keys.get(t)!;
      if (key.kind === 'none') this.unkeyed.push(t);
      else if (key.kind === 'line') push(t.format === 'html' ? this.htmlLineKeys : this.lineKeys, key.text, t);
      else {
        const part = key.kind === 'subject-prefix' ? 'subject' : t.format === 'html' ? 'html' : 'body';
        const byLength = this.prefixKeys[part];
        let map = byLength.get(key.text.length);
        if (!map) byLength.set(key.text.length, (map = new Map()));
        push(map, key.text, t);
      }
    }
  }

  candidates(mail: PreparedMail): Set<Template> {
    const out = new Set<Template>(this.unkeyed);
    if (this.lineKeys.size > 0) lookupLines(out, mail.text.text, this.lineKeys);
    if (this.htmlLineKeys.size > 0) lookupLines(out, mail.html().text, this.htmlLineKeys);
    for (const [length, map] of this.prefixKeys.subject) addAll(out, map.get(mail.subject.text.slice(0, length)));
    for (const [length, map] of this.prefixKeys.body) addAll(out, map.get(mail.text.text.slice(0, length)));
    for (const [length, map] of this.prefixKeys.html) addAll(out, map.get(mail.html().text.slice(0, length)));
    return out;
  }
}

function addAll(out: Set<Template>, list: Template[] | undefined): void {
  if (list) for (const t of list) out.add(t);
}

/** Adds the templates keyed by any line of `text`. */
function lookupLines(out: Set<Template>, text: string, keys: Map<string, Template[]>): void {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    addAll(out, keys.get(text.slice(start, end)));
    start = end + 1;
  }
}

function push<K>(map: Map<K, Template[]>, key: K, t: Template): void {
  const list = map.get(key);
  if (list) list.push(t);
  else map.set(key, [t]);
}

function rank(a: TemplateFit, b: TemplateFit): number {
  return (
    b.subjectLiteral - a.subjectLiteral ||
    b.bodyLiteral - a.bodyLiteral ||
    Number(a.alternatives > 1) - Number(b.alternatives > 1) ||
    (a.template.name < b.template.name ? -1 : a.template.name > b.template.name ? 1 : 0)
  );
}

function found(fits: TemplateFit[]): MatchFound {
  fits.sort(rank);
  const best = fits[0]!;
  const tied = fits
    .slice(1)
    .filter((f) => f.subjectLiteral === best.subjectLiteral && f.bodyLiteral === best.bodyLiteral)
    .map((f) => f.template.name);
  const others = fits.slice(1).map((f) => f.template.name).filter((n) => !tied.includes(n));
  return {
    status: best.alternatives > 1 || tied.length > 0 ? 'ambiguous' : 'extracted',
    template: best.template,
    alternatives: best.alternatives,
    alternativesCapped: best.capped,
    tiedTemplates: tied,
    otherTemplates: others,
    values: best.values,
    typed: typeValues(best.values, best.template.timezone, best.template.dateOrder),
    otherReadings: [...best.otherReadings],
    text: { ...best.text },
    spans: [...best.spans],
  };
}

function unmatched(misses: TemplateMiss[], templateCount: number): MatchMissing {
  if (misses.length === 0) {
    return { status: 'unmatched', explanation: { message: templateCount === 0 ? 'no active template' : 'no template fits this mail' } };
  }
  // The template that got furthest; the first in name order among equals, so the pick is stable.
  const nearest = [...misses].sort((a, b) => b.progress - a.progress || (a.template.name < b.template.name ? -1 : 1))[0]!;
  const f = nearest.failure;
  if (misses.length > 1 && nearest.progress <= 0) {
    // Not one literal of any template was found: naming one would be an arbitrary pick.
    return {
      status: 'unmatched',
      explanation: { message: `no template is near: none of the ${misses.length} templates' opening text was found`, text: { ...nearest.text } },
    };
  }
  return {
    status: 'unmatched',
    explanation: {
      nearestTemplate: nearest.template.name,
      stage: nearest.stage,
      ...(f ? { missingLiteral: f.missingLiteral, position: f.position, line: f.line, column: f.column } : {}),
      message: `nearest template "${nearest.template.name}": ${nearest.message}`,
      text: { ...nearest.text },
    },
  };
}

/** Builds a matcher over valid templates (names must be unique). */
export function createMatcher(templates: readonly Template[]): Matcher {
  const names = new Set<string>();
  for (const t of templates) {
    if (names.has(t.name)) throw new EngineError('duplicate-template-name', `two templates are named "${t.name}"`);
    names.add(t.name);
  }
  const list = Object.freeze([...templates]);
  const index = new TemplateIndex(list);
  return {
    templates: list,
    match(mail) {
      const prepared = prepareMail(mail);
      const fits: TemplateFit[] = [];
      const tried = new Map<Template, TemplateFit | TemplateMiss>();
      for (const t of index.candidates(prepared)) {
        const r = fitTemplate(t, prepared);
        tried.set(t, r);
        if (r.ok) fits.push(r);
      }
      if (fits.length > 0) return found(fits);
      // Unmatched mail is the rare path: explaining it tries every template (and so would still
      // find a template the index missed).
      const all = list.map((t) => tried.get(t) ?? fitTemplate(t, prepared));
      const late = all.filter((r): r is TemplateFit => r.ok);
      if (late.length > 0) return found(late);
      return unmatched(all.filter((r): r is TemplateMiss => !r.ok), list.length);
    },
    matchWith(name, mail) {
      const t = list.find((x) => x.name === name);
      if (!t) return { status: 'unmatched', explanation: { message: `no template named "${name}"` } };
      const r = fitTemplate(t, prepareMail(mail));
      return r.ok ? found([r]) : unmatched([r], 1);
    },
  };
}
