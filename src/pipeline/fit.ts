// Values checked against the columns they go to, before any SQL: a value that does not fit is
// left out of its typed column (its text stays in `values`) and named in `detail`, so that the
// database never refuses a mail or an HTTP event for what it says.

/** PostgreSQL bigint. */
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;
/**
 * Longest text kept in a btree-indexed column (LSID, representative, event name). A btree entry
 * holds at most ~2,700 bytes; real values are tens of bytes. Longer values stay in `values`.
 */
export const INDEXED_TEXT_MAX_BYTES = 1000;
/** PostgreSQL's timestamptz range (4713 BC to 294276 AD), as JavaScript time values, rounded inwards. */
const TIMESTAMPTZ_MIN_MS = Date.UTC(-4712, 0, 1);
// JavaScript's last Date (year 275760) comes before PostgreSQL's last timestamptz.
const TIMESTAMPTZ_MAX_MS = 8.64e15;
/** How much of an offending value `detail` quotes. */
const QUOTE_CHARS = 40;

/** Collects what did not fit, for `detail`. */
export class Misfits {
  private readonly notes: string[] = [];

  /** `kept` ends each note (how the value was kept); empty for values whose misfit refuses the reading. */
  constructor(private readonly kept = '; kept as text only') {}

  /** The number (as text) when it fits bigint, else null and a note. */
  bigint(field: string, value: string | number | null): string | null {
    if (value === null) return null;
    const digits = String(value).trim();
    if (/^-?\d+$/.test(digits) && BigInt(digits) >= BIGINT_MIN && BigInt(digits) <= BIGINT_MAX) return digits;
    this.note(field, digits, 'is beyond the bigint range');
    return null;
  }

  /** The instant as PostgreSQL timestamptz input when it is in range, else null and a note. */
  timestamptz(field: string, value: Date | null, shown: string | null = null): string | null {
    if (value === null) return null;
    const ms = value.getTime();
    if (Number.isFinite(ms) && ms >= TIMESTAMPTZ_MIN_MS && ms <= TIMESTAMPTZ_MAX_MS) return timestamptzText(value);
    this.note(field, shown ?? (Number.isFinite(ms) ? value.toISOString() : 'an invalid time'), "is outside PostgreSQL's timestamptz range");
    return null;
  }

  /** The text when an index can hold it, else null and a note. */
  indexed(field: string, value: string | null): string | null {
    if (value === null || Buffer.byteLength(value) <= INDEXED_TEXT_MAX_BYTES) return value;
    this.note(field, value, `is ${Buffer.byteLength(value)} bytes, over the ${INDEXED_TEXT_MAX_BYTES} an indexed column takes`);
    return null;
  }

  /** The text cut to what an index can hold (for a column that cannot be NULL), with a note when cut. */
  cut(field: string, value: string): string {
    if (Buffer.byteLength(value) <= INDEXED_TEXT_MAX_BYTES) return value;
    this.note(field, value, `is ${Buffer.byteLength(value)} bytes; cut to ${INDEXED_TEXT_MAX_BYTES} in its indexed column`);
    return Buffer.from(value).subarray(0, INDEXED_TEXT_MAX_BYTES).toString('utf8').replace(/\uFFFD$/, '');
  }

  note(field: string, value: string, why: string): void {
    const quoted = value.length > QUOTE_CHARS ? `${value.slice(0, QUOTE_CHARS)}…` : value;
    this.notes.push(`${field} ${JSON.stringify(quoted)} ${why}${this.kept}`);
  }

  /** `detail` text, or null when everything fit. */
  detail(): string | null {
    return this.notes.length > 0 ? this.notes.join('; ') : null;
  }
}

/** An instant as PostgreSQL reads it whatever the year: `YYYY-MM-DD hh:mm:ss.sss+00`, with ` BC` for years before 1. */
export function timestamptzText(value: Date): string {
  const year = value.getUTCFullYear();
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const shownYear = year > 0 ? year : 1 - year;
  return `${pad(shownYear, 4)}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())} ${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}.${pad(value.getUTCMilliseconds(), 3)}+00${year > 0 ? '' : ' BC'}`;
}
