/**
 * The zone part of a rendered time: a numeric offset, an IANA name, or an abbreviation. An
 * abbreviation that names several zones (`CST`: US Central, China, Cuba) is resolved only by the
 * template's `Timezone`; otherwise the time gets no instant (contract section 2: nothing is
 * guessed).
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
  /** IANA zones where the abbreviation has this meaning. */
  readonly zones?: readonly string[];
  /** Or: zones under these prefixes whose January offset is `january` (a family such as US Central). */
  readonly family?: { readonly prefixes: readonly string[]; readonly january: number };
}

const AMERICAS = ['America/', 'US/', 'Canada/', 'Mexico/'];
const CHINA = ['Asia/Shanghai', 'Asia/Chongqing', 'Asia/Chungking', 'Asia/Harbin', 'Asia/Macau', 'Asia/Macao', 'Asia/Taipei', 'PRC', 'ROC'];

/**
 * Abbreviations that name several zones; the template's Timezone picks the meaning whose zones
 * include it. Sources: Wikipedia's "List of time zone abbreviations" and the tz database.
 */
const AMBIGUOUS: Readonly<Record<string, readonly Meaning[]>> = {
  CST: [
    { label: 'US Central', minutes: -360, family: { prefixes: [...AMERICAS, 'CST6CDT'], january: -360 } },
    { label: 'China', minutes: 480, zones: CHINA },
    { label: 'Cuba', minutes: -300, zones: ['America/Havana', 'Cuba'] },
  ],
  CDT: [
    { label: 'US Central daylight', minutes: -300, family: { prefixes: [...AMERICAS, 'CST6CDT'], january: -360 } },
    { label: 'Cuba daylight', minutes: -240, zones: ['America/Havana', 'Cuba'] },
  ],
  IST: [
    { label: 'India', minutes: 330, zones: ['Asia/Kolkata', 'Asia/Calcutta'] },
    { label: 'Irish', minutes: 60, zones: ['Europe/Dublin', 'Eire'] },
    { label: 'Israel', minutes: 120, zones: ['Asia/Jerusalem', 'Asia/Tel_Aviv', 'Israel'] },
  ],
  BST: [
    { label: 'British Summer', minutes: 60,
      zones: ['Europe/London', 'Europe/Belfast', 'Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/Jersey', 'GB', 'GB-Eire'] },
    { label: 'Bangladesh', minutes: 360, zones: ['Asia/Dhaka', 'Asia/Dacca'] },
    { label: 'Bougainville', minutes: 660, zones: ['Pacific/Bougainville'] },
  ],
  PST: [
    { label: 'US Pacific', minutes: -480, family: { prefixes: [...AMERICAS, 'PST8PDT'], january: -480 } },
    { label: 'Philippine', minutes: 480, zones: ['Asia/Manila'] },
  ],
  MST: [
    { label: 'US Mountain', minutes: -420, family: { prefixes: [...AMERICAS, 'MST7MDT', 'MST'], january: -420 } },
    { label: 'Malaysia', minutes: 480, zones: ['Asia/Kuala_Lumpur', 'Asia/Kuching'] },
  ],
  AST: [
    { label: 'Atlantic', minutes: -240, family: { prefixes: [...AMERICAS, 'Atlantic/Bermuda'], january: -240 } },
    { label: 'Arabia', minutes: 180, zones: ['Asia/Riyadh', 'Asia/Baghdad', 'Asia/Kuwait', 'Asia/Qatar', 'Asia/Bahrain', 'Asia/Aden'] },
  ],
  GST: [
    { label: 'Gulf', minutes: 240, zones: ['Asia/Dubai', 'Asia/Muscat'] },
    { label: 'South Georgia', minutes: -120, zones: ['Atlantic/South_Georgia'] },
  ],
  SST: [
    { label: 'Samoa', minutes: -660, zones: ['Pacific/Pago_Pago', 'Pacific/Samoa', 'Pacific/Midway', 'US/Samoa'] },
    { label: 'Singapore', minutes: 480, zones: ['Asia/Singapore', 'Singapore'] },
  ],
  AMT: [
    { label: 'Amazon', minutes: -240,
      zones: ['America/Manaus', 'America/Porto_Velho', 'America/Boa_Vista', 'America/Cuiaba', 'America/Campo_Grande', 'Brazil/West'] },
    { label: 'Armenia', minutes: 240, zones: ['Asia/Yerevan'] },
  ],
  ECT: [
    { label: 'Ecuador', minutes: -300, zones: ['America/Guayaquil'] },
    { label: 'Eastern Caribbean', minutes: -240, zones: [] },
  ],
  WST: [
    { label: 'Western Australia', minutes: 480, zones: ['Australia/Perth', 'Australia/West'] },
    { label: 'West Samoa', minutes: 780, zones: ['Pacific/Apia'] },
  ],
};

const MAX_OFFSET_MINUTES = 18 * 60;
const JANUARY = Date.UTC(2024, 0, 15);

function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function fits(meaning: Meaning, timezone: string): boolean {
  if (meaning.zones?.includes(timezone)) return true;
  const family = meaning.family;
  return !!family && family.prefixes.some((p) => timezone.startsWith(p)) && IANAZone.create(timezone).offset(JANUARY) === family.january;
}

function resolveAmbiguous(abbreviation: string, meanings: readonly Meaning[], timezone: string | undefined): ZoneReading {
  const list = meanings.map((m) => `${m.label} ${formatOffset(m.minutes)}`).join(', ');
  // The template's zone: create() is cached by luxon, isValidZone() builds a formatter each call.
  if (!timezone || !IANAZone.create(timezone).isValid) {
    return { kind: 'ambiguous', reason: `${abbreviation} names several zones (${list}); set the template's Timezone to decide` };
  }
  const found = meanings.filter((m) => fits(m, timezone));
  if (found.length === 1) return { kind: 'offset', minutes: found[0]!.minutes };
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
