// The engine's promise as a checkable property, shared by the bounded run in `npm test`
// (property.test.ts) and long runs (`npm run fuzz:extract`).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMatcher, type MacroValues } from '../../src/engine/index.js';
import { squashSpaces } from '../../src/engine/whitespace.js';
import { template } from './helpers.js';

const ONE_LINE = [
  'EXTERNAL_KEY', 'CUSTOMER_NAME', 'CUSTOMER_COMPUTER-NAME', 'PRIMARY_REP_PRIVATE_DISPLAY_NAME',
  'PRIMARY_REP_PUBLIC_DISPLAY_NAME', 'PRIMARY_REP_USER_NAME',
];
const TIMES = ['START_TIME', 'END_TIME'];
const TYPED = ['LSID', 'LSEQ'];
const MULTI = ['SESSION_SUMMARY', 'SESSION_NOTES', 'SESSION_CHAT', 'SYSTEM_INFORMATION'];
const URLS = ['SCREEN_SHARING_RECORDING', 'COMMAND_SHELL_RECORDING'];
const IN_SUBJECT = [...ONE_LINE, ...TIMES, ...TYPED];
const IN_BODY = [...IN_SUBJECT, ...MULTI, ...URLS];

/** What literals are made of; values are made of the same pieces, so they contain literals. */
const PIECES = ['\n', ': ', ' (', ')', 'Name', '\n== Chat ==\n', '\n\n', ' ', ' - ', '-', 'x', 'Session ', 'é', '\t', '12', ',', ' for '];
const WORDS = ['Jane', 'Roe', 'a', 'ü', '[b]', 'http://h/?a=1&b=2', '%', '山田\u3000太郎', 'A\u00a0B', 'K  1', 'Mon'];
const TIME_VALUES = [
  '2024-12-03 15:26:05 UTC', 'Mon, 30 Nov 2026 14:03:07 -0500', '12/3/2024 4:10:02 PM EST', '2024-12-03T15:26:05+00:00',
];
const H_SPACE = /^[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+$/g;

const literal = (pieces: string[]): fc.Arbitrary<string> => fc.array(fc.constantFrom(...pieces), { maxLength: 3 }).map((p) => p.join(''));
const oneLine = fc
  .array(fc.constantFrom(...PIECES.filter((p) => !p.includes('\n')), ...WORDS), { maxLength: 5 })
  .map((p) => p.join('').replace(H_SPACE, ''));
const multiLine = fc
  .array(fc.constantFrom(...PIECES, ...WORDS), { maxLength: 8 })
  .map((p) => p.join('').split('\n').map((l) => l.replace(/[ \t\u00a0\u3000]+$/, '')).join('\n').replace(/^\s+/, '').replace(/\s+$/, ''));
const hex = fc.constantFrom(...'0123456789abcdefABCDEF'.split(''));
const url = fc.integer({ min: 1, max: 99 }).map((n) => `https://support.example.com/session_download?lsid=l%3D${n}%3Bh%3D0c&dl_action=video`);

function valueFor(name: string): fc.Arbitrary<string> {
  const base =
    name === 'LSID' ? fc.string({ unit: hex, minLength: 32, maxLength: 32 })
      : name === 'LSEQ' ? fc.bigInt(0n, 2n ** 63n - 1n).map(String)
        : TIMES.includes(name) ? fc.constantFrom(...TIME_VALUES)
          : URLS.includes(name) ? fc.array(url, { minLength: 1, maxLength: 3 }).map((u) => u.join('\n'))
            : MULTI.includes(name) ? multiLine : oneLine;
  return fc.oneof({ weight: 6, arbitrary: base }, { weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constant(`%${name}%`) });
}

/** A relay or client between the appliance and unmacro. */
export type Transport = 'none' | 'collapse-subject' | 'collapse-both' | 'nbsp-literals' | 'crcrlf';

export interface Scenario {
  subjectMacros: string[];
  subjectLiterals: string[];
  bodyMacros: string[];
  bodyLiterals: string[];
  values: Record<string, string>;
  transport: Transport;
}

export const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    subjectMacros: fc.array(fc.constantFrom(...IN_SUBJECT), { maxLength: 3 }),
    subjectLiterals: fc.array(literal(PIECES.filter((p) => !p.includes('\n') && p !== '\t')), { minLength: 4, maxLength: 4 }),
    bodyMacros: fc.array(fc.constantFrom(...IN_BODY), { minLength: 1, maxLength: 5 }),
    bodyLiterals: fc.array(literal(PIECES), { minLength: 6, maxLength: 6 }),
    transport: fc.constantFrom<Transport>('none', 'none', 'none', 'collapse-subject', 'collapse-both', 'nbsp-literals', 'crcrlf'),
  })
  .chain((s) =>
    fc.record({
      ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, fc.constant(v)])),
      values: fc.record(Object.fromEntries([...new Set([...s.subjectMacros, ...s.bodyMacros])].map((m) => [m, valueFor(m)]))),
    }) as fc.Arbitrary<Scenario>,
  );

