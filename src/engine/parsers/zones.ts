/**
 * The zone part of a rendered time: a numeric offset, an IANA name, or an abbreviation. An
 * abbreviation that names several zones (`CST`: US Central, China, Cuba) is resolved only by the
 * template's `Timezone`; otherwise the time gets no instant (contract section 2: nothing is
 * guessed). Sources: the tz database's abbreviations and Wikipedia's "List of time zone
 * abbreviations"; names of the resolution come from ICU's long zone names (`en-US`).
 */
import { IANAZone } from 'luxon';

/** What a zone suffix denotes. */
export type ZoneReading =
  | { readonly kind: 'offset'; readonly minutes: number }
  | { readonly kind: 'iana'; readonly zone: IANAZone }
  | { readonly kind: 'ambiguous'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Abbreviations with one meaning today, as fixed offsets in minutes east of UTC. */
const UNIQUE: Readonly<Record<string, number>> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0, WET: 0, WEST: 60, CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180,
  WAT: 60, CAT: 120, EAT: 180, SAST: 120, MSK: 180, IDT: 180, PKT: 300, NPT: 345, ICT: 420, WIB: 420, WITA: 480,
  WIT: 540, HKT: 480, SGT: 480, PHT: 480, AWST: 480, JST: 540, KST: 540, ACST: 570, ACDT: 630, AEST: 600,
  AEDT: 660, NZST: 720, NZDT: 780, EST: -300, EDT: -240, PDT: -420, MDT: -360, AKST: -540, AKDT: -480,
  HST: -600, HDT: -540, ADT: -180, NST: -210, NDT: -150, ART: -180, BRT: -180,
};

interface Meaning {
  readonly label: string;
  readonly minutes: number;
  /** ICU long names (en-US) of the zones where the abbreviation has this meaning. */
  readonly longName?: RegExp;
  /** Zones ICU gives no telling long name for. */
  readonly zones?: readonly string[];
}

/** Abbreviations that name several zones; the template's Timezone picks one meaning. */
const AMBIGUOUS: Readonly<Record<string, readonly Meaning[]>> = {
  CST: [
    { label: 'US Central', minutes: -360, longName: /^Central (Standard|Daylight) Time$/ },
    { label: 'China', minutes: 480, longName: /^(China|Taiwan) (Standard|Daylight) Time$/ },
    { label: 'Cuba', minutes: -300, longName: /^Cuba (Standard|Daylight) Time$/ },
  ],
  CDT: [
    { label: 'US Central daylight', minutes: -300, longName: /^Central (Standard|Daylight) Time$/ },
    { label: 'Cuba daylight', minutes: -240, longName: /^Cuba (Standard|Daylight) Time$/ },
  ],
  IST: [
    { label: 'India', minutes: 330, longName: /^India Standard Time$/ },
    { label: 'Irish', minutes: 60, longName: /^Irish Standard Time$/ },
    { label: 'Israel', minutes: 120, longName: /^Israel (Standard|Daylight) Time$/ },
  ],
  BST: [
    { label: 'British Summer', minutes: 60, longName: /^British Summer Time$/ },
    { label: 'Bangladesh', minutes: 360, longName: /^Bangladesh Standard Time$/ },
    { label: 'Bougainville', minutes: 660, zones: ['Pacific/Bougainville'] },
  ],
  PST: [
    { label: 'US Pacific', minutes: -480, longName: /^Pacific (Standard|Daylight) Time$/ },
    { label: 'Philippine', minutes: 480, longName: /^Philippine Standard Time$/ },
  ],
  MST: [
    { label: 'US Mountain', minutes: -420, longName: /^Mountain (Standard|Daylight) Time$/ },
    { label: 'Malaysia', minutes: 480, longName: /^Malaysia Time$/ },
  ],
  AST: [
    { label: 'Atlantic', minutes: -240, longName: /^Atlantic (Standard|Daylight) Time$/ },
    { label: 'Arabia', minutes: 180, longName: /^Arabian Standard Time$/ },
  ],
  GST: [
    { label: 'Gulf', minutes: 240, longName: /^Gulf Standard Time$/ },
    { label: 'South Georgia', minutes: -120, longName: /^South Georgia Time$/ },
  ],
  SST: [
    { label: 'Samoa', minutes: -660, longName: /Samoa Standard Time$/ },
    { label: 'Singapore', minutes: 480, longName: /^Singapore Standard Time$/ },
  ],
  AMT: [
    { label: 'Amazon', minutes: -240, longName: /^Amazon (Standard|Summer) Time$/ },
    { label: 'Armenia', minutes: 240, longName: /^Armenia (Standard|Summer) Time$/ },
  ],
  ECT: [
    { label: 'Ecuador', minutes: -300, longName: /^Ecuador Time$/ },
    { label: 'Eastern Caribbean', minutes: -240, zones: [] },
  ],
  WST: [
    { label: 'Western Australia', minutes: 480, longName: /^Australian Western Standard Time$/ },
    { label: 'West Samoa', minutes: 780, zones: ['Pacific/Apia'] },
  ],
};

