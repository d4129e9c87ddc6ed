#!/usr/bin/env node
// The `unmacro` command. Only this entry ends the process.
import { main } from './cli/program.js';

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    // Writes complete in order: the callback of an empty write runs after every earlier one.
    stream.write('', () => resolve());
  });
}

// A reader that stops early (`unmacro query ... | head`) is not an error: end quietly, as
// programs killed by SIGPIPE do, instead of crashing with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await main(process.argv.slice(2));
// process.exit() drops what a pipe has not yet taken (stdout to a pipe is asynchronous):
// `unmacro query ... | wc -c` stopped at 64 KiB. Exit only once both streams are drained.
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);
