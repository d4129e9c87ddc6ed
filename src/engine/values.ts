/**
 * Typed values: what the database columns receive, built from the normalised raw values. The
 * sub-parsers are best effort and never make a match fail.
 */
import { MACROS, findMacro, type MacroInfo } from './catalogue.js';
import { parseChat, type ParsedChat } from './parsers/chat.js';
import { parseLabels, type LabelledText } from './parsers/labels.js';
import { isUrlList, parseRecordings, type Recordings } from './parsers/recordings.js';
import { parseSurvey, type ParsedSurvey } from './parsers/survey.js';
import { isTimeLike, parseTime, type DateOrder, type ParsedTime } from './parsers/times.js';

/** Every macro's typed value, keyed by column name; null when empty, unrendered or not in the template. */
export interface TypedValues {
  lsid: string | null;
  /** A number when it is a safe integer, else the decimal string (for a bigint column). */
  lseq: number | string | null;
  external_key: string | null;
  customer_name: string | null;
  customer_computer_name: string | null;
  primary_rep_private_display_name: string | null;
  primary_rep_public_display_name: string | null;
  primary_rep_user_name: string | null;
  start_time: ParsedTime | null;
  end_time: ParsedTime | null;
  session_summary: LabelledText | null;
  session_notes: string | null;
  session_chat: ParsedChat | null;
  system_information: LabelledText | null;
  screen_sharing_recording: Recordings | null;
  command_shell_recording: Recordings | null;
  customer_exit_survey: ParsedSurvey | null;
  representative_exit_survey: ParsedSurvey | null;
}

/** Raw values keyed by macro name (`CUSTOMER_COMPUTER-NAME`), already normalised. */
export type MacroValues = Record<string, string | null>;

/** Converts LSEQ digits to a number when exact, else keeps the digits. */
export function lseqValue(digits: string): number | string {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : digits.replace(/^0+(?=\d)/, '');
}

function pick(values: MacroValues, name: string): string | null {
  return values[name] ?? null;
}

function parsed<T>(values: MacroValues, name: string, parse: (v: string) => T): T | null {
  const v = values[name] ?? null;
  return v === null ? null : parse(v);
}

/**
 * Builds the typed values from normalised raw values; `timezone` and `dateOrder` are the
 * template's Timezone and DateOrder headers.
 */
export function typeValues(values: MacroValues, timezone?: string, dateOrder?: DateOrder): TypedValues {
  const lseq = pick(values, 'LSEQ');
  const start = pick(values, 'START_TIME');
  const end = pick(values, 'END_TIME');
  return {
    lsid: parsed(values, 'LSID', (v) => v.toLowerCase()),
    lseq: lseq !== null && /^\d+$/.test(lseq) ? lseqValue(lseq) : null,
    external_key: pick(values, 'EXTERNAL_KEY'),
    customer_name: pick(values, 'CUSTOMER_NAME'),
    customer_computer_name: pick(values, 'CUSTOMER_COMPUTER-NAME'),
    primary_rep_private_display_name: pick(values, 'PRIMARY_REP_PRIVATE_DISPLAY_NAME'),
    primary_rep_public_display_name: pick(values, 'PRIMARY_REP_PUBLIC_DISPLAY_NAME'),
    primary_rep_user_name: pick(values, 'PRIMARY_REP_USER_NAME'),
    start_time: start === null ? null : parseTime(start, timezone, dateOrder),
    end_time: end === null ? null : parseTime(end, timezone, dateOrder),
    session_summary: parsed(values, 'SESSION_SUMMARY', parseLabels),
    session_notes: pick(values, 'SESSION_NOTES'),
    session_chat: parsed(values, 'SESSION_CHAT', parseChat),
    system_information: parsed(values, 'SYSTEM_INFORMATION', parseLabels),
    screen_sharing_recording: parsed(values, 'SCREEN_SHARING_RECORDING', parseRecordings),
    command_shell_recording: parsed(values, 'COMMAND_SHELL_RECORDING', parseRecordings),
    customer_exit_survey: parsed(values, 'CUSTOMER_EXIT_SURVEY', parseSurvey),
    representative_exit_survey: parsed(values, 'REPRESENTATIVE_EXIT_SURVEY', parseSurvey),
  };
}

const EMPTY_VALUES: Readonly<MacroValues> = Object.freeze(Object.fromEntries(MACROS.map((m) => [m.name, null])));

/** Every macro name mapped to null: the starting point of a template's values. */
export function emptyValues(): MacroValues {
  return { ...EMPTY_VALUES };
}

const BIGINT_MAX = '9223372036854775807';
const MACRO_TOKEN = /%([A-Z0-9_-]*[A-Z][A-Z0-9_-]*)%/g;

/**
 * Whether `raw` (a candidate value, before trimming) can be `macro`'s value, for the matcher's
 * typed pruning: blank is always possible (stored as null), and so is the macro's own unrendered
 * `%NAME%`; otherwise an LSID is 32 hex digits, an LSEQ decimal digits within bigint, one-line
 * values have no line end and no other macro's unrendered `%NAME%`, times have the shape of a
 * supported rendering (isTimeLike), recordings are URL lists (isUrlList); free text fits.
 */
export function fitsMacro(macro: MacroInfo, raw: string): boolean {
  if (macro.kind === 'text') return true;
  const value = raw.trim();
  if (value === '' || value === `%${macro.name}%`) return true;
  switch (macro.kind) {
    case 'lsid':
      return /^[0-9a-fA-F]{32}$/.test(value);
    case 'integer': {
      if (!/^\d+$/.test(value)) return false;
      const digits = value.replace(/^0+(?=\d)/, '');
      return digits.length < BIGINT_MAX.length || (digits.length === BIGINT_MAX.length && digits <= BIGINT_MAX);
    }
    case 'line':
    case 'time':
      if (value.includes('\n') || value.includes('\r') || hasOtherMacroToken(value, macro.name)) return false;
      return macro.kind === 'line' || isTimeLike(value);
    case 'urls':
      return isUrlList(value);
  }
}

function hasOtherMacroToken(value: string, own: string): boolean {
  if (!value.includes('%')) return false;
  for (const m of value.matchAll(MACRO_TOKEN)) if (m[1] !== own && findMacro(m[1]!)) return true;
  return false;
}