function render(macros: string[], literals: string[], values: Record<string, string>, literalOf: (l: string) => string): { text: string; source: string } {
  let text = literalOf(literals[0]!);
  let source = literals[0]!;
  macros.forEach((m, i) => {
    text += values[m]! + literalOf(literals[i + 1]!);
    source += `%${m}%${literals[i + 1]!}`;
  });
  return { text, source };
}

function expected(name: string, value: string): string | null {
  if (value === '' || value === `%${name}%`) return null;
  return name === 'LSID' ? value.toLowerCase() : value;
}

/** Checks the promise for one scenario; returns the status. Throws (assert) when it is broken. */
export function checkPromise(s: Scenario): 'extracted' | 'ambiguous' | 'unmatched' {
  const nbsp = (l: string): string => (s.transport === 'nbsp-literals' ? l.replace(/ /g, '\u00a0') : l);
  // A Subject header is written without spaces at its ends.
  const subjectLiterals = s.subjectLiterals.slice(0, s.subjectMacros.length + 1);
  subjectLiterals[0] = subjectLiterals[0]!.trimStart();
  subjectLiterals[subjectLiterals.length - 1] = subjectLiterals[subjectLiterals.length - 1]!.trimEnd();
  const subject = render(s.subjectMacros, subjectLiterals, s.values, (l) => l);
  const body = render(s.bodyMacros, s.bodyLiterals, s.values, nbsp);
  fc.pre(body.source.trim() !== '');
  const collapse = (t: string): string => t.replace(/ {2,}/g, ' ');
  let mailSubject = subject.text;
  let mailBody = body.text;
  if (s.transport === 'collapse-subject' || s.transport === 'collapse-both') mailSubject = collapse(mailSubject);
  if (s.transport === 'collapse-both') mailBody = collapse(mailBody);
  if (s.transport === 'crcrlf') mailBody = mailBody.replace(/\n/g, '\r\r\n');
  const t = template(body.source, subject.source.trim() === '' ? {} : { subject: subject.source });
  const result = createMatcher([t]).match({ subject: mailSubject, text: mailBody });
  const context = JSON.stringify({ subject: subject.source, body: body.source, mailSubject, mailBody });
  if (result.status === 'unmatched') {
    assert.ok(result.explanation.message.length > 0);
    return 'unmatched';
  }
  const relaxed = s.transport === 'collapse-subject' || s.transport === 'collapse-both';
  const same = (values: MacroValues): boolean =>
    Object.entries(s.values).every(([m, v]) => {
      const want = expected(m, v);
      const got = values[m] ?? null;
      if (want === null || got === null) return want === got;
      return relaxed ? squashSpaces(got) === squashSpaces(want) : got === want;
    });
  if (result.status === 'extracted') {
    assert.ok(same(result.values), `extracted but wrong: ${context} got ${JSON.stringify(result.values)}`);
    assert.equal(result.alternatives, 1);
    return 'extracted';
  }
  assert.ok(result.alternatives > 1 || result.tiedTemplates.length > 0, context);
  const listed = [result.values, ...result.otherReadings];
  if (!result.alternativesCapped && listed.length === result.alternatives) {
    assert.ok(listed.some(same), `ambiguous without the rendered reading: ${context} got ${JSON.stringify(listed)}`);
  }
  return 'ambiguous';
}
