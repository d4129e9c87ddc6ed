import type { Command } from 'commander';
import { migrate } from '../db/migrate.js';
import { pruneRawMail } from '../db/retention.js';
import { UserError } from '../errors.js';
import { configOf, withDatabase, withSettings, type CliIo } from './context.js';

/** `unmacro db migrate` and `unmacro db prune`. */
export function registerDb(program: Command, io: CliIo): void {
  const db = program.command('db').description('database maintenance');
  withSettings(db.command('migrate'), 'database', 'log')
    .description('apply pending migrations')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = configOf(cmd, io);
      await withDatabase(config, io, async (database, logger) => {
        const { applied, current } = await migrate(database.pool, database.schema, logger);
        io.stdout.write(applied.length ? `applied ${applied.length} migration(s); now at version ${current}\n` : `up to date at version ${current}\n`);
      }, { schema: 'none', create: true });
    });

  withSettings(db.command('prune'), 'database', 'retention', 'log')
    .description('remove the raw bytes of extracted, duplicate and invalid mail older than --retention-days (rows stay)')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = configOf(cmd, io);
      if (config.retentionDays === 0) throw new UserError('RETENTION_OFF', 'set --retention-days (or UNMACRO_RETENTION_DAYS) to a number of days above 0');
      await withDatabase(config, io, async (database) => {
        const pruned = await pruneRawMail(database, config.retentionDays);
        io.stdout.write(`removed the raw bytes of ${pruned} mail(s) older than ${config.retentionDays} day(s)\n`);
      });
    });
}
