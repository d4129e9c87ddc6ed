// The child processes of the benchmark: the load client, the ceiling servers, and what /proc says
// about a daemon's memory. Every child this process starts is ended by `endChildren`, which
// bench/run.ts calls in `finally`, so a step that throws leaves nothing running.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoadMode, LoadResult } from './load-client.js';

const CLIENT = fileURLToPath(new URL('./load-client.ts', import.meta.url));
const CEILING = fileURLToPath(new URL('./ceiling.ts', import.meta.url));
/** Time the load client may take beyond its own bound (start-up, building the mails, the last replies). */
const CLIENT_SLACK_MS = 120_000;
const CEILING_START_MS = 30_000;
const STOP_GRACE_MS = 5_000;

export interface LoadOptions {
  readonly mode: LoadMode;
  readonly connections: number;
  readonly count: number;
  readonly maxSeconds: number;
}

/** Runs the load client in its own process against 127.0.0.1:`port`, with distinct copies of `message`. */
export async function load(port: number, message: Buffer, o: LoadOptions): Promise<LoadResult> {
  const file = path.join(os.tmpdir(), `unmacro-bench-${process.pid}.eml`);
  writeFileSync(file, message);
  const args = ['--import', 'tsx', CLIENT, o.mode, String(port), String(o.connections), String(o.count), String(o.maxSeconds), file];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 20, timeout: o.maxSeconds * 1000 + CLIENT_SLACK_MS });
    return JSON.parse(stdout) as LoadResult;
  } finally {
    rmSync(file, { force: true });
  }
}

/** A ceiling server (bench/ceiling.ts) in its own process. */
export interface Ceiling {
  readonly port: number;
  readonly child: ChildProcess;
}

export async function startCeiling(kind: 'bare' | 'E', databaseUrl: string): Promise<Ceiling> {
  const child = spawn(process.execPath, ['--import', 'tsx', CEILING, kind, databaseUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), CEILING_START_MS);
  try {
    const [line] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => [Buffer.from('{}')])])) as Buffer[];
    const { port } = JSON.parse(String(line)) as { port?: number };
    if (!port) throw new Error(`ceiling ${kind} did not start`);
    return { port, child };
  } finally {
    clearTimeout(timer);
  }
}

/** Ends every child this process started: SIGTERM, then SIGKILL for those still running after a grace period. */
export async function endChildren(): Promise<void> {
  const alive = () => ownChildren().filter((pid) => !['Z', undefined].includes(readProc(`${pid}/stat`).split(') ')[1]?.[0]));
  const signal = (sig: NodeJS.Signals) => alive().forEach((pid) => tryKill(pid, sig));
  signal('SIGTERM');
  for (const t0 = Date.now(); alive().length && Date.now() - t0 < STOP_GRACE_MS;) await new Promise((r) => setTimeout(r, 100));
  signal('SIGKILL');
}

/** Process ids of this process's children (from /proc; includes any a failed step left behind). */
function ownChildren(): number[] {
  return readdirSync(`/proc/${process.pid}/task`).flatMap((task) => children(`${process.pid}/task/${task}`));
}

function children(task: string): number[] {
  return readProc(`${task}/children`).split(' ').filter(Boolean).map(Number);
}

/** A /proc file, or '' when the process has gone meanwhile. */
function readProc(file: string): string {
  try {
    return readFileSync(`/proc/${file}`, 'utf8');
  } catch {
    return '';
  }
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Resets VmHWM of a process and its children to their RSS now (proc(5), clear_refs). */
export function resetPeak(pid: number): void {
  for (const p of [pid, ...children(`${pid}/task/${pid}`)]) writeFileSync(`/proc/${p}/clear_refs`, '5');
}

/** A memory figure of a process and its children (cluster workers), in MiB: VmRSS now or VmHWM, the peak. */
export function memoryMib(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const kib = (p: number) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readProc(`${p}/status`))?.[1] ?? 0);
  return [pid, ...children(`${pid}/task/${pid}`)].reduce((sum, p) => sum + kib(p), 0) / 1024;
}
