/**
 * The appliance's catalogue of email events and `%MACRO%` placeholders, transcribed from the
 * seed reference (outbound-events-reference.txt) and the contract's event table.
 */

/** Canonical ids of the three events the appliance can mail. */
export type EventId =
  | 'support_conference_end'
  | 'support_conference_customer_exit_survey_completed'
  | 'support_conference_rep_exit_survey_completed';

/** An email event with the three spellings a template's `Event:` header accepts. */
export interface EventInfo {
  readonly id: EventId;
  readonly displayName: string;
  readonly alias: string;
}

/** The email events, in the seed's order. */
export const EVENTS: readonly EventInfo[] = Object.freeze([
  { id: 'support_conference_end', displayName: 'Support Session End', alias: 'session-end' },
  {
    id: 'support_conference_customer_exit_survey_completed',
    displayName: 'Customer Exit Survey is Completed',
    alias: 'customer-exit-survey',
  },
  {
    id: 'support_conference_rep_exit_survey_completed',
    displayName: 'Representative Survey is Completed',
    alias: 'rep-exit-survey',
  },
] as const);

/**
 * Events that exist only for HTTP recipients. Named so that a template using one gets a precise
 * error ("never mailed") instead of "unknown event".
 */
export const HTTP_ONLY_EVENTS: readonly { id: string; displayName: string }[] = Object.freeze([
  { id: 'support_conference_begin', displayName: 'Support Session Start' },
  { id: 'support_conference_owner_changed', displayName: 'Support Session Ownership Changes' },
  { id: 'support_conference_member_added', displayName: 'Someone Joins a Support Session' },
  { id: 'support_conference_member_departed', displayName: 'Someone Leaves a Support Session' },
]);

/**
 * What a macro's value looks like, which decides how the extractor bounds it:
 * - `lsid`: 32 hex digits (stored lower case);
 * - `integer`: decimal digits;
 * - `line`: free text on one line (may be empty);
 * - `time`: one line, parsed into an instant when that needs no guess;
 * - `text`: free multi-line text;
 * - `urls`: one or more URLs, one per line (the recording macros).
 */
export type ValueKind = 'lsid' | 'integer' | 'line' | 'time' | 'text' | 'urls';

/** Which best-effort sub-parser reads a multi-part value. */
export type SubParser = 'chat' | 'survey' | 'labels' | 'recordings' | 'time' | 'none';

/** One `%MACRO%` of the seed's table. */
export interface MacroInfo {
  /** Name as written between the percent signs (`CUSTOMER_COMPUTER-NAME`). */
  readonly name: string;
  /** Database column name (`customer_computer_name`). */
  readonly column: string;
  readonly kind: ValueKind;
  /** True when the value may span lines; such macros are body-only. */
  readonly multiline: boolean;
  /** False for the seed's "(Body)" macros. */
  readonly inSubject: boolean;
  readonly events: readonly EventId[];
  readonly parser: SubParser;
  readonly description: string;
}

const END: EventId = 'support_conference_end';
const CUSTOMER_SURVEY: EventId = 'support_conference_customer_exit_survey_completed';
const REP_SURVEY: EventId = 'support_conference_rep_exit_survey_completed';
const ALL: readonly EventId[] = [END, CUSTOMER_SURVEY, REP_SURVEY];

/** Database column for a macro name: lower case, `-` as `_`. */
export function columnName(macroName: string): string {
  return macroName.toLowerCase().replace(/-/g, '_');
}

function macro(
  name: string,
  kind: ValueKind,
  events: readonly EventId[],
  description: string,
  parser: SubParser = 'none',
): MacroInfo {
  const multiline = kind === 'text' || kind === 'urls';
  return Object.freeze({
    name,
    column: columnName(name),
    kind,
    multiline,
    inSubject: !multiline,
    events: Object.freeze([...events]),
    parser,
    description,
  });
}

/** All 18 macros of the seed, in the seed's order. */
export const MACROS: readonly MacroInfo[] = Object.freeze([
  macro('EXTERNAL_KEY', 'line', ALL, 'External key assigned to the session, if any'),
  macro('LSID', 'lsid', ALL, 'Logging session id (32 hex digits)'),
  macro('LSEQ', 'integer', ALL, 'Sequential logging number of the session'),
  macro('CUSTOMER_NAME', 'line', [END], 'Name of the customer'),
  macro('CUSTOMER_COMPUTER-NAME', 'line', [END], "Name of the customer's computer"),
  macro('PRIMARY_REP_PRIVATE_DISPLAY_NAME', 'line', [END], "Primary representative's private display name"),
  macro('PRIMARY_REP_PUBLIC_DISPLAY_NAME', 'line', [END], "Primary representative's public display name"),
  macro('PRIMARY_REP_USER_NAME', 'line', [END], "Primary representative's user name"),
  macro('START_TIME', 'time', [END], 'Time at which the session started', 'time'),
  macro('END_TIME', 'time', [END], 'Time at which the session ended', 'time'),
  macro('SESSION_SUMMARY', 'text', [END], 'Summary of session details', 'labels'),
  macro('SESSION_NOTES', 'text', [END], 'Session notes'),
  macro('SESSION_CHAT', 'text', [END], 'Chat transcript of the session', 'chat'),
  macro('SYSTEM_INFORMATION', 'text', [END], 'General section of the system information', 'labels'),
  // The seed says "The URL" for screen sharing but lists it as "recordings" and "(Body)"; a
  // session can hold several recordings, so it is read like the command shell's URL list.
  macro('SCREEN_SHARING_RECORDING', 'urls', [END], 'URLs of the screen sharing recordings', 'recordings'),
  macro('COMMAND_SHELL_RECORDING', 'urls', [END], 'URLs of all command shell recordings', 'recordings'),
  macro('CUSTOMER_EXIT_SURVEY', 'text', [CUSTOMER_SURVEY], 'Customer exit survey questions and answers', 'survey'),
  macro(
    'REPRESENTATIVE_EXIT_SURVEY',
    'text',
    [REP_SURVEY],
    'Representative exit survey questions and answers',
    'survey',
  ),
]);

const MACRO_BY_NAME: ReadonlyMap<string, MacroInfo> = new Map(MACROS.map((m) => [m.name, m]));

/** The catalogue entry for a macro name (as written between percent signs), if any. */
export function findMacro(name: string): MacroInfo | undefined {
  return MACRO_BY_NAME.get(name);
}

/** The event whose id, display name or alias is `text` (case- and space-insensitive). */
export function findEvent(text: string): EventInfo | undefined {
  const key = squash(text);
  return EVENTS.find((e) => squash(e.id) === key || squash(e.displayName) === key || squash(e.alias) === key);
}

/** The HTTP-only event named by `text`, if any (for a precise error message). */
export function findHttpOnlyEvent(text: string): { id: string; displayName: string } | undefined {
  const key = squash(text);
  return HTTP_ONLY_EVENTS.find((e) => squash(e.id) === key || squash(e.displayName) === key);
}

/** Display name of an event id. */
export function eventDisplayName(id: EventId): string {
  return EVENTS.find((e) => e.id === id)?.displayName ?? id;
}

function squash(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}
