import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { parseTemplate, parseTime, typeValues } from '../../src/engine/index.js';
import { isTimeLike, type DateOrder } from '../../src/engine/parsers/times.js';

interface Case {
  text: string;
  zone?: string;
  order?: DateOrder;
  /** The instant in UTC with every fractional digit, or null. */
  iso: string | null;
  format: string;
  /** What used to go wrong, when this is a regression case. */
  was?: string;
}

// Every supported rendering.
const renderings: Case[] = [
  { text: '2024-12-03T15:26:05+00:00', iso: '2024-12-03T15:26:05.000Z', format: 'iso8601' },
  { text: '2024-12-03T10:26:05-05:00', iso: '2024-12-03T15:26:05.000Z', format: 'iso8601' },
  { text: '2024-12-03T15:26:05Z', iso: '2024-12-03T15:26:05.000Z', format: 'iso8601' },
  { text: '2024-12-03T15:26Z', iso: '2024-12-03T15:26:00.000Z', format: 'iso8601' },
  { text: '2024-12-03T20:56:05.250+0530', iso: '2024-12-03T15:26:05.250Z', format: 'iso8601' },
  { text: '2024-12-03T16:26:05', zone: 'Europe/Paris', iso: '2024-12-03T15:26:05.000Z', format: 'iso8601' },
  { text: '2024-12-03 15:26:05+00:00', iso: '2024-12-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2024-12-03 15:26:05 UTC', iso: '2024-12-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2024-12-03 15:26 GMT', iso: '2024-12-03T15:26:00.000Z', format: 'ymd-time' },
  { text: '2024-12-03 16:26:05 +0100', iso: '2024-12-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2024-12-03 16:26:05 +01', iso: '2024-12-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2024-12-03 20:26:05 UTC+5', iso: '2024-12-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2024-12-03 20:56:05 UTC+5:30', iso: '2024-12-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2024-12-03 12:26:05 GMT-03:00', iso: '2024-12-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2024-12-03 16:26:05 Europe/Paris', iso: '2024-12-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2024-12-03 20:56:05 (UTC+05:30)', iso: '2024-12-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2024/12/03 15:26:05 UTC', iso: '2024-12-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2024-07-03 17:26:05', zone: 'Europe/Paris', iso: '2024-07-03T15:26:05.000Z', format: 'ymd-time' },
  { text: '2026-03-08 14:03:07.250 +05:30', iso: '2026-03-08T08:33:07.250Z', format: 'ymd-time', was: 'the .250 was dropped' },
  { text: '2026-03-08 14:03:07.250123 +05:30', iso: '2026-03-08T08:33:07.250123Z', format: 'ymd-time' },
  { text: '2026-03-08 14:03:07,5 UTC', iso: '2026-03-08T14:03:07.500Z', format: 'ymd-time' },
  { text: '12/3/2024 4:10:02 PM EST', iso: '2024-12-03T21:10:02.000Z', format: 'numeric-date' },
  { text: '12/3/2024, 4:10 p.m. EST', iso: '2024-12-03T21:10:00.000Z', format: 'numeric-date' },
  { text: '7/4/2024 12:00:00 AM', zone: 'America/New_York', iso: '2024-07-04T04:00:00.000Z', format: 'numeric-date' },
  { text: '12/03/2024 16:10:02.125 -0500', iso: '2024-12-03T21:10:02.125Z', format: 'numeric-date' },
  { text: '03.12.2024 16:10 CET', iso: '2024-12-03T15:10:00.000Z', format: 'numeric-date' },
  { text: '03-12-2024 16:10 CET', order: 'DMY', iso: '2024-12-03T15:10:00.000Z', format: 'numeric-date' },
  { text: '03/12/2024 16:10 CET', order: 'DMY', iso: '2024-12-03T15:10:00.000Z', format: 'numeric-date' },
  { text: '12.03.2024 16:10 CET', order: 'MDY', iso: '2024-12-03T15:10:00.000Z', format: 'numeric-date' },
  { text: '2024-12-03 16:10 CET', order: 'DMY', iso: '2024-12-03T15:10:00.000Z', format: 'ymd-time' },
  { text: 'Tue, 3 Dec 2024 15:26:05 +0000', iso: '2024-12-03T15:26:05.000Z', format: 'rfc2822' },
  { text: 'Tue, 3 Dec 2024 16:26:05 CET', iso: '2024-12-03T15:26:05.000Z', format: 'rfc2822' },
  { text: '3 Dec 2024 10:26:05 EST', iso: '2024-12-03T15:26:05.000Z', format: 'rfc2822' },
  { text: 'Mon, 30 Nov 2026 14:03:07 -0500', iso: '2026-11-30T19:03:07.000Z', format: 'rfc2822' },
  { text: 'Mon, 30 Nov 2026 14:03:07 -0500 (EST)', iso: '2026-11-30T19:03:07.000Z', format: 'rfc2822' },
  { text: 'Mon, 30 Nov 2026 14:03 GMT', iso: '2026-11-30T14:03:00.000Z', format: 'rfc2822' },
  { text: 'Dec 3, 2024 4:10:02 PM EST', iso: '2024-12-03T21:10:02.000Z', format: 'month-name' },
  { text: 'December 3, 2024 at 4:10:02 PM EST', iso: '2024-12-03T21:10:02.000Z', format: 'month-name' },
  { text: 'Tuesday, December 3, 2024 4:10 PM UTC', iso: '2024-12-03T16:10:00.000Z', format: 'month-name' },
  { text: '3 December 2024 16:10', zone: 'Europe/London', iso: '2024-12-03T16:10:00.000Z', format: 'month-name' },
  { text: '03-Dec-2024 16:10:02 UTC', iso: '2024-12-03T16:10:02.000Z', format: 'month-name' },
  { text: 'Tue Dec  3 16:10:02 EST 2024', iso: '2024-12-03T21:10:02.000Z', format: 'month-name' },
  { text: 'Tue Dec 03 2024 16:10:02 GMT-0500 (Eastern Standard Time)', iso: '2024-12-03T21:10:02.000Z', format: 'month-name' },
  // Ambiguous abbreviations decided by the template's Timezone.
  { text: '2026-11-30 14:03:07 CST', zone: 'America/Chicago', iso: '2026-11-30T20:03:07.000Z', format: 'ymd-time' },
  { text: '2026-11-30 14:03:07 CST', zone: 'Asia/Shanghai', iso: '2026-11-30T06:03:07.000Z', format: 'ymd-time' },
  { text: '2026-11-30 14:03:07 CST', zone: 'America/Havana', iso: '2026-11-30T19:03:07.000Z', format: 'ymd-time' },
  { text: '2026-07-01 14:03:07 CST', zone: 'America/Chicago', iso: '2026-07-01T20:03:07.000Z', format: 'ymd-time' },
  { text: '2024-12-03 16:10 IST', zone: 'Asia/Kolkata', iso: '2024-12-03T10:40:00.000Z', format: 'ymd-time' },
  { text: '2024-07-03 16:10 IST', zone: 'Europe/Dublin', iso: '2024-07-03T15:10:00.000Z', format: 'ymd-time' },
  { text: '2024-07-03 16:10 IST', zone: 'Asia/Jerusalem', iso: '2024-07-03T14:10:00.000Z', format: 'ymd-time' },
  { text: '2024-07-03 16:10 BST', zone: 'Europe/London', iso: '2024-07-03T15:10:00.000Z', format: 'ymd-time' },
  { text: '2024-07-03 16:10 BST', zone: 'Asia/Dhaka', iso: '2024-07-03T10:10:00.000Z', format: 'ymd-time' },
  { text: '12/3/2024 4:10:02 PM PST', zone: 'America/Los_Angeles', iso: '2024-12-04T00:10:02.000Z', format: 'numeric-date' },
];

