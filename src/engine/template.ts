/**
 * Template files (contract section 2): header lines, one blank line, the body as typed into the
 * appliance. Parsing validates everything a person can get wrong and reports each problem with
 * its line and column; a template is returned only when there is no error.
 */
import { IANAZone } from 'luxon';
import {
  EVENTS,
  MACROS,
  eventDisplayName,
  findEvent,
  findHttpOnlyEvent,
  findMacro,
  type EventId,
} from './catalogue.js';
import { closest, type Diagnostic, type ErrorCode } from './diagnostics.js';
import { htmlToText } from './html.js';
import { lintTemplate } from './lint.js';
import { fold, prepareBody, prepareSubject } from './whitespace.js';
import type { DateOrder } from './parsers/times.js';
import { compilePattern, scanMacroTokens, type Pattern } from './pattern.js';

/** Where a macro token sits in the template file. */
export interface MacroPosition {
  readonly name: string;
  readonly part: 'subject' | 'body';
  readonly line: number;
  readonly column: number;
}

/** A valid, compiled template. */
export interface Template {
  readonly name: string;
  readonly fileName?: string;
  /** Canonical event id. */
  readonly event: EventId;
  /** The `Subject:` header as written; undefined = any subject. */
  readonly subject?: string;
  /** Envelope recipient the mail must be addressed to (compared case-insensitively). */
  readonly recipient?: string;
  /** IANA zone for times rendered without an offset or zone. */
  readonly timezone?: string;
  /** How all-numeric dates are read (`DateOrder` header); absent = by separator (contract section 2). */
  readonly dateOrder?: DateOrder;
  readonly format: 'text' | 'html';
  /** The body exactly as in the file (without the one trailing newline). */
  readonly body: string;
  /** Distinct macro names used, in order of first use (subject first). */
  readonly macros: readonly string[];
  readonly macroPositions: readonly MacroPosition[];
  readonly source: string;
  /** Compiled subject (prepared and folded, whitespace.ts), when the template has one. */
  readonly subjectPattern?: Pattern;
  /** Compiled body, prepared and folded (for html: the text conversion of html.ts). */
  readonly bodyPattern: Pattern;
}

/** Result of parseTemplate: the template when there is no error, and every diagnostic. */
export interface ParseResult {
  template?: Template;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

const HEADERS = ['event', 'name', 'subject', 'recipient', 'timezone', 'format', 'dateorder'] as const;
type HeaderName = (typeof HEADERS)[number];
const DATE_ORDERS: readonly DateOrder[] = ['MDY', 'DMY', 'YMD'];

function acceptedEventNames(): string {
  return EVENTS.map((e) => `"${e.displayName}" (${e.id}, ${e.alias})`).join('; ');
}

/** Parses and validates a template file; `fileName` gives the default name and diagnostics' file. */
export function parseTemplate(source: string, fileName?: string): ParseResult {
  const errors: Diagnostic[] = [];
  const error = (code: ErrorCode, message: string, line: number, column: number, hint?: string): void => {
    errors.push({ code, severity: 'error', message, line, column, ...(hint ? { hint } : {}), ...(fileName ? { file: fileName } : {}) });
  };
  // Editors on Windows may save a byte order mark, which would hide the first header.
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  const lines = source.split('\n');
  const headers = new Map<HeaderName, { value: string; line: number; column: number }>();
  let bodyLine = -1;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.replace(/\r$/, '');
    if (text.trim() === '') {
      bodyLine = i + 1;
      break;
    }
    const m = /^([A-Za-z][A-Za-z-]*)[ \t]*:[ \t]*(.*)$/.exec(text);
    if (!m) {
      error('bad-header', `expected "Header: value" or the blank line that starts the body, got ${JSON.stringify(text)}`, i + 1, 1,
        'headers come first, then one blank line, then the body');
      continue;
    }
    const key = m[1]!.toLowerCase() as HeaderName;
    const value = m[2]!.trim();
    const column = text.length - m[2]!.length + 1 + (m[2]!.length - m[2]!.trimStart().length);
    if (!HEADERS.includes(key)) {
      const guess = closest(key, HEADERS);
      error('unknown-header', `unknown header "${m[1]}"`, i + 1, 1,
        `accepted headers: Event, Name, Subject, Recipient, Timezone, Format, DateOrder${guess ? `; did you mean "${guess === 'dateorder' ? 'DateOrder' : guess[0]!.toUpperCase() + guess.slice(1)}"?` : ''}`);
      continue;
    }
    if (headers.has(key)) {
      error('duplicate-header', `header "${m[1]}" appears twice`, i + 1, 1, 'keep one of them');
      continue;
    }
    headers.set(key, { value, line: i + 1, column });
  }
  if (bodyLine < 0) {
    error('missing-body-separator', 'no blank line between the headers and the body', lines.length, 1,
      'add an empty line after the last header, then the body');
  }

