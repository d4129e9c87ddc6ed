/**
 * Parsing of `%START_TIME%` / `%END_TIME%`. The appliance's mail rendering is not documented
 * (appliance-formats.md), so the common renderings are accepted (listed on `TimeRendering`) and
 * the text is always kept. Nothing is guessed (contract section 2): a zone abbreviation that
 * names several zones, a numeric date that does not fit the date order, a two-digit year, or a
 * local time that falls in a DST gap or overlap gives no instant, and `format`/`reason` say why.
 *
 * "Parses" (for the matcher's pruning): `rendering` is set when the text has the shape of one of
 * the renderings with a known or resolvable zone (or none); that does not imply an instant.
 * `parseTime` is total (never throws) and cheap: texts over 100 characters are not times.
 */
import { IANAZone } from 'luxon';
import { readZone } from './zones.js';

/** How numeric dates are read: the template's `DateOrder` header. */
export type DateOrder = 'MDY' | 'DMY' | 'YMD';

/**
 * The recognised renderings:
 * - `iso8601`: `2024-12-03T15:26:05+00:00`, `...Z`, `...T15:26`, `...T15:26:05.250+0530`;
 * - `ymd-time`: year-first numeric date, space before the time (`2024-12-03 15:26:05 UTC`, `2024/12/03 ...`);
 * - `numeric-date`: `12/3/2024 4:10:02 PM EST`, `03.12.2024 16:10`, read by `DateOrder`;
 * - `rfc2822`: `Tue, 3 Dec 2024 15:26:05 -0500` (weekday optional, zone offset or abbreviation);
 * - `month-name`: `Dec 3, 2024 4:10:02 PM EST`, `3 December 2024 16:10`, `Tue Dec 3 16:10:02 EST 2024`.
 */
export type TimeRendering = 'iso8601' | 'ymd-time' | 'numeric-date' | 'rfc2822' | 'month-name';

/** Why a time has no instant. */
export type NoInstant =
  | 'unrecognised' // not one of the renderings, or an unknown zone
  | 'no-zone' // no zone in the text and no Timezone header
  | 'ambiguous-zone' // an abbreviation naming several zones that Timezone does not decide
  | 'invalid-date' // no such date or time, a two-digit year, or a date that does not fit DateOrder
  | 'dst-gap' // the local time does not exist in the zone
  | 'dst-overlap'; // the local time exists twice in the zone

/** A rendered time: the text as received and, when it denotes one without guessing, its instant. */
export interface ParsedTime {
  readonly text: string;
  /** The instant (JavaScript keeps milliseconds; `iso` keeps every fractional digit). */
  readonly instant: Date | null;
  /** The instant in UTC, ISO 8601, with every fractional digit of the text; null without instant. */
  readonly iso: string | null;
  /** The rendering when there is an instant, else why there is none. */
  readonly format: TimeRendering | NoInstant;
  /** The rendering recognised, even when there is no instant (see the module comment). */
  readonly rendering: TimeRendering | null;
  /** Why the instant is null, for people. */
  readonly reason?: string;
}

const MAX_TIME_CHARS = 100;
const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
  january: 1, february: 2, march: 3, april: 4, june: 6, july: 7, august: 8, september: 9, october: 10,
  november: 11, december: 12,
};
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