// Nothing guessed: no instant, and the reason is named.
const noGuess: Case[] = [
  { text: '2026-11-30 14:03:07 CST', iso: null, format: 'ambiguous-zone', was: 'CST was read as US Central' },
  { text: '2026-11-30 14:03:07 CST', zone: 'Europe/Paris', iso: null, format: 'ambiguous-zone' },
  { text: '12/3/2024 4:10:02 PM IST', iso: null, format: 'ambiguous-zone' },
  { text: 'Tue, 3 Dec 2024 16:10:02 BST', iso: null, format: 'ambiguous-zone' },
  { text: '2024-12-03 16:10 PST', iso: null, format: 'ambiguous-zone' },
  { text: '2024-12-03 16:10 MST', iso: null, format: 'ambiguous-zone' },
  { text: '2024-12-03 16:10 AST', iso: null, format: 'ambiguous-zone' },
  { text: '2024-12-03 16:10 GST', iso: null, format: 'ambiguous-zone' },
  { text: '2024-12-03 16:10 SST', iso: null, format: 'ambiguous-zone' },
  { text: '2024-12-03 16:10 CDT', iso: null, format: 'ambiguous-zone' },
  { text: '2024-07-03 17:26:05', iso: null, format: 'no-zone' },
  { text: '03/11/2026 10:00', zone: 'UTC', iso: '2026-03-11T10:00:00.000Z', format: 'numeric-date', was: 'read month-first regardless of DateOrder' },
  { text: '03/11/2026 10:00', zone: 'UTC', order: 'DMY', iso: '2026-11-03T10:00:00.000Z', format: 'numeric-date' },
  { text: '13/11/2026 10:00', zone: 'UTC', iso: null, format: 'invalid-date' },
  { text: '03-11-2026 10:00', zone: 'UTC', iso: null, format: 'invalid-date' },
  { text: '03/11/2026 10:00', zone: 'UTC', order: 'YMD', iso: null, format: 'invalid-date' },
  { text: '12/3/24 4:10 PM EST', iso: null, format: 'invalid-date' },
  { text: 'Wed, 3 Dec 2024 15:26:05 +0000', iso: null, format: 'invalid-date' },
  { text: '2024-02-30 10:00 UTC', iso: null, format: 'invalid-date' },
  { text: '2024-13-45 99:99:99 UTC', iso: null, format: 'invalid-date' },
  { text: '12/3/2024 13:10 PM EST', iso: null, format: 'invalid-date' },
  { text: '2026-03-08 02:30:00', zone: 'America/New_York', iso: null, format: 'dst-gap', was: 'silently became 07:30Z' },
  { text: '2026-03-29 02:30:00 Europe/Paris', iso: null, format: 'dst-gap' },
  { text: '2026-11-01 01:30:00', zone: 'America/New_York', iso: null, format: 'dst-overlap' },
  { text: '2026-10-25 02:30:00 Europe/Paris', iso: null, format: 'dst-overlap' },
  { text: '2026-11-01 00:59:59', zone: 'America/New_York', iso: '2026-11-01T04:59:59.000Z', format: 'ymd-time' },
  { text: '2026-11-01 02:00:00', zone: 'America/New_York', iso: '2026-11-01T07:00:00.000Z', format: 'ymd-time' },
  { text: '2024-07-03 16:10 XYZ', iso: null, format: 'unrecognised' },
  { text: 'yesterday at noon', iso: null, format: 'unrecognised' },
  { text: 'Mon, 30 Nov 2026 14:03:07 -0500,Mon', iso: null, format: 'unrecognised', was: 'a wrong split looked like a time' },
  { text: '2024-12-03 16:10 +25:00', iso: null, format: 'unrecognised' },
  { text: '', iso: null, format: 'unrecognised' },
  { text: `2024-12-03 16:10 UTC${' '.repeat(200)}x`, iso: null, format: 'unrecognised' },
];

