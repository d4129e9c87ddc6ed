import { columnName, type MatchFound } from '../engine/index.js';
import { dedupKey } from '../db/events.js';
import { text } from '../db/messages.js';

/** An event row and its parsed children, ready to insert. */
export interface EventRows {
  readonly event: string;
  readonly lsid: string | null;
  readonly lseq: string | null;
  readonly externalKey: string | null;
  readonly occurredAt: Date | null;
  readonly ambiguous: boolean;
  /** Column name → normalised value (NULL for empty or unrendered) of every macro of the template. */
  readonly values: Record<string, string | null>;
  /** Parsed instants of the rendered times, as ISO 8601. */
  readonly typed: { start_time: string | null; end_time: string | null };
  /** Identifies an identical event from another mail; null when there is no LSID to tie it to a session. */
  readonly dedupKey: Buffer | null;
  readonly chat: readonly { seq: number; sentAtText: string | null; speaker: string | null; body: string }[];
  readonly surveyAnswers: readonly { survey: 'customer' | 'representative'; seq: number; question: string; answer: string | null }[];
  readonly recordings: readonly { kind: 'screen_sharing' | 'command_shell'; seq: number; url: string }[];
  readonly labels: readonly { section: 'session_summary' | 'system_information'; seq: number; label: string; value: string | null }[];
}

/** Turns the engine's match into rows: values by column name, typed instants and the parsed children. */
export function eventRows(match: MatchFound): EventRows {
  const { typed } = match;
  const values: Record<string, string | null> = {};
  for (const macro of match.template.macros) {
    const value = match.values[macro] ?? null;
    values[columnName(macro)] = value === null ? null : text(value);
  }
  if ('lsid' in values) values.lsid = typed.lsid;
  const iso = (t: { instant: Date | null } | null) => t?.instant?.toISOString() ?? null;
  const end = typed.end_time?.instant ?? null;
  return {
    event: match.template.event,
    lsid: typed.lsid,
    lseq: typed.lseq === null ? null : String(typed.lseq),
    externalKey: values.external_key ?? null,
    occurredAt: end,
    ambiguous: match.status === 'ambiguous',
    values,
    typed: { start_time: iso(typed.start_time), end_time: iso(typed.end_time) },
    dedupKey: typed.lsid ? dedupKey(match.template.event, values) : null,
    chat: (typed.session_chat?.recognised ? typed.session_chat.lines : []).map((l) => ({
      seq: l.seq,
      sentAtText: l.timeText ? text(l.timeText) : null,
      speaker: l.speaker === null ? null : text(l.speaker),
      body: text(l.body),
    })),
    surveyAnswers: [
      ...(typed.customer_exit_survey?.recognised ? typed.customer_exit_survey.answers : []).map((a) => ({ survey: 'customer' as const, ...a })),
      ...(typed.representative_exit_survey?.recognised ? typed.representative_exit_survey.answers : []).map((a) => ({ survey: 'representative' as const, ...a })),
    ].map((a) => ({ survey: a.survey, seq: a.seq, question: text(a.question), answer: a.answer === '' ? null : text(a.answer) })),
    recordings: [
      ...(typed.screen_sharing_recording?.urls ?? []).map((url, i) => ({ kind: 'screen_sharing' as const, seq: i + 1, url: text(url) })),
      ...(typed.command_shell_recording?.urls ?? []).map((url, i) => ({ kind: 'command_shell' as const, seq: i + 1, url: text(url) })),
    ],
    labels: [
      ...(typed.session_summary?.recognised ? typed.session_summary.pairs : []).map((p, i) => ({ section: 'session_summary' as const, seq: i + 1, ...p })),
      ...(typed.system_information?.recognised ? typed.system_information.pairs : []).map((p, i) => ({ section: 'system_information' as const, seq: i + 1, ...p })),
    ].map((l) => ({ section: l.section, seq: l.seq, label: text(l.label), value: l.value === '' ? null : text(l.value) })),
  };
}
