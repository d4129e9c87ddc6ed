/**
 * Matching one template against one received mail: recipient, then subject, then body, with a
 * macro's value pinned once known (a macro in the subject and the body must agree).
 */
import { indexText, type TextIndex } from './anchors.js';
import type { Constraint } from './bounds.js';
import { AMBIGUITY_COUNT_LIMIT, splitText, type SplitFailure } from './extract.js';
import { htmlToText } from './html.js';
import { normaliseBody, normaliseSubject, normaliseValue } from './normalise.js';
import type { Pattern } from './pattern.js';
import type { Template } from './template.js';
import { emptyValues, type MacroValues } from './values.js';

/** A received mail as the pipeline hands it over: decoded subject and parts. */
export interface MailInput {
  subject: string;
  text: string;
  html?: string;
  /** Envelope recipients, for templates with a `Recipient:` header. */
  recipients?: string[];
}

/** A mail normalised once and shared by every template tried on it. */
export interface PreparedMail {
  readonly subject: TextIndex;
  readonly text: TextIndex;
  /** The HTML part converted by html.ts (computed on first use); the text part if there is none. */
  html(): TextIndex;
  readonly recipients: readonly string[];
}

/** Normalises a mail for matching. */
export function prepareMail(mail: MailInput): PreparedMail {
  let html: TextIndex | undefined;
  const text = indexText(normaliseBody(mail.text ?? ''));
  return {
    subject: indexText(normaliseSubject(mail.subject ?? '')),
    text,
    html: () => (html ??= mail.html ? indexText(normaliseBody(htmlToText(mail.html))) : text),
    recipients: (mail.recipients ?? []).map((r) => r.trim().replace(/^<|>$/g, '').toLowerCase()),
  };
}

/** A template that fits the mail. */
export interface TemplateFit {
  readonly ok: true;
  readonly template: Template;
  readonly values: MacroValues;
  /** Complete splits found (1 = unique), at most AMBIGUITY_COUNT_LIMIT. */
  readonly alternatives: number;
  readonly capped: boolean;
  readonly subjectLiteral: number;
  readonly bodyLiteral: number;
}

/** Why a template does not fit the mail. */
export interface TemplateMiss {
  readonly ok: false;
  readonly template: Template;
  readonly stage: 'recipient' | 'subject' | 'body';
  readonly failure?: SplitFailure;
  /** Literal characters matched before failing, subject first: ranks the nearest template. */
  readonly progress: number;
  readonly message: string;
}

type PartResult =
  | { ok: true; values: (string | null)[]; alternatives: number; capped: boolean }
  | { ok: false; failure: SplitFailure };

function constraintsFor(pattern: Pattern, known: ReadonlyMap<string, string | null>): Constraint[] {
  return pattern.slots.map((s) => {
    const base = { rule: s.rule, macroName: s.macro.name, unrendered: `%${s.macro.name}%` };
    return known.has(s.macro.name) ? { ...base, fixed: known.get(s.macro.name)! } : base;
  });
}

/**
 * Splits one part. A macro repeated within the part must have one value; equality is not
 * something the linear sweep can enforce (it is a back-reference), so when the documented split
 * disagrees the part is re-split with the repeated macros pinned to a candidate value, taken in
 * turn from the first and last occurrences of the longest and of the shortest split. If no
 * candidate fits, the mail does not match this template.
 */
function splitPart(pattern: Pattern, index: TextIndex, known: ReadonlyMap<string, string | null>): PartResult {
  const run = (pinned: ReadonlyMap<string, string | null>, prefer: 'longest' | 'shortest' = 'longest'): PartResult => {
    const split = splitText(index, pattern, constraintsFor(pattern, pinned), prefer);
    if (!split.ok) return { ok: false, failure: split };
    const values = split.raw.map((raw, i) => {
      const macro = pattern.slots[i]!.macro;
      return normaliseValue(raw, macro.name, macro.multiline);
    });
    return { ok: true, values, alternatives: split.alternatives, capped: split.capped };
  };
  const conflicts = (values: readonly (string | null)[]): string[] => {
    const seen = new Map<string, string | null>();
    const out = new Set<string>();
    pattern.slots.forEach((slot, i) => {
      const name = slot.macro.name;
      if (!seen.has(name)) seen.set(name, values[i]!);
      else if (seen.get(name) !== values[i]) out.add(name);
    });
    return [...out];
  };
  const first = run(known);
  if (!first.ok) return first;
  const names = conflicts(first.values);
  if (names.length === 0) return first;
  const sources: (readonly (string | null)[])[] = [first.values];
  const shortest = run(known, 'shortest');
  if (shortest.ok) sources.push(shortest.values);
  let failure: PartResult | undefined;
  for (const values of sources) {
    for (const pick of ['first', 'last'] as const) {
      const pinned = new Map(known);
      for (const name of names) {
        const at = pattern.slots.flatMap((s, i) => (s.macro.name === name ? [i] : []));
        pinned.set(name, values[pick === 'first' ? at[0]! : at[at.length - 1]!]!);
      }
      // Pinned occurrences all carry the same value, so a successful retry has no conflict. Its
      // uniqueness is unknown (the unpinned count includes inconsistent splits), so the count
      // reported is the unpinned one: an upper bound, always > 1 here, hence "ambiguous".
      const retry = run(pinned);
      if (retry.ok) return { ...retry, alternatives: first.alternatives, capped: first.capped };
      failure ??= retry;
    }
  }
  return failure!;
}

/** Tries one template on a prepared mail. */
export function fitTemplate(template: Template, mail: PreparedMail): TemplateFit | TemplateMiss {
  if (template.recipient && !mail.recipients.includes(template.recipient.toLowerCase())) {
    return {
      ok: false, template, stage: 'recipient', progress: -1,
      message: `the mail is not addressed to ${template.recipient}`,
    };
  }
  const values = emptyValues();
  const known = new Map<string, string | null>();
  let alternatives = 1;
  let capped = false;
  let subjectLiteral = 0;
  if (template.subjectPattern) {
    const subject = splitPart(template.subjectPattern, mail.subject, known);
    if (!subject.ok) {
      return {
        ok: false, template, stage: 'subject', failure: subject.failure, progress: subject.failure.progress,
        message: `subject: ${subject.failure.message}`,
      };
    }
    template.subjectPattern.slots.forEach((slot, i) => {
      if (!known.has(slot.macro.name)) known.set(slot.macro.name, subject.values[i]!);
    });
    alternatives = subject.alternatives;
    capped = subject.capped;
    subjectLiteral = template.subjectPattern.literalLength;
  }
  const bodyIndex = template.format === 'html' ? mail.html() : mail.text;
  const body = splitPart(template.bodyPattern, bodyIndex, known);
  if (!body.ok) {
    return {
      ok: false, template, stage: 'body', failure: body.failure, progress: subjectLiteral + body.failure.progress,
      message: `body line ${body.failure.line}: ${body.failure.message}`,
    };
  }
  template.bodyPattern.slots.forEach((slot, i) => {
    if (!known.has(slot.macro.name)) known.set(slot.macro.name, body.values[i]!);
  });
  for (const [name, v] of known) values[name] = name === 'LSID' && v !== null ? v.toLowerCase() : v;
  alternatives = Math.min(alternatives * body.alternatives, AMBIGUITY_COUNT_LIMIT);
  capped = capped || body.capped || alternatives >= AMBIGUITY_COUNT_LIMIT;
  return {
    ok: true, template, values, alternatives, capped,
    subjectLiteral, bodyLiteral: template.bodyPattern.literalLength,
  };
}
