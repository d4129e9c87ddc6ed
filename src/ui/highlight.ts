/**
 * Mail text with the extracted values (or the place matching stopped) highlighted. The engine's
 * match result carries the exact text it matched and the offsets of each value; older engine
 * builds do not, and then the text is shown plain. Offsets are never stored: they come from
 * re-running the matcher on the raw mail.
 */
import type { MatchResult } from '../engine/index.js';
import { html, type Html } from './html.js';

export type Part = 'subject' | 'body';

export interface Span {
  readonly macro: string;
  readonly part: Part;
  readonly start: number;
  readonly end: number;
}

export interface MatchedText {
  readonly subject: string;
  readonly body: string;
}

function isText(v: unknown): v is MatchedText {
  return typeof v === 'object' && v !== null && typeof (v as MatchedText).subject === 'string' && typeof (v as MatchedText).body === 'string';
}

function isSpan(v: unknown): v is Span {
  const s = v as Span;
  return (
    typeof v === 'object' && v !== null && typeof s.macro === 'string' && (s.part === 'subject' || s.part === 'body') &&
    Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end >= s.start
  );
}

/** The text the engine matched, when this engine build reports it. */
export function matchedText(result: MatchResult): MatchedText | undefined {
  const text = result.status === 'unmatched' ? (result.explanation as unknown as { text?: unknown }).text : (result as unknown as { text?: unknown }).text;
  return isText(text) ? text : undefined;
}

/** The value spans of a match, when this engine build reports them. */
export function matchSpans(result: MatchResult): Span[] {
  if (result.status === 'unmatched') return [];
  const spans = (result as unknown as { spans?: unknown }).spans;
  return Array.isArray(spans) ? spans.filter(isSpan) : [];
}

/** A mark over [start, end) of a text. */
export interface Mark {
  readonly start: number;
  readonly end: number;
  readonly kind: 'value' | 'stop' | 'missing';
  readonly label: string;
}

/**
 * The text with its marks as `<mark>` elements (escaped; overlapping marks are dropped, later
 * ones losing). An empty mark (a stop position) is a zero-width marker.
 */
export function highlight(text: string, marks: readonly Mark[]): Html {
  const sorted = [...marks].filter((m) => m.start <= text.length && m.end <= text.length).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Html[] = [];
  let at = 0;
  for (const m of sorted) {
    if (m.start < at) continue;
    out.push(html`${text.slice(at, m.start)}`);
    if (m.end === m.start) out.push(html`<mark class="mark-${m.kind}" title="${m.label}" data-label="${m.label}"></mark>`);
    else out.push(html`<mark class="mark-${m.kind}" title="${m.label}" data-label="${m.label}">${text.slice(m.start, m.end)}</mark>`);
    at = m.end;
  }
  out.push(html`${text.slice(at)}`);
  return html`${out}`;
}

/** Subject and body blocks of a matched (or unmatched) mail, highlighted as far as the engine says. */
export function highlightedMail(result: MatchResult, fallback: MatchedText): { subject: Html; body: Html; exact: boolean } {
  const text = matchedText(result);
  const shown = text ?? fallback;
  const marks: Record<Part, Mark[]> = { subject: [], body: [] };
  if (text) {
    for (const s of matchSpans(result)) marks[s.part].push({ start: s.start, end: s.end, kind: 'value', label: s.macro });
    if (result.status === 'unmatched') {
      const e = result.explanation;
      const part: Part | undefined = e.stage === 'subject' || e.stage === 'body' ? e.stage : undefined;
      if (part && e.position !== undefined && e.position >= 0) {
        const label = e.missingLiteral !== undefined ? `matching stopped here; expected ${JSON.stringify(e.missingLiteral)}` : 'matching stopped here';
        const partText = shown[part];
        // The rest of the line after the stop position: where the expected literal was looked for.
        const lineEnd = partText.indexOf('\n', e.position);
        const end = lineEnd < 0 ? partText.length : lineEnd;
        marks[part].push(end > e.position ? { start: e.position, end, kind: 'stop', label } : { start: e.position, end: e.position, kind: 'stop', label });
      }
    }
  }
  return { subject: highlight(shown.subject, marks.subject), body: highlight(shown.body, marks.body), exact: text !== undefined };
}
