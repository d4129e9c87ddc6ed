import type { Command } from 'commander';
import { loadCatalog } from '../pipeline/catalog.js';
import { DEFAULT_REPROCESS_STATUSES, reprocess } from '../pipeline/reprocess.js';
import type { MessageStatus } from '../db/messages.js';
import { configOf, withDatabase, withSettings, type CliIo } from './context.js';
import { parseDate, parseStatuses } from './options.js';

/** `unmacro reprocess`: match stored mail again with the current templates. */
export function registerReprocess(program: Command, io: CliIo): void {
  withSettings(program.command('reprocess'), 'database', 'log')
    .description('re-run matching on stored raw mail with the current templates; prints a before/after summary')
    .option('--status <list>', 'statuses to reprocess, comma-separated, or all', parseStatuses, [...DEFAULT_REPROCESS_STATUSES])
    .option('--since <date>', 'only mail received at or after this time', parseDate)
    .option('--until <date>', 'only mail received before this time', parseDate)
    .option('--dry-run', 'compute the summary, change nothing', false)
    .action(async (opts: { status: MessageStatus[]; since?: Date; until?: Date; dryRun: boolean }, cmd: Command) => {
      await withDatabase(configOf(cmd, io), io, async (db, logger) => {
        const catalog = await loadCatalog(db, logger);
        const progress = 'isTTY' in io.stderr && io.stderr.isTTY ? (n: number) => io.stderr.write(`\rexamined ${n}`) : undefined;
        const summary = await reprocess(db, catalog.current(), { statuses: opts.status, since: opts.since, until: opts.until, dryRun: opts.dryRun }, progress);
        if (progress) io.stderr.write('\n');
        const lines = [`examined ${summary.examined}, changed ${summary.changed}${opts.dryRun ? ' (dry run: nothing was written)' : ''}`];
        if (summary.withoutRaw > 0) lines.push(`skipped ${summary.withoutRaw} without raw bytes (removed by retention)`);
        for (const [transition, n] of Object.entries(summary.transitions)) lines.push(`  ${transition}: ${n}`);
        if (Object.keys(summary.fields).length > 0) lines.push('fields changed:');
        for (const [field, n] of Object.entries(summary.fields)) lines.push(`  ${field}: ${n}`);
        io.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}