for (const c of [...renderings, ...noGuess]) {
  test(`time: ${JSON.stringify(c.text)}${c.zone ? ` in ${c.zone}` : ''}${c.order ? ` ${c.order}` : ''}${c.was ? ` (${c.was})` : ''}`, () => {
    const t = parseTime(c.text, c.zone, c.order);
    assert.equal(t.text, c.text);
    assert.equal(t.format, c.format, t.reason);
    assert.equal(t.iso, c.iso);
    if (c.iso === null) {
      assert.equal(t.instant, null);
      assert.ok(t.reason, 'a time without instant says why');
    } else {
      assert.equal(t.instant!.getTime(), Date.parse(c.iso));
      assert.equal(t.rendering, c.format);
    }
  });
}

test('time: reasons name what to change', () => {
  assert.match(parseTime('2026-11-30 14:03:07 CST').reason!, /US Central -06:00, China \+08:00, Cuba -05:00.*Timezone/);
  assert.match(parseTime('13/11/2026 10:00', 'UTC').reason!, /MDY.*DateOrder/);
  assert.match(parseTime('2026-03-08 02:30:00', 'America/New_York').reason!, /does not exist in America\/New_York/);
});

test('time: isTimeLike accepts every rendering, even without instant, and rejects other text', () => {
  for (const c of renderings) assert.equal(isTimeLike(c.text), true, c.text);
  for (const text of ['2026-11-30 14:03:07 CST', '13/11/2026 10:00', '2026-03-08 02:30:00 America/New_York']) {
    assert.equal(isTimeLike(text), true, text);
  }
  for (const text of ['Mon, 30 Nov 2026 14:03:07 -0500,Mon', 'Mon', 'INC0012345 42', '2024-07-03 16:10 XYZ', '%START_TIME%', '']) {
    assert.equal(isTimeLike(text), false, text);
  }
});