  // Event.
  let event: EventId | undefined;
  const eventHeader = headers.get('event');
  if (!eventHeader) {
    error('missing-event', 'missing "Event:" header', 1, 1, `accepted events: ${acceptedEventNames()}`);
  } else {
    const found = findEvent(eventHeader.value);
    const httpOnly = found ? undefined : findHttpOnlyEvent(eventHeader.value);
    if (found) event = found.id;
    else if (httpOnly) {
      error('http-only-event', `"${httpOnly.displayName}" is only sent to HTTP recipients; the appliance never mails it`,
        eventHeader.line, eventHeader.column, `email events: ${acceptedEventNames()}`);
    } else {
      const names = EVENTS.flatMap((e) => [e.displayName, e.id, e.alias]);
      const guess = closest(eventHeader.value, names);
      error('unknown-event', `unknown event ${JSON.stringify(eventHeader.value)}`, eventHeader.line, eventHeader.column,
        `${guess ? `did you mean "${guess}"? ` : ''}accepted events: ${acceptedEventNames()}`);
    }
  }

  const nameHeader = headers.get('name');
  const defaultName = fileName ? fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') : '';
  const name = nameHeader?.value || defaultName;
  if (!name) error('missing-name', 'the template has no name', nameHeader?.line ?? 1, 1, 'add a "Name:" header');

  const formatHeader = headers.get('format');
  const formatValue = (formatHeader?.value ?? 'text').toLowerCase();
  if (formatValue !== 'text' && formatValue !== 'html') {
    error('bad-format', `unknown format ${JSON.stringify(formatHeader?.value)}`, formatHeader!.line, formatHeader!.column,
      'use "Format: text" (default) or "Format: html"');
  }
  const format = formatValue === 'html' ? 'html' : 'text';

  const tzHeader = headers.get('timezone');
  if (tzHeader && !IANAZone.isValidZone(tzHeader.value)) {
    error('bad-timezone', `unknown time zone ${JSON.stringify(tzHeader.value)}`, tzHeader.line, tzHeader.column,
      'use an IANA zone name such as "Europe/Paris", "America/New_York" or "UTC"');
  }
  const dateOrderHeader = headers.get('dateorder');
  const dateOrder = dateOrderHeader ? DATE_ORDERS.find((o) => o === dateOrderHeader.value.toUpperCase()) : undefined;
  if (dateOrderHeader && !dateOrder) {
    error('bad-date-order', `unknown date order ${JSON.stringify(dateOrderHeader.value)}`, dateOrderHeader.line, dateOrderHeader.column,
      'use "DateOrder: MDY" (12/31/2024), "DateOrder: DMY" (31/12/2024) or "DateOrder: YMD" (2024-12-31)');
  }
  const recipientHeader = headers.get('recipient');
  if (recipientHeader && !/^[^\s@]+@[^\s@]+$/.test(recipientHeader.value)) {
    error('bad-recipient', `${JSON.stringify(recipientHeader.value)} is not an email address`, recipientHeader.line,
      recipientHeader.column, 'write the envelope recipient, e.g. "Recipient: unmacro@example.com"');
  }