// Shapes. Groups of TIME: hour, minute, second, fraction, am/pm letter.
const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*([AaPp])\.?[Mm]\.?(?![A-Za-z]))?`;
// A zone: Z, an offset, UTC/GMT with an offset, an abbreviation, or an IANA Area/Location name.
const ZONE = String.raw`Z|[+-]\d{2}(?::?\d{2})?|(?:UTC|GMT|UT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Za-z]{2,5}|[A-Za-z]+(?:/[A-Za-z0-9_+-]+)+`;
const SEP = String.raw`(?:,?\s+(?:at\s+)?)`;
const NUMERIC = new RegExp(String.raw`^(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})(T|${SEP})${TIME}(?:\s*(${ZONE}))?$`);
const DAY_MONTH = new RegExp(String.raw`^(\d{1,2})(?:st|nd|rd|th)?([ -])([A-Za-z]{3,9})\.?,?\2(\d{4})${SEP}${TIME}(?:\s*(${ZONE}))?$`);
const MONTH_DAY = new RegExp(String.raw`^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})${SEP}${TIME}(?:\s*(${ZONE}))?$`);
const MONTH_DAY_TIME_YEAR = new RegExp(String.raw`^([A-Za-z]{3,9})\s+(\d{1,2})\s+${TIME}\s+(?:(${ZONE})\s+)?(\d{4})$`);
const WEEKDAY = /^([A-Za-z]{3,9})\.?,?\s+(?=\w)/;
const COMMENT = /\s*\(([^()]{1,60})\)$/;

interface Fields {
  rendering: TimeRendering;
  year: number;
  month: number;
  day: number;
  time: readonly (string | undefined)[]; // hour, minute, second, fraction, am/pm
  zone: string | undefined;
  weekday: number | undefined;
  /** Set when the date's text cannot be read without guessing. */
  dateProblem?: string;
}

/** Parses a rendered time; `timezone` is the template's Timezone, `dateOrder` its DateOrder. */
export function parseTime(text: string, timezone?: string, dateOrder?: DateOrder): ParsedTime {
  const none = (format: NoInstant, reason: string, rendering: TimeRendering | null = null): ParsedTime =>
    ({ text, instant: null, iso: null, format, rendering, reason });
  let trimmed = text.trim();
  // Every rendering has "h:mm": most other text is turned away by one cheap test.
  if (trimmed.length > MAX_TIME_CHARS || !/\d:\d\d/.test(trimmed)) return none('unrecognised', 'not a time');
  // A trailing (comment): RFC 2822's `-0500 (EST)`, JavaScript's `GMT-0500 (Eastern Standard Time)`;
  // alone after the time it is the zone (`16:10 (UTC+05:30)`).
  const comment = COMMENT.exec(trimmed);
  if (comment) trimmed = trimmed.slice(0, comment.index);
  let fields = shape(trimmed, dateOrder);
  if (comment && fields?.zone === undefined) fields = shape(`${trimmed} ${comment[1]!.trim()}`, dateOrder) ?? fields;
  if (!fields) return none('unrecognised', 'not one of the supported time renderings');
  const { rendering } = fields;
  if (fields.dateProblem) return none('invalid-date', fields.dateProblem, rendering);

  const [h, mi, s, fraction, ampm] = fields.time;
  let hour = Number(h);
  if (ampm) {
    if (hour < 1 || hour > 12) return none('invalid-date', `hour ${h} with ${ampm.toUpperCase()}M`, rendering);
    hour = (hour % 12) + (ampm.toUpperCase() === 'P' ? 12 : 0);
  }
  const minute = Number(mi);
  const second = Number(s ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return none('invalid-date', `no such time of day ${h}:${mi}${s ? `:${s}` : ''}`, rendering);
  const { year, month, day } = fields;
  const ms = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(wall);
  if (year < 1000 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return none('invalid-date', `no such date ${year}-${month}-${day}`, rendering);
  }
  if (fields.weekday !== undefined && check.getUTCDay() !== fields.weekday) {
    return none('invalid-date', `the weekday does not match the date ${year}-${month}-${day}`, rendering);
  }

  let offset: number;
  if (fields.zone !== undefined) {
    const zone = readZone(fields.zone, timezone);
    if (zone.kind === 'unknown') return none('unrecognised', zone.reason);
    if (zone.kind === 'ambiguous') return none('ambiguous-zone', zone.reason, rendering);
    if (zone.kind === 'offset') offset = zone.minutes;
    else {
      const local = localOffset(wall, zone.zone);
      if (typeof local === 'string') return none(local, dstReason(local, zone.zone.name), rendering);
      offset = local;
    }
  } else {
    // create() is cached by luxon; isValidZone() builds an Intl formatter on every call.
    const zone = timezone ? IANAZone.create(timezone) : undefined;
    if (!zone?.isValid) return none('no-zone', 'the time has no zone and the template no Timezone', rendering);
    const local = localOffset(wall, zone);
    if (typeof local === 'string') return none(local, dstReason(local, zone.name), rendering);
    offset = local;
  }
  const instant = new Date(wall - offset * 60_000);
  const iso = fraction && fraction.length > 3 ? instant.toISOString().replace(/\.\d{3}Z$/, `.${fraction}Z`) : instant.toISOString();
  return { text, instant, iso, format: rendering, rendering };
}

/**
 * True when `text` has the shape of a supported time rendering (see the module comment). The
 * shape does not depend on Timezone or DateOrder, so they are not asked for (nor resolved).
 */
export function isTimeLike(text: string): boolean {
  return parseTime(text).rendering !== null;
}

function dstReason(problem: 'dst-gap' | 'dst-overlap', zone: string): string {
  return problem === 'dst-gap'
    ? `the local time does not exist in ${zone} (clocks were put forward)`
    : `the local time exists twice in ${zone} (clocks were put back)`;
}

/**
 * The offset of wall-clock time `wall` (its fields read as UTC) in `zone`, or why there is no
 * single one. luxon would silently shift a time in a gap, so every offset in effect around the
 * time is tried and kept only when it maps back to the same wall-clock time.
 */
function localOffset(wall: number, zone: IANAZone): number | 'dst-gap' | 'dst-overlap' {
  const DAY_MS = 86_400_000;
  // Offsets are under a day, so the offsets a day either side bracket any transition near the time.
  const before = zone.offset(wall - DAY_MS);
  const after = zone.offset(wall + DAY_MS);
  const candidates = before === after ? [before] : [before, after];
  const fits = candidates.filter((o) => zone.offset(wall - o * 60_000) === o);
  if (fits.length === 0) return 'dst-gap';
  if (fits.length > 1) return 'dst-overlap';
  return fits[0]!;
}

function weekdayIndex(word: string): number | undefined {
  const lower = word.toLowerCase();
  const i = WEEKDAYS.indexOf(lower.slice(0, 3));
  const full = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][i];
  return full?.startsWith(lower) ? i : undefined;
}

function shape(input: string, dateOrder: DateOrder | undefined): Fields | undefined {
  let text = input;
  let weekday: number | undefined;
  const wd = WEEKDAY.exec(text);
  if (wd && MONTHS[wd[1]!.toLowerCase()] === undefined) {
    weekday = weekdayIndex(wd[1]!);
    if (weekday === undefined) return undefined;
    text = text.slice(wd[0].length);
  }
  let m = NUMERIC.exec(text);
  if (m) {
    const time = m.slice(6, 11);
    const date = numericDate(m[1]!, m[2]!, m[3]!, m[4]!, dateOrder);
    const rendering: TimeRendering = m[1]!.length === 4 ? (m[5] === 'T' && m[2] === '-' ? 'iso8601' : 'ymd-time') : 'numeric-date';
    if (m[5] === 'T' && rendering !== 'iso8601') return undefined;
    return { rendering, ...date, time, zone: m[11], weekday };
  }
  m = DAY_MONTH.exec(text);
  if (m && MONTHS[m[3]!.toLowerCase()]) {
    const rfc = m[2] === ' ' && m[3]!.length === 3;
    return { rendering: rfc ? 'rfc2822' : 'month-name', year: +m[4]!, month: MONTHS[m[3]!.toLowerCase()]!, day: +m[1]!,
      time: m.slice(5, 10), zone: m[10], weekday };
  }
  m = MONTH_DAY.exec(text);
  if (m && MONTHS[m[1]!.toLowerCase()]) {
    return { rendering: 'month-name', year: +m[3]!, month: MONTHS[m[1]!.toLowerCase()]!, day: +m[2]!, time: m.slice(4, 9), zone: m[9], weekday };
  }
  m = MONTH_DAY_TIME_YEAR.exec(text);
  if (m && MONTHS[m[1]!.toLowerCase()]) {
    return { rendering: 'month-name', year: +m[9]!, month: MONTHS[m[1]!.toLowerCase()]!, day: +m[2]!, time: m.slice(3, 8), zone: m[8], weekday };
  }
  return undefined;
}

/** Reads a numeric date by the order rule of contract section 2. */
function numericDate(a: string, sep: string, b: string, c: string, order: DateOrder | undefined): { year: number; month: number; day: number; dateProblem?: string } {
  const date = `${a}${sep}${b}${sep}${c}`;
  // A four-digit first field can only be a year.
  if (a.length === 4) return { year: +a, month: +b, day: +c };
  if (a.length === 3 || c.length === 3) return { year: 0, month: 0, day: 0, dateProblem: `${date} is not a date` };
  const effective = order ?? (sep === '/' ? 'MDY' : sep === '.' ? 'DMY' : 'YMD');
  if (c.length !== 4) return { year: 0, month: 0, day: 0, dateProblem: `${date} has no four-digit year: the century would be a guess` };
  const how = order ? `DateOrder ${order}` : `the default order of "${sep}" dates (${effective})`;
  if (effective === 'YMD') return { year: 0, month: 0, day: 0, dateProblem: `${date} does not fit ${how}; set the DateOrder header` };
  const [month, day] = effective === 'MDY' ? [+a, +b] : [+b, +a];
  if (month < 1 || month > 12) {
    return { year: 0, month: 0, day: 0, dateProblem: `${date} read by ${how} has month ${month}; set the DateOrder header if the day comes first` };
  }
  return { year: +c, month, day };
}
