// Runs the `unmacro` command as a user would: a separate process, from source.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const STARTUP_TIMEOUT_MS = 60_000;

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without this machine's unmacro settings, so only the test's flags count. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL' && !k.startsWith('UNMACRO_')));
  return { ...env, ...extra };
}

export function spawnCli(args: readonly string[], env?: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs one command to its end. */
export function runCli(args: readonly string[], env?: Record<string, string>): Promise<CliResult> {
  const child = spawnCli(args, env);
  return collect(child);
}

function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A running `unmacro serve`. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly smtpPort: number;
  readonly httpPort: number;
  /** Resolves when the process has ended, with everything it printed. */
  readonly done: Promise<CliResult>;
}

/** Starts `unmacro serve` and waits for its JSON log lines saying where SMTP and HTTP listen. */
export function startServe(args: readonly string[]): Promise<ServeProcess> {
  // With --workers N, every worker listens: wait for all of them.
  const workers = Number(args[args.indexOf('--workers') + 1] ?? 1) || 1;
  const child = spawnCli(['serve', '--smtp-port', '0', '--http-port', '0', '--log-format', 'json', ...args]);
  const done = collect(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start in time:\n${seen}`)), STARTUP_TIMEOUT_MS);
    const watch = (chunk: Buffer) => {
      seen += chunk.toString();
      const ports: Record<string, number> = {};
      let listening = 0;
      for (const line of seen.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if ((entry.msg === 'smtp listening' || entry.msg === 'http listening') && entry.port) ports[entry.msg] = entry.port;
        // HTTP listens first (/healthz answers while the database is awaited): SMTP says a worker is ready.
        if (entry.msg === 'smtp listening') listening += 1;
      }
      const smtpPort = ports['smtp listening'];
      const httpPort = ports['http listening'];
      if (smtpPort && httpPort && listening >= workers) {
        clearTimeout(timer);
        child.stderr?.off('data', watch);
        resolve({ child, smtpPort, httpPort, done });
      }
    };
    child.stderr?.on('data', watch);
    void done.then((result) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${result.code ?? result.signal}) before listening:\n${result.stderr}`));
    });
  });
}
