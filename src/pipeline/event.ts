import { columnName, type ChatLine, type MatchFound } from '../engine/index.js';
import { dedupKey, type EventRows, type TypedTable } from '../db/events.js';
import { text } from '../db/messages.js';
import { Misfits } from './fit.js';

export type { EventRows } from '../db/events.js';

/** The typed relation of each email event. */
const TYPED_TABLES: Readonly<Record<string, TypedTable>> = {
  support_conference_end: 'session_end',
  support_conference_customer_exit_survey_completed: 'customer_exit_survey',
  support_conference_rep_exit_survey_completed: 'rep_exit_survey',
};
/** Text columns of the typed relations that carry a btree index. */
const INDEXED_COLUMNS = ['primary_rep_user_name'];

/** Event rows, or why the match is no reading at all (a value the mail must have did not fit). */
export type EventReading = { readonly rows: EventRows; readonly refused?: undefined } | { readonly rows?: undefined; readonly refused: string };

/**
 * The match as rows, or refused: the LSID and LSEQ must fit their columns for the mail to match
 * (contract section 3), as no reading at all is more honest than an event without its session.
 */
export function readEvent(match: MatchFound): EventReading {
  const rows = eventRows(match);
  return rows.refused ? { refused: rows.refused } : { rows };
}

/**
 * Turns the engine's match into rows: values by column name, typed instants, the typed relation's
 * row and the parsed children, each value checked against its column (a misfit is NULL there and
 * named in `detail`; `refused` names an LSID or LSEQ that did not fit).
 */
export function eventRows(match: MatchFound): EventRows & { readonly refused: string | null } {
  const { typed } = match;
  const values: Record<string, string | null> = {};
  for (const macro of match.template.macros) {
    const value = match.values[macro] ?? null;
    values[columnName(macro)] = value === null ? null : text(value);
  }
  if ('lsid' in values) values.lsid = typed.lsid === null ? null : text(typed.lsid);
  const required = new Misfits('');
  const lsid = required.indexed('LSID', values.lsid ?? null);
  const lseq = required.bigint('LSEQ', typed.lseq);
  const refused = required.detail();

  const misfits = new Misfits();
  const iso = (t: { instant: Date | null } | null) => {
    const ms = t?.instant?.getTime();
    return ms !== undefined && Number.isFinite(ms) ? (t?.instant as Date).toISOString() : null;
  };
  const startTime = misfits.timestamptz('START_TIME', typed.start_time?.instant ?? null, values.start_time ?? null);
  const endTime = misfits.timestamptz('END_TIME', typed.end_time?.instant ?? null, values.end_time ?? null);
  const table = TYPED_TABLES[match.template.event];
  let typedRow: EventRows['typedRow'] = null;
  if (table) {
    const columns: Record<string, string | boolean | null> = { ...values, ambiguous: match.status === 'ambiguous', lsid, lseq };
    for (const column of INDEXED_COLUMNS) {
      if (columns[column] !== undefined) columns[column] = misfits.indexed(column.toUpperCase(), values[column] ?? null);
    }
    if (table === 'session_end') {
      Object.assign(columns, { start_time: startTime, end_time: endTime, start_time_text: values.start_time ?? null, end_time_text: values.end_time ?? null });
      Object.assign(columns, chatCounts(match, values));
    }
    // Only what differs from `values` travels: the database lays it over the values it already has.
    typedRow = { table, columns: Object.fromEntries(Object.entries(columns).filter(([k, v]) => values[k] !== v)) };
  }
  return {
    refused,
    event: match.template.event,
    lsid,
    lseq,
    externalKey: values.external_key ?? null,
    occurredAt: endTime,
    ambiguous: match.status === 'ambiguous',
    values,
    typed: { start_time: iso(typed.start_time), end_time: iso(typed.end_time) },
    typedRow,
    detail: misfits.detail(),
    dedupKey: lsid ? dedupKey(match.template.event, values) : null,
    chat: (typed.session_chat?.recognised ? typed.session_chat.lines : []).map(fittedLine),
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

/** A chat line whose text fits its columns: the engine's own object when it already does (a long chat has hundreds of thousands). */
function fittedLine(l: ChatLine): ChatLine {
  const [timeText, speaker, body] = [text(l.timeText), l.speaker === null ? null : text(l.speaker), text(l.body)];
  return timeText === l.timeText && speaker === l.speaker && body === l.body ? l : { seq: l.seq, timeText, speaker, body };
}

/** Chat-line counts for `session_end` (NULL when the chat's layout was not recognised, 0 without a chat). */
function chatCounts(match: MatchFound, values: Record<string, string | null>): { chat_lines: string | null; chat_lines_by_representative: string | null } {
  const chat = match.typed.session_chat;
  if (!values.session_chat) return { chat_lines: '0', chat_lines_by_representative: '0' };
  if (!chat?.recognised) return { chat_lines: null, chat_lines_by_representative: null };
  const representative = values.primary_rep_public_display_name ?? null;
  const byRepresentative = chat.lines.filter((l) => l.speaker !== null && text(l.speaker) === representative).length;
  return { chat_lines: String(chat.lines.length), chat_lines_by_representative: String(byRepresentative) };
}
