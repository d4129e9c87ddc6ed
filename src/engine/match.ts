/**
 * Matching one template against one received mail: recipient, then subject and body read
 * together (readings.ts), then the readings whose typed values do not look like their type are
 * set aside when others do, and the ambiguity rule picks among what is left.
 */
import { indexText, type TextIndex } from './anchors.js';
import { findMacro } from './catalogue.js';
import { AMBIGUITY_COUNT_LIMIT, type SplitFailure } from './extract.js';
import { htmlToText } from './html.js';
import { readMail, type Reading, type ValueSpan } from './readings.js';
import type { Template } from './template.js';
import { emptyValues, fitsMacro, type MacroValues } from './values.js';
import { prepareBody, prepareSubject } from './whitespace.js';

/** A received mail as the pipeline hands it over: decoded subject and parts. */
export interface MailInput {
  subject: string;
  text: string;
  html?: string;
  /** Envelope recipients, for templates with a `Recipient:` header. */
  recipients?: string[];
}

/** A mail prepared once and shared by every template tried on it. */
export interface PreparedMail {
  readonly subject: TextIndex;
  /** The text part; the HTML part's text when the mail has no text part. */
  readonly text: TextIndex;
  /** The HTML part converted by html.ts (computed on first use); the text part if there is none. */
  html(): TextIndex;
  readonly recipients: readonly string[];
}

/** Prepares a mail for matching (whitespace.ts); the mail's own characters are kept. */
export function prepareMail(mail: MailInput): PreparedMail {
  let html: TextIndex | undefined;
  const htmlText = (): TextIndex => (html ??= indexText(prepareBody(htmlToText(mail.html!))));
  const hasText = (mail.text ?? '').trim() !== '';
  const text = hasText || !mail.html ? indexText(prepareBody(mail.text ?? '')) : htmlText();
  return {
    subject: indexText(prepareSubject(mail.subject ?? ''), true),
    text,
    html: () => (mail.html ? htmlText() : text),
    recipients: (mail.recipients ?? []).map((r) => r.trim().replace(/^<|>$/g, '').toLowerCase()),
  };
}

/** A template that fits the mail. */
export interface TemplateFit {
  readonly ok: true;
  readonly template: Template;
  readonly values: MacroValues;
  /** Readings that satisfy every constraint (1 = unique), at most AMBIGUITY_COUNT_LIMIT. */
  readonly alternatives: number;
  readonly capped: boolean;
  /** The other readings' values (at most ALTERNATIVES_SHOWN), in rule order. */
  readonly otherReadings: readonly MacroValues[];
  /** Where each value of the chosen reading lies in `text`. */
  readonly spans: readonly ValueSpan[];
  readonly text: { readonly subject: string; readonly body: string };
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
  readonly text: { readonly subject: string; readonly body: string };
}

/** Alternative readings returned with an ambiguous match, for people to compare. */
const ALTERNATIVES_SHOWN = 5;

/**
 * How many of a reading's values do not look like their macro's (values.ts `fitsMacro`): a time
 * no rendering recognises (the appliance renders every time alike: a split that leaves one
 * unreadable where another split reads them all is not its output), a recording that is not
 * URLs one per line, a one-line value holding another macro's unrendered `%NAME%`. Among the
 * readings that fit the text, those with the fewest such values are kept.
 */
function oddValues(values: ReadonlyMap<string, string | null>): number {
  let odd = 0;
  for (const [name, value] of values) if (value !== null && !fitsMacro(findMacro(name)!, value)) odd++;
  return odd;
}

function likeliest(list: readonly Reading[]): Reading[] {
  if (list.length < 2) return [...list];
  const scores = list.map((r) => oddValues(r.values));
  const best = Math.min(...scores);
  return list.filter((_, i) => scores[i] === best);
}

/** Tries one template on a prepared mail. */
export function fitTemplate(template: Template, mail: PreparedMail): TemplateFit | TemplateMiss {
  const bodyIndex = template.format === 'html' ? mail.html() : mail.text;
  const text = { subject: mail.subject.original, body: bodyIndex.original };
  if (template.recipient && !mail.recipients.includes(template.recipient.toLowerCase())) {
    return { ok: false, template, stage: 'recipient', progress: -1, message: `the mail is not addressed to ${template.recipient}`, text };
  }
  const subjectLiteral = template.subjectPattern?.literalLength ?? 0;
  const read = readMail(
    template.subjectPattern ? { pattern: template.subjectPattern, index: mail.subject } : undefined,
    { pattern: template.bodyPattern, index: bodyIndex },
  );
  if (!read.ok) {
    const { failure, part } = read;
    return part === 'subject'
      ? { ok: false, template, stage: 'subject', failure, progress: failure.progress, message: `subject: ${failure.message}`, text }
      : {
          ok: false, template, stage: 'body', failure, progress: subjectLiteral + failure.progress,
          message: `body line ${failure.line}: ${failure.message}`, text,
        };
  }
  const kept = likeliest(read.list);
  const toValues = (r: Reading): MacroValues => {
    const values = emptyValues();
    for (const [name, v] of r.values) values[name] = name === 'LSID' && v !== null ? v.toLowerCase() : v;
    return values;
  };
  const chosen = kept[0]!;
  return {
    ok: true, template, values: toValues(chosen),
    alternatives: read.capped ? AMBIGUITY_COUNT_LIMIT : kept.length,
    capped: read.capped,
    otherReadings: kept.slice(1, 1 + ALTERNATIVES_SHOWN).map(toValues),
    spans: chosen.spans, text,
    subjectLiteral, bodyLiteral: template.bodyPattern.literalLength,
  };
}
