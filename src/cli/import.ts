import type { Command } from 'commander';
import { importArchive, type ImportProgress } from '../import/run.js';
import { planImport } from '../import/sources.js';
import { loadCatalog } from '../pipeline/catalog.js';
import { configOf, withDatabase, withSettings, type CliIo } from './context.js';

/** Redraws of the progress line per second, at most. */
const PROGRESS_HZ = 4;
const BAR_WIDTH = 24;

/** `unmacro import PATH...`: .eml files, mbox files and Maildir folders, through the SMTP pipeline. */
export function registerImport(program: Command, io: CliIo): void {
  withSettings(program.command('import'), 'database', 'log')
    .description('ingest .eml files, mbox files and Maildir folders through the same pipeline as SMTP')
    .argument('<path...>', 'files and folders')
    .action(async (paths: string[], _opts: unknown, cmd: Command) => {
      const plan = await planImport(paths);
      await withDatabase(configOf(cmd, io), io, async (db, logger) => {
        const templates = (await loadCatalog(db, logger)).current();
        const terminal = 'isTTY' in io.stderr && Boolean(io.stderr.isTTY);
        let drawn = 0;
        const progress = (p: ImportProgress) => {
          if (!terminal || p.seconds - drawn < 1 / PROGRESS_HZ) return;
          drawn = p.seconds;
          io.stderr.write(`\r${progressLine(p)}`);
        };
        const summary = await importArchive({ db, templates }, plan, progress);
        if (terminal) io.stderr.write(`\r${' '.repeat(100)}\r`);
        const statuses = Object.entries(summary.statuses).map(([s, n]) => `${s} ${n}`).join(', ') || 'nothing new';
        io.stdout.write(
          `imported ${summary.mails} mail(s) from ${plan.files.length} file(s) in ${summary.seconds.toFixed(1)} s (${rate(summary.mails, summary.seconds)} mails/s): ${statuses}` +
            `${summary.skipped ? `; ${summary.skipped} already stored, skipped` : ''}\n`,
        );
      });
    });
}

function rate(mails: number, seconds: number): string {
  return seconds > 0 ? Math.round(mails / seconds).toLocaleString('en-US') : String(mails);
}

/** `[#####.....] 1234 mails, 45/s, 12.0 of 30.0 MB, about 40 s left` */
export function progressLine(p: ImportProgress): string {
  const share = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 0;
  const filled = Math.round(share * BAR_WIDTH);
  const rate = p.seconds > 0 ? p.mails / p.seconds : 0;
  const eta = share > 0 ? (p.seconds / share) * (1 - share) : 0;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${p.mails} mails, ${rate.toFixed(0)}/s, ${mb(p.bytesRead)} of ${mb(p.totalBytes)} MB, about ${Math.ceil(eta)} s left`;
}
