// Long runs of the engine's promise (test/engine/promise.ts): `npm run fuzz:extract -- --cases N
// [--seed S]`. Prints the tally; exits 1 with the counterexample when the promise breaks.
import fc from 'fast-check';
import { checkPromise, scenario } from './promise.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} takes a whole number`);
  return value;
}

const cases = flag('cases', 100_000);
const seed = flag('seed', Date.now() % 2 ** 31);
const tally = { extracted: 0, ambiguous: 0, unmatched: 0 };
const started = performance.now();
try {
  fc.assert(
    fc.property(scenario, (s) => {
      tally[checkPromise(s)]++;
    }),
    { seed, numRuns: cases },
  );
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
const seconds = (performance.now() - started) / 1000;
console.log(`seed ${seed}: ${cases} cases in ${seconds.toFixed(1)} s: ${tally.extracted} extracted, ${tally.ambiguous} ambiguous, ${tally.unmatched} unmatched${process.exitCode ? ' (promise broken, see above)' : ', promise held'}`);
