import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { UserError } from '../errors.js';
import { EXIT_OK, EXIT_USAGE, EXIT_USER_ERROR, type CliIo } from './context.js';
import { registerDb } from './db.js';
import { registerImport } from './import.js';
import { registerMessages } from './messages.js';
import { registerQuery } from './query.js';
import { registerReprocess } from './reprocess.js';
import { registerServe } from './serve.js';
import { registerStatus } from './status.js';
import { registerTemplate } from './template.js';

export type { CliIo } from './context.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs the CLI with `argv` (without node and script) and resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command('unmacro')
    .description('Receives BeyondTrust/Bomgar outbound-event mail and stores every macro value in PostgreSQL.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  const setExitCode = (code: number) => (exitCode = code);
  registerServe(program, io, setExitCode);
  registerTemplate(program, io, setExitCode);
  registerReprocess(program, io);
  registerImport(program, io);
  registerMessages(program, io);
  registerQuery(program, io);
  registerDb(program, io);
  registerStatus(program, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (err instanceof UserError) {
      io.stderr.write(`unmacro: ${err.message}\n`);
      return EXIT_USER_ERROR;
    }
    io.stderr.write(`unmacro: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_USER_ERROR;
  }
}
