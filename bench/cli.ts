// How long a command takes on the embedded default database, as an admin runs it (the built
// CLI, `npx unmacro ...`): `unmacro messages` and `unmacro query 'select 1'`, without and with a
// running daemon on the same data directory. Prints the median of RUNS runs each.
// Usage: npm run bench:cli   (also part of npm run bench); run `npm run build` first.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServe } from '../test/support/cli.js';

const RUNS = 5;
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = promisify(execFile);

/** Median wall time in ms of the built CLI with `args`. */
async function timed(args: string[]): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL: '' } });
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(RUNS / 2)]!;
}

/** The lines this benchmark prints (bench/run.ts adds them to BENCHMARKS.md). */
export async function cliTimes(): Promise<string[]> {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first: this measures the built CLI');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'unmacro-bench-cli-'));
  const data = ['--data-dir', path.join(dir, 'data')];
  try {
    await run(process.execPath, [CLI, 'db', 'migrate', ...data]);
    const commands: [string, string[]][] = [['messages', ['messages', ...data]], ["query 'select 1'", ['query', 'select 1', ...data]]];
    const without: (readonly [string, number])[] = [];
    for (const [label, args] of commands) without.push([label, await timed(args)]);
    const daemon = await startServe(data);
    const withDaemon: (readonly [string, number])[] = [];
    try {
      for (const [label, args] of commands) withDaemon.push([label, await timed(args)]);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.done;
    }
    return commands.map(([label], i) =>
      `Embedded database, \`unmacro ${label}\` (median of ${RUNS}): ${(without[i]![1] / 1000).toFixed(2)} s without a daemon (target <= 3 s), ${(withDaemon[i]![1] / 1000).toFixed(2)} s while \`serve\` runs (target <= 1 s).`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const line of await cliTimes()) console.log(line);
}