  // Body: runs to the end of the file; one trailing newline is not part of it.
  const bodyStartOffset = bodyLine < 0 ? source.length : lines.slice(0, bodyLine).reduce((s, l) => s + l.length + 1, 0);
  const body = source.slice(Math.min(bodyStartOffset, source.length)).replace(/\r?\n$/, '');
  if (bodyLine >= 0 && prepareBody(body) === '') {
    error('empty-body', 'the template body is empty', bodyLine + 1, 1, 'paste the mail body exactly as typed into the appliance');
  }

  // Macros, with their positions in the file.
  const positions: MacroPosition[] = [];
  const subjectHeader = headers.get('subject');
  const checkToken = (word: string, part: 'subject' | 'body', line: number, column: number): void => {
    const macro = findMacro(word);
    if (!macro) {
      const guess = closest(word, MACROS.map((m) => m.name));
      const available = event ? MACROS.filter((m) => m.events.includes(event!) && (part === 'body' || m.inSubject)) : [];
      const list = event ? `the ${part} of "${eventDisplayName(event)}" mail can use ${available.map((m) => `%${m.name}%`).join(' ')}` : '';
      error('unknown-macro', `unknown macro %${word}%`, line, column,
        [guess ? `did you mean %${guess}%?` : '', list || 'see the macro table of the outbound events reference'].filter(Boolean).join(' '));
      return;
    }
    positions.push({ name: macro.name, part, line, column });
    if (event && !macro.events.includes(event)) {
      error('macro-not-in-event', `%${macro.name}% is not available in "${eventDisplayName(event)}" mail`, line, column,
        `it is available in: ${macro.events.map(eventDisplayName).join(', ')}`);
    }
    if (part === 'subject' && !macro.inSubject) {
      error('body-only-macro-in-subject', `%${macro.name}% can only be used in the body`, line, column,
        'move it to the body; macros usable in the subject are the one-line ones');
    }
  };
  if (subjectHeader) {
    for (const t of scanMacroTokens(subjectHeader.value)) {
      checkToken(t.word, 'subject', subjectHeader.line, subjectHeader.column + t.start);
    }
  }
  const bodyTokens = scanMacroTokens(body);
  let line = bodyLine + 1;
  let lineStart = 0;
  let cursor = 0;
  for (const t of bodyTokens) {
    for (let nl = body.indexOf('\n', cursor); nl >= 0 && nl < t.start; nl = body.indexOf('\n', nl + 1)) {
      line++;
      lineStart = nl + 1;
      cursor = nl + 1;
    }
    checkToken(t.word, 'body', line, t.start - lineStart + 1);
  }
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  if (errors.length > 0 || !event) return { errors, warnings: [] };

  const subject = subjectHeader?.value;
  const subjectPattern = subject !== undefined && subject !== '' ? compilePattern(fold(prepareSubject(subject))) : undefined;
  const bodyText = format === 'html' ? htmlToText(body) : body;
  const bodyPattern = compilePattern(fold(prepareBody(bodyText)), subjectPattern?.slots.length ?? 0);
  const macros = [...new Set(positions.map((p) => p.name))];
  const template: Template = {
    name,
    ...(fileName ? { fileName } : {}),
    event,
    ...(subject !== undefined && subject !== '' ? { subject } : {}),
    ...(recipientHeader ? { recipient: recipientHeader.value } : {}),
    ...(tzHeader ? { timezone: tzHeader.value } : {}),
    ...(dateOrder ? { dateOrder } : {}),
    format,
    body,
    macros,
    macroPositions: positions,
    source,
    ...(subjectPattern ? { subjectPattern } : {}),
    bodyPattern,
  };
  const warnings = lintTemplate(template).map((w) => (fileName ? { ...w, file: fileName } : w));
  if (subjectHeader && subjectHeader.value === '') {
    warnings.push({ code: 'empty-subject', severity: 'warning', message: 'empty "Subject:" header: any subject matches',
      line: subjectHeader.line, column: 1, hint: 'remove the header, or write the subject as typed into the appliance' });
  }
  return { template, errors, warnings };
}