test('time: parseTime is total and linear on hostile input', () => {
  const hostile = ['1'.repeat(99), `${'1:'.repeat(49)}1`, `${'2024-12-03 '.repeat(9)}`, '\u0000\uffff', '( ( ( ('];
  for (const text of hostile) assert.equal(parseTime(text).instant, null);
});

test('DateOrder header: parsed onto the template, validated, and used by typeValues', () => {
  const r = parseTemplate('Name: t\nEvent: session-end\nDateOrder: dmy\nTimezone: UTC\n\nStart: %START_TIME%\n');
  assert.deepEqual(r.errors, []);
  assert.equal(r.template!.dateOrder, 'DMY');
  assert.equal(parseTemplate('Name: t\nEvent: session-end\n\nStart: %START_TIME%\n').template!.dateOrder, undefined);
  const bad = parseTemplate('Name: t\nEvent: session-end\nDateOrder: DD/MM\n\nStart: %START_TIME%\n');
  assert.deepEqual(bad.errors.map((e) => [e.code, e.line]), [['bad-date-order', 3]]);
  assert.match(bad.errors[0]!.hint!, /DMY/);
  const typed = typeValues({ START_TIME: '03/11/2026 10:00', END_TIME: '03/11/2026 11:00' }, 'UTC', 'DMY');
  assert.equal(typed.start_time?.iso, '2026-11-03T10:00:00.000Z');
  // The old two-argument call still works and reads "/" dates month first.
  assert.equal(typeValues({ START_TIME: '03/11/2026 10:00' }, 'UTC').start_time?.iso, '2026-03-11T10:00:00.000Z');
});