/** Every abbreviation the parser knows, unique or not (for documentation and tests). */
export const KNOWN_ABBREVIATIONS: readonly string[] = Object.freeze([...Object.keys(UNIQUE), ...Object.keys(AMBIGUOUS)]);

const MAX_OFFSET_MINUTES = 18 * 60;
const JANUARY = Date.UTC(2024, 0, 15);
const JULY = Date.UTC(2024, 6, 15);

function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function longNames(zone: string): string[] {
  const names: string[] = [];
  for (const at of [JANUARY, JULY]) {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'long' }).formatToParts(at);
    const name = parts.find((p) => p.type === 'timeZoneName')?.value;
    if (name) names.push(name);
  }
  return names;
}

function resolveAmbiguous(abbreviation: string, meanings: readonly Meaning[], timezone: string | undefined): ZoneReading {
  const list = meanings.map((m) => `${m.label} ${formatOffset(m.minutes)}`).join(', ');
  if (!timezone || !IANAZone.isValidZone(timezone)) {
    return { kind: 'ambiguous', reason: `${abbreviation} names several zones (${list}); set the template's Timezone to decide` };
  }
  const names = longNames(timezone);
  const fits = meanings.filter((m) => m.zones?.includes(timezone) || (m.longName && names.some((n) => m.longName!.test(n))));
  if (fits.length === 1) return { kind: 'offset', minutes: fits[0]!.minutes };
  return { kind: 'ambiguous', reason: `${abbreviation} names several zones (${list}) and Timezone ${timezone} uses none of them` };
}

/** Numeric offset `+05:30`, `+0530`, `+05`, `UTC+5`, `GMT-03:00`, `UTC+5:30`; minutes east, or null. */
export function parseOffset(text: string): number | null {
  const m = /^(?:(?:UTC|GMT|UT)([+-])(\d{1,2})(?::?(\d{2}))?|([+-])(\d{2})(?::?(\d{2}))?)$/i.exec(text);
  if (!m) return null;
  const sign = m[1] ?? m[4]!;
  const hours = Number(m[2] ?? m[5]);
  const minutes = Number(m[3] ?? m[6] ?? 0);
  const total = hours * 60 + minutes;
  if (minutes >= 60 || total > MAX_OFFSET_MINUTES) return null;
  return sign === '-' ? -total : total;
}

/** Reads a zone suffix; `timezone` (the template's Timezone) decides ambiguous abbreviations. */
export function readZone(suffix: string, timezone?: string): ZoneReading {
  const upper = suffix.toUpperCase();
  const unique = UNIQUE[upper];
  if (unique !== undefined) return { kind: 'offset', minutes: unique };
  const meanings = AMBIGUOUS[upper];
  if (meanings) return resolveAmbiguous(upper, meanings, timezone);
  const offset = parseOffset(suffix);
  if (offset !== null) return { kind: 'offset', minutes: offset };
  // Only Area/Location names: ICU also accepts legacy ids such as "IST", which are ambiguous.
  if (suffix.includes('/') && IANAZone.isValidZone(suffix)) return { kind: 'iana', zone: IANAZone.create(suffix) };
  return { kind: 'unknown', reason: `unknown zone ${JSON.stringify(suffix)}` };
}
