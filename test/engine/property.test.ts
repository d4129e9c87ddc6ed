// Property tests of the engine's promise: random values (made of the template's own literal
// pieces, empty, unrendered, typed, with odd white space) rendered into random templates (subject
// and body), sometimes through a simulated relay, then matched. For every case the engine returns
// exactly the rendered values (`extracted`), or `ambiguous` with the rendered reading among those
// it counted, or `unmatched` with an explanation: never other values as `extracted`.
// `npm run fuzz:extract -- --cases N` runs the same property for longer (test/engine/fuzz.ts).
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkPromise, scenario } from './promise.js';

test('property: the rendered reading is extracted, or counted among the ambiguous ones', () => {
  const tally = { extracted: 0, ambiguous: 0, unmatched: 0 };
  fc.assert(
    fc.property(scenario, (s) => {
      tally[checkPromise(s)]++;
    }),
    { seed: 20261201, numRuns: 2500 },
  );
  const runs = tally.extracted + tally.ambiguous + tally.unmatched;
  // Unmatched is honest but unhelpful: only macros repeated in one part may give up.
  assert.ok(tally.unmatched <= runs * 0.02, `unmatched ${tally.unmatched} of ${runs}`);
  assert.ok(tally.extracted > runs * 0.5, `extracted only ${tally.extracted} of ${runs}`);
});
