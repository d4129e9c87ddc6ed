/**
 * Best-effort parsing of `%START_TIME%` / `%END_TIME%`. The appliance's mail rendering is not
 * documented (appliance-formats.md), so the common renderings are accepted and anything else is
 * kept as text with a null instant. Zone rules come from luxon (the platform's ICU data).
 */
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';

/** A rendered time: the text as received and, when recognised, the instant it denotes. */
export interface ParsedTime {
  readonly text: string;
  readonly instant: Date | null;
  /** Which rendering was recognised, or why the instant is null. */
  readonly format: 'iso8601' | 'ymd-time' | 'rfc2822' | 'us-12h' | 'unrecognised' | 'no-zone';
}

/**
 * Zone abbreviations with one meaning, as fixed offsets in minutes. Abbreviations that mean
 * different things in different places (IST, BST in some regions, CST in China) are not here:
 * a time carrying one is left without an instant rather than guessed.
 */
const ABBREVIATIONS: Record<string, number> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  AKST: -540, AKDT: -480, HST: -600,
  WET: 0, WEST: 60, CET: 60, CEST: 120, EET: 120, EEST: 180,
};

/** The zone named by a suffix: an abbreviation above, an IANA name or a numeric offset. */
function zoneFor(suffix: string): FixedOffsetZone | IANAZone | null {
  const upper = suffix.toUpperCase();
  const minutes = ABBREVIATIONS[upper];
  if (minutes !== undefined) return FixedOffsetZone.instance(minutes);
  const offset = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/i.exec(suffix);
  if (offset) {
    const total = Number(offset[2]) * 60 + Number(offset[3] ?? 0);
    return FixedOffsetZone.instance(offset[1] === '-' ? -total : total);
  }
  // Only Area/Location names: ICU also accepts legacy ids such as "IST", which are ambiguous.
  if (suffix.includes('/') && IANAZone.isValidZone(suffix)) return IANAZone.create(suffix);
  return null;
}

const YMD = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:\s*(\S{1,40}))?$/;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])(?:\s+(\S{1,40}))?$/;

/** Parses a rendered time; `defaultZone` (the template's Timezone) applies when the text has none. */
export function parseTime(text: string, defaultZone?: string): ParsedTime {
  const trimmed = text.trim();
  const done = (dt: DateTime | null, format: ParsedTime['format']): ParsedTime => ({
    text,
    instant: dt && dt.isValid ? dt.toJSDate() : null,
    format: dt && dt.isValid ? format : 'unrecognised',
  });
  if (trimmed.length > 80) return done(null, 'unrecognised');
  const fallback = defaultZone && IANAZone.isValidZone(defaultZone) ? IANAZone.create(defaultZone) : null;

  if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed) && /(?:Z|[+-]\d{2}:?\d{2})$/.test(trimmed)) {
    return done(DateTime.fromISO(trimmed, { setZone: true }), 'iso8601');
  }
  const ymd = YMD.exec(trimmed);
  if (ymd) {
    const [, y, mo, d, h, mi, s, suffix] = ymd;
    const zone = suffix ? zoneFor(suffix) : fallback;
    if (!zone) return { text, instant: null, format: suffix ? 'unrecognised' : 'no-zone' };
    const dt = DateTime.fromObject(
      { year: +y!, month: +mo!, day: +d!, hour: +h!, minute: +mi!, second: +(s ?? 0) },
      { zone },
    );
    return done(dt, 'ymd-time');
  }
  const us = US.exec(trimmed);
  if (us) {
    const [, mo, d, y, h, mi, s, ampm, suffix] = us;
    const zone = suffix ? zoneFor(suffix) : fallback;
    if (!zone) return { text, instant: null, format: suffix ? 'unrecognised' : 'no-zone' };
    let hour = +h! % 12;
    if (ampm!.toUpperCase() === 'PM') hour += 12;
    if (+h! > 12 || +h! === 0) return done(null, 'unrecognised');
    const dt = DateTime.fromObject({ year: +y!, month: +mo!, day: +d!, hour, minute: +mi!, second: +(s ?? 0) }, { zone });
    return done(dt, 'us-12h');
  }
  if (/^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s/.test(trimmed)) {
    const named = /\s([A-Z]{2,5})$/.exec(trimmed);
    // luxon's RFC 2822 parser knows only the obsolete US zone names; map the rest to offsets.
    let candidate = trimmed;
    if (named && ABBREVIATIONS[named[1]!] !== undefined && !/^(UT|GMT|[ECMP][SD]T)$/.test(named[1]!)) {
      const minutes = ABBREVIATIONS[named[1]!]!;
      const sign = minutes < 0 ? '-' : '+';
      const abs = Math.abs(minutes);
      candidate = `${trimmed.slice(0, named.index)} ${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
    }
    return done(DateTime.fromRFC2822(candidate, { setZone: true }), 'rfc2822');
  }
  return done(null, 'unrecognised');
}
