import { Option, type Command } from 'commander';
import { runReadOnlyQuery } from '../db/query.js';
import { UserError } from '../errors.js';
import { configOf, withDatabase, withSettings, type CliIo } from './context.js';
import { FORMATS, formatRows, kindsOfTypes, outputWidth, type OutputFormat } from './format.js';

/** `unmacro query SQL`: one read-only statement, rows printed. */
export function registerQuery(program: Command, io: CliIo): void {
  withSettings(program.command('query'), 'database', 'log')
    .description('run one read-only SQL statement and print the rows')
    .argument('<sql>', 'the SQL statement')
    .addOption(new Option('--format <format>', 'table (fitted to the terminal, long values cut), csv or json (every value whole)').choices(FORMATS).default('table'))
    .action(async (sql: string, opts: { format: OutputFormat }, cmd: Command) => {
      const config = configOf(cmd, io);
      await withDatabase(config, io, async (database) => {
        const result = await runReadOnlyQuery(database.pool, database.schema, sql).catch((err: unknown) => {
          throw new UserError('QUERY_FAILED', `query failed: ${(err as Error).message}`, { cause: err });
        });
        io.stdout.write(formatRows({ ...result, kinds: kindsOfTypes(result.types) }, opts.format, { width: outputWidth(io.stdout, io.env) }));
      });
    });
}
