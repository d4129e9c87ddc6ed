// Property tests: random values (including the template's own literal pieces) rendered into
// random templates and extracted back. Every unambiguous result must round-trip exactly; every
// result that differs from what was rendered must be reported as ambiguous.
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMatcher } from '../../src/engine/index.js';
import { template } from './helpers.js';

const ONE_LINE = [
  'EXTERNAL_KEY', 'CUSTOMER_NAME', 'CUSTOMER_COMPUTER-NAME', 'PRIMARY_REP_PRIVATE_DISPLAY_NAME',
  'PRIMARY_REP_PUBLIC_DISPLAY_NAME', 'PRIMARY_REP_USER_NAME', 'START_TIME', 'END_TIME', 'SCREEN_SHARING_RECORDING',
];
const MULTI = ['SESSION_SUMMARY', 'SESSION_NOTES', 'SESSION_CHAT', 'SYSTEM_INFORMATION', 'COMMAND_SHELL_RECORDING'];
const TYPED = ['LSID', 'LSEQ'];
const ALL = [...ONE_LINE, ...MULTI, ...TYPED];

/** What literals are made of; values are made of the same pieces so they contain literals. */
const PIECES = ['\n', ': ', ' (', ')', 'Name', '\n== Chat ==\n', '\n\n', ' ', '-', 'x', 'Session ', 'é', '\t', '12'];
const WORDS = ['Jane', 'Roe', 'a', 'ü', '[b]', 'http://h/?a=1&b=2', '%', '山田'];

const literal = fc.array(fc.constantFrom(...PIECES), { maxLength: 3 }).map((p) => p.join(''));

/** A one-line value in normalised form (what the engine must return). */
const oneLine = fc
  .array(fc.constantFrom(...PIECES.filter((p) => !p.includes('\n')), ...WORDS), { maxLength: 5 })
  .map((p) => p.join('').trim());
const multiLine = fc
  .array(fc.constantFrom(...PIECES, ...WORDS), { maxLength: 8 })
  .map((p) =>
    p
      .join('')
      .split('\n')
      .map((l) => l.replace(/[ \t]+$/, ''))
      .join('\n')
      .replace(/^[\s]+/, '')
      .replace(/\s+$/, ''),
  );
const hex = fc.constantFrom(...'0123456789abcdefABCDEF'.split(''));
const lsid = fc.string({ unit: hex, minLength: 32, maxLength: 32 });
const lseq = fc.bigInt(0n, 10n ** 22n).map(String);

function valueFor(name: string): fc.Arbitrary<string> {
  const base = name === 'LSID' ? lsid : name === 'LSEQ' ? lseq : MULTI.includes(name) ? multiLine : oneLine;
  return fc.oneof({ weight: 6, arbitrary: base }, { weight: 1, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constant(`%${name}%`) });
}

const scenario = fc
  .record({
    macros: fc.array(fc.constantFrom(...ALL), { minLength: 1, maxLength: 5 }),
    literals: fc.array(literal, { minLength: 6, maxLength: 6 }),
  })
  .chain(({ macros, literals }) =>
    fc.record({
      macros: fc.constant(macros),
      literals: fc.constant(literals),
      values: fc.record(Object.fromEntries([...new Set(macros)].map((m) => [m, valueFor(m)]))) as fc.Arbitrary<Record<string, string>>,
    }),
  );

function expected(name: string, value: string): string | null {
  if (value === '' || value === `%${name}%`) return null;
  return name === 'LSID' ? value.toLowerCase() : value;
}

test('property: rendered values round-trip, or the result says ambiguous', () => {
  let repeatedGaveUp = 0;
  let runs = 0;
  fc.assert(
    fc.property(scenario, ({ macros, literals, values }) => {
      let body = literals[0]!;
      let mail = literals[0]!;
      macros.forEach((m, i) => {
        body += `%${m}%${literals[i + 1]!}`;
        mail += values[m]! + literals[i + 1]!;
      });
      // A body that is only white space is not a valid template.
      fc.pre(body.trim() !== '');
      runs++;
      const result = createMatcher([template(body)]).match({ subject: 'any', text: mail });
      // Equality of a macro repeated in one part is a back-reference, outside what the linear sweep
      // enforces: the matcher tries a few candidate values (match.ts) and may give up. Counted below.
      const repeatedText = macros.some((m, i) => macros.indexOf(m) !== i);
      if (result.status === 'unmatched' && repeatedText) {
        repeatedGaveUp++;
        return;
      }
      assert.notEqual(result.status, 'unmatched', `unmatched: ${JSON.stringify({ body, mail })}`);
      if (result.status === 'unmatched') return;
      const same = Object.entries(values).every(([m, v]) => result.values[m] === expected(m, v));
      if (result.status === 'extracted') {
        assert.ok(same, `extracted but wrong: ${JSON.stringify({ body, mail, got: result.values })}`);
        assert.equal(result.alternatives, 1);
      } else {
        assert.ok(result.alternatives > 1 || result.tiedTemplates.length > 0);
      }
      for (const m of ALL) {
        if (!(m in values)) assert.equal(result.values[m], null);
      }
    }),
    { seed: 20261128, numRuns: 1500 },
  );
  assert.ok(repeatedGaveUp <= runs * 0.02, `gave up on ${repeatedGaveUp} of ${runs} repeated-macro cases`);
});

test('property: macros shared by subject and body are pinned to the subject value', () => {
  const subjectScenario = fc.record({ id: lsid, seq: lseq, key: oneLine.map((k) => k.replace(/\s+/g, ' ')), noise: multiLine });
  fc.assert(
    fc.property(subjectScenario, ({ id, seq, key, noise }) => {
      const t = template('Key %EXTERNAL_KEY% / %LSID%\n%SESSION_NOTES%\nSeq %LSEQ% / %LSID%', {
        subject: 'S %LSID% #%LSEQ% %EXTERNAL_KEY%',
      });
      const text = `Key ${key} / ${id}\n${noise}\nSeq ${seq} / ${id}`;
      const result = createMatcher([t]).match({ subject: `S ${id} #${seq} ${key}`, text });
      assert.notEqual(result.status, 'unmatched', JSON.stringify({ text }));
      if (result.status === 'unmatched') return;
      assert.equal(result.values.LSID, id.toLowerCase());
      assert.equal(result.values.LSEQ, seq);
      if (result.status === 'extracted') assert.equal(result.values.SESSION_NOTES, noise === '' ? null : noise);
    }),
    { seed: 7, numRuns: 300 },
  );
});
