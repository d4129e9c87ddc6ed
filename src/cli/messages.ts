import { Option, type Command } from 'commander';
import { getMessage, listMessages, type MessageStatus } from '../db/messages.js';
import { UserError } from '../errors.js';
import { loadCatalog } from '../pipeline/catalog.js';
import { parseMail } from '../pipeline/parse.js';
import { prepareBody, prepareSubject } from '../engine/index.js';
import { configOf, withDatabase, withSettings, type CliIo } from './context.js';
import { databaseNote, excerpt, FORMATS, formatRecord, formatRows, isoTime, outputWidth, type ColumnKind, type OutputFormat } from './format.js';
import { parseDate, parsePositive, parseStatuses } from './options.js';

const LIST_COLUMNS = ['id', 'received_at', 'status', 'template', 'version', 'lsid', 'subject', 'detail'] as const;
const LIST_KINDS: readonly ColumnKind[] = ['integer', 'time'];

/** `unmacro messages` and `unmacro messages show ID`. */
export function registerMessages(program: Command, io: CliIo): void {
  const messages = withSettings(program.command('messages'), 'database', 'log')
    .description('list stored mail, newest first')
    .option('--status <list>', 'only these statuses, comma-separated', parseStatuses)
    .option('--template <name>', 'only mail matched by this template')
    .option('--since <date>', 'only mail received at or after this time', parseDate)
    .option('--until <date>', 'only mail received before this time', parseDate)
    .option('--limit <n>', 'at most this many', parsePositive, 50)
    .addOption(new Option('--format <format>', 'table (fitted to the terminal, long values cut), csv or json (every value whole)').choices(FORMATS).default('table'))
    .action(async (opts: { status?: MessageStatus[]; template?: string; since?: Date; until?: Date; limit: number; format: OutputFormat }, cmd: Command) => {
      await withDatabase(configOf(cmd, io), io, async (db) => {
        const rows = await listMessages(db.pool, db.schema, { statuses: opts.status, template: opts.template, since: opts.since, until: opts.until, limit: opts.limit });
        const table = { columns: LIST_COLUMNS, rows: rows.map((r) => LIST_COLUMNS.map((c) => r[c])), kinds: LIST_KINDS };
        // Saying where the rows come from: "(0 rows)" from a database in the wrong directory looked like no mail.
        io.stdout.write(formatRows(table, opts.format, { width: outputWidth(io.stdout, io.env), note: databaseNote(db) }));
      });
    });

  withSettings(messages.command('show'), 'database', 'log')
    .description('one stored mail: headers, outcome, extracted values and, when unmatched, why')
    .argument('<id>', 'the message id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      if (!/^\d+$/.test(id)) throw new UserError('MESSAGE_ID_INVALID', `message ids are whole numbers, not ${JSON.stringify(id)}`);
      const width = outputWidth(io.stdout, io.env);
      await withDatabase(configOf(cmd, io), io, async (db, logger) => {
        const m = await getMessage(db.pool, db.schema, id);
        if (!m) throw new UserError('MESSAGE_UNKNOWN', `no message has id ${id} (see: unmacro messages)`);
        const lines = [
          `message ${m.id}: ${m.status}${m.template_name ? ` by ${m.template_name} version ${m.template_version}` : ''}`,
          `received:   ${isoTime(m.received_at)} from ${m.remote_address ?? '-'}`,
          `envelope:   ${m.mail_from ?? '<>'} -> ${m.rcpt_to.join(', ')}`,
          `message-id: ${m.message_id ?? '-'}`,
          `subject:    ${m.subject ?? '-'}`,
          `size:       ${m.size_bytes} bytes, ${m.attachments} attachment(s)${m.raw ? '' : ', raw bytes removed by retention'}`,
        ];
        if (m.duplicate_of) lines.push(`duplicate of message ${m.duplicate_of}`);
        if (m.alternatives) lines.push(`alternatives: ${m.alternatives}`);
        if (m.detail) lines.push(`detail:     ${m.detail}`);
        io.stdout.write(`${lines.join('\n')}\n`);
        if (m.values) {
          io.stdout.write(`\nvalues of event ${m.event_id} (${m.event}):\n`);
          // A record, not a table: a chat of 600 columns no longer pads every other row.
          io.stdout.write(formatRecord(Object.entries(m.values), width));
        }
        if ((m.status === 'unmatched' || m.status === 'ambiguous') && m.raw) {
          const catalog = await loadCatalog(db, logger);
          const mail = await parseMail(m.raw);
          const result = catalog.current().matcher.match({ subject: mail.subject, text: mail.text, html: mail.html, recipients: m.rcpt_to });
          if (result.status === 'unmatched') {
            const e = result.explanation;
            io.stdout.write(`\nwhy, with the current templates: ${e.message}\n`);
            if (e.line !== undefined) {
              const text = e.text ? (e.stage === 'subject' ? e.text.subject : e.text.body) : e.stage === 'subject' ? prepareSubject(mail.subject) : prepareBody(mail.text);
              io.stdout.write(`${e.stage} of the mail around line ${e.line}:\n`);
              io.stdout.write(excerpt(text, e.line, width));
            }
          } else {
            io.stdout.write(`\nwith the current templates it is ${result.status} by ${result.template.name}: run unmacro reprocess\n`);
          }
        }
      });
    });
}
