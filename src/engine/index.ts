/**
 * The template engine's public API. Pure: no I/O, no clock, no logger; strings in, data out.
 */

/** Email events and macros of the appliance, and the column name of a macro. */
export {
  EVENTS,
  HTTP_ONLY_EVENTS,
  MACROS,
  columnName,
  eventDisplayName,
  findEvent,
  findMacro,
  type EventId,
  type EventInfo,
  type MacroInfo,
  type SubParser,
  type ValueKind,
} from './catalogue.js';
/** Diagnostics, their stable codes, and the engine's typed error. */
export { EngineError, type Diagnostic, type ErrorCode, type WarningCode } from './diagnostics.js';
/** Parses and validates a template file. */
export { parseTemplate, type MacroPosition, type ParseResult, type Template } from './template.js';
/** Cross-template lint (templates that could match the same mail) and one template's own lint. */
export { lintTemplate, lintTemplates } from './lint.js';
/** Builds a matcher that selects the template of a mail and extracts its values. */
export {
  createMatcher,
  type MatchExplanation,
  type MatchFound,
  type MatchMissing,
  type MatchResult,
  type Matcher,
} from './select.js';
/** The mail shape the matcher takes. */
export type { MailInput } from './match.js';
/** Bound on the number of alternative splits counted for an ambiguous mail. */
export { AMBIGUITY_COUNT_LIMIT } from './extract.js';
/** The white space model shared by templates and mail (exposed for the CLI's `template test`). */
export { normaliseValue, prepareBody, prepareSubject } from './whitespace.js';
/** Where a value lies in the matched text. */
export type { ValueSpan } from './readings.js';
/** The documented HTML-to-text conversion used for `Format: html` templates. */
export { htmlToText } from './html.js';
/** Typed values and the best-effort sub-parsers. */
export { fitsMacro, typeValues, type MacroValues, type TypedValues } from './values.js';
/** Parser of rendered times: nothing guessed (contract section 2). */
export { isTimeLike, parseTime, type DateOrder, type NoInstant, type ParsedTime, type TimeRendering } from './parsers/times.js';
/** Best-effort parser of chat transcripts. */
export { parseChat, type ChatLine, type ParsedChat } from './parsers/chat.js';
/** Best-effort parser of exit surveys. */
export { parseSurvey, type ParsedSurvey, type SurveyAnswer } from './parsers/survey.js';
/** Best-effort parser of `Label: value` text (summary, system information). */
export { parseLabels, type LabelValue, type LabelledText } from './parsers/labels.js';
/** Parser of recording URLs. */
export { isUrlList, parseRecordings, type Recordings } from './parsers/recordings.js';