// Property: a random instant rendered in a random supported form, with a random offset and
// fraction, parses back to the same instant with every fractional digit.
test('time: every rendering round-trips random instants, offsets and fractions', () => {
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const two = (n: number): string => String(n).padStart(2, '0');
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 31) }),
      fc.integer({ min: -14 * 4, max: 14 * 4 }).map((q) => q * 15),
      fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }),
      fc.integer({ min: 0, max: 7 }),
      (ms, offset, fraction, form) => {
        const instantSecond = Math.floor(ms / 1000) * 1000;
        const local = new Date(instantSecond + offset * 60_000);
        const [y, mo, d, h, mi, s] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), local.getUTCHours(),
          local.getUTCMinutes(), local.getUTCSeconds()];
        const sign = offset < 0 ? '-' : '+';
        const oh = two(Math.floor(Math.abs(offset) / 60));
        const om = two(Math.abs(offset) % 60);
        const secs = `${two(s)}${fraction ? `.${fraction}` : ''}`;
        const h12 = `${h % 12 === 0 ? 12 : h % 12}:${two(mi)}:${secs} ${h < 12 ? 'AM' : 'PM'}`;
        const texts: [string, DateOrder?][] = [
          [`${y}-${two(mo + 1)}-${two(d)}T${two(h)}:${two(mi)}:${secs}${offset === 0 ? 'Z' : `${sign}${oh}:${om}`}`],
          [`${y}-${two(mo + 1)}-${two(d)} ${two(h)}:${two(mi)}:${secs} ${sign}${oh}${om}`],
          [`${DAYS[local.getUTCDay()]}, ${d} ${MONTHS[mo]} ${y} ${two(h)}:${two(mi)}:${secs} ${sign}${oh}${om}`],
          [`${mo + 1}/${d}/${y} ${h12} UTC${sign}${oh}:${om}`],
          [`${two(d)}/${two(mo + 1)}/${y} ${two(h)}:${two(mi)}:${secs} ${sign}${oh}:${om}`, 'DMY'],
          [`${two(d)}.${two(mo + 1)}.${y} ${two(h)}:${two(mi)}:${secs} GMT${sign}${oh}${om}`],
          [`${MONTHS[mo]} ${d}, ${y} ${h12} ${sign}${oh}:${om}`],
          [`${d} ${LONG[mo]} ${y} ${two(h)}:${two(mi)}:${secs} (UTC${sign}${oh}:${om})`],
        ];
        const [text, order] = texts[form]!;
        const t = parseTime(text, undefined, order);
        const digits = (fraction ?? '').padEnd(3, '0');
        const expected = new Date(instantSecond).toISOString().replace(/\.\d{3}Z$/, `.${digits}Z`);
        assert.equal(t.iso, expected, `${text}: ${t.reason ?? t.format}`);
      },
    ),
    { numRuns: 500 },
  );
});

// Property: a local time in a zone gets an instant exactly when one offset of the zone maps it
// back to itself (brute force over every quarter-hour offset); none in a gap, none in an overlap.
test('time: local times get an instant only when the zone gives exactly one', () => {
  const zones = ['America/New_York', 'Europe/Paris', 'Australia/Sydney', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Europe/Dublin', 'America/Sao_Paulo', 'Asia/Kolkata'];
  const two = (n: number): string => String(n).padStart(2, '0');
  fc.assert(
    fc.property(
      fc.constantFrom(...zones),
      fc.integer({ min: Date.UTC(2015, 0, 1) / 60_000, max: Date.UTC(2030, 0, 1) / 60_000 }).map((m) => m * 60_000),
      fc.boolean(),
      (zoneName, wall, nearTransition) => {
        const zone = IANAZone.create(zoneName);
        // Half the cases are moved next to a transition of the zone, where gaps and overlaps are.
        let at = wall;
        if (nearTransition) {
          const WEEK_MS = 7 * 86_400_000;
          for (let t = wall; t < wall + 53 * WEEK_MS; t += WEEK_MS) {
            if (zone.offset(t) === zone.offset(t + WEEK_MS)) continue;
            let [lo, hi] = [t, t + WEEK_MS];
            while (hi - lo > 60_000) {
              const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
              if (zone.offset(mid) === zone.offset(lo)) lo = mid;
              else hi = mid;
            }
            at = hi + zone.offset(lo) * 60_000 - 3_600_000 + (wall % 10_800_000);
            break;
          }
        }
        const w = new Date(at);
        const text = `${w.getUTCFullYear()}-${two(w.getUTCMonth() + 1)}-${two(w.getUTCDate())} ${two(w.getUTCHours())}:${two(w.getUTCMinutes())}`;
        const wallMs = Date.UTC(w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate(), w.getUTCHours(), w.getUTCMinutes());
        const instants: number[] = [];
        for (let o = -14 * 60; o <= 14 * 60; o += 15) if (zone.offset(wallMs - o * 60_000) === o) instants.push(wallMs - o * 60_000);
        const t = parseTime(text, zoneName);
        if (instants.length === 1) assert.equal(t.instant?.getTime(), instants[0], text);
        else assert.equal(t.format, instants.length === 0 ? 'dst-gap' : 'dst-overlap', `${text} in ${zoneName}`);
      },
    ),
    { numRuns: 300 },
  );
});
