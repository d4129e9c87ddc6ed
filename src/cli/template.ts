import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { createMatcher, lintTemplates, parseTemplate, type Diagnostic, type Template } from '../engine/index.js';
import { UserError } from '../errors.js';
import { eventRows } from '../pipeline/event.js';
import { parseMail } from '../pipeline/parse.js';
import {
  addTemplate, formatDiagnostic, listRegistered, setTemplateActive, showRegistered, TemplateInvalidError, validateTemplate,
} from '../registry.js';
import { configOf, EXIT_USER_ERROR, withDatabase, withSettings, type CliIo, type SetExitCode } from './context.js';
import { databaseNote, excerpt, FORMATS, formatRecord, formatRows, outputWidth, type OutputFormat } from './format.js';

/** `unmacro template add|list|show|disable|enable|lint|test`. */
export function registerTemplate(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  const template = program.command('template').description('register, inspect and try templates');
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const printDiagnostics = (file: string, diagnostics: readonly Diagnostic[]) => diagnostics.forEach((d) => io.stderr.write(`${formatDiagnostic(file, d)}\n`));

  withSettings(template.command('add'), 'database', 'log')
    .description('validate and register template files; a changed file becomes a new version, an unchanged one is a no-op')
    .argument('<file...>', 'template files (.tmpl)')
    .action(async (files: string[], _opts: unknown, cmd: Command) => {
      const sources = await readAll(files);
      await withDatabase(configOf(cmd, io), io, async (db) => {
        for (const [file, source] of sources) {
          try {
            const result = await addTemplate(db, source, file);
            printDiagnostics(file, result.warnings);
            const what = result.change === 'unchanged' ? 'unchanged' : result.change;
            out(`${file}: ${result.name} version ${result.version} ${what}`);
          } catch (err) {
            if (!(err instanceof TemplateInvalidError)) throw err;
            printDiagnostics(file, err.diagnostics);
            out(`${file}: not registered (${err.diagnostics.length} error(s))`);
            setExitCode(EXIT_USER_ERROR);
          }
        }
      }, { schema: 'migrate-new', create: true });
    });

  withSettings(template.command('list'), 'database', 'log')
    .description('name, event, version, active, macros and match count of every template')
    .addOption(new Option('--format <format>', 'table (fitted to the terminal), csv or json').choices(FORMATS).default('table'))
    .action(async (opts: { format: OutputFormat }, cmd: Command) => {
      await withDatabase(configOf(cmd, io), io, async (db) => {
        const rows = await listRegistered(db);
        const columns = ['name', 'event', 'version', 'active', 'macros', 'matches'];
        const table = { columns, rows: rows.map((r) => [r.name, r.event, r.version, r.active, r.macros.join(' '), r.matches]), kinds: [undefined, undefined, 'integer', undefined, undefined, 'integer'] as const };
        io.stdout.write(formatRows(table, opts.format, { width: outputWidth(io.stdout, io.env), note: databaseNote(db) }));
      });
    });

  withSettings(template.command('show'), 'database', 'log')
    .description("the active version's source and metadata")
    .argument('<name>')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      await withDatabase(configOf(cmd, io), io, async (db) => {
        const t = await showRegistered(db, name);
        out(`# ${t.name} version ${t.version} of ${t.versions}, ${t.active ? 'active' : 'disabled'}, event ${t.event}, registered ${t.createdAt.toISOString()}${t.fileName ? ` from ${t.fileName}` : ''}`);
        io.stdout.write(t.source.endsWith('\n') ? t.source : `${t.source}\n`);
      });
    });

  for (const [verb, active] of [['disable', false], ['enable', true]] as const) {
    withSettings(template.command(verb), 'database', 'log')
      .description(active ? 'match with the template again (its newest version)' : 'stop matching with the template (its history is kept)')
      .argument('<name>')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        await withDatabase(configOf(cmd, io), io, async (db) => {
          await setTemplateActive(db, name, active);
          out(`${name} ${active ? 'enabled' : 'disabled'}`);
        });
      });
  }

  // Takes the database flags like every command (the contract), though it needs no database.
  withSettings(template.command('lint'), 'database', 'log')
    .description('report errors and ambiguity warnings of template files, without registering them')
    .argument('<file...>', 'template files (.tmpl)')
    .action(async (files: string[], _opts: unknown, cmd: Command) => {
      configOf(cmd, io); // validates the flags given, as every command does
      const parsed: Template[] = [];
      let errors = 0;
      let warnings = 0;
      for (const [file, source] of await readAll(files)) {
        const result = parseTemplate(source, file);
        printDiagnostics(file, [...result.errors, ...result.warnings]);
        errors += result.errors.length;
        warnings += result.warnings.length;
        if (result.template) parsed.push(result.template);
      }
      for (const w of lintTemplates(parsed)) {
        io.stderr.write(`${formatDiagnostic(w.file ?? '(templates)', w)}\n`);
        warnings += 1;
      }
      out(`${files.length} file(s): ${errors} error(s), ${warnings} warning(s)`);
      if (errors > 0) setExitCode(EXIT_USER_ERROR);
    });

  withSettings(template.command('test'), 'database', 'log')
    .description('dry run: the values a template would extract from mail files (.eml), or why it does not match')
    .argument('<template>', 'a template file, or the name of a registered template')
    .argument('<message...>', 'mail files (.eml)')
    .addOption(new Option('--format <format>', 'table: a summary for people, with the mail around where matching stopped; json: everything, for scripts').choices(['table', 'json'] as const).default('table'))
    .action(async (which: string, messages: string[], opts: { format: 'json' | 'table' }, cmd: Command) => {
      const t = existsSync(which)
        ? validateTemplate(await fs.readFile(which, 'utf8'), which).template
        : await withDatabase(configOf(cmd, io), io, async (db) => validateTemplate((await showRegistered(db, which)).source, which).template);
      const matcher = createMatcher([t]);
      const width = outputWidth(io.stdout, io.env);
      const results = [];
      for (const [file, raw] of await readAll(messages, null)) {
        const mail = await parseMail(raw).catch((err: unknown) => {
          throw new UserError('MESSAGE_INVALID', `${file}: not a mail: ${(err as Error).message}`);
        });
        // The envelope is not known here: assume the mail was sent to the template's Recipient.
        const match = matcher.match({ subject: mail.subject, text: mail.text, html: mail.html, recipients: t.recipient ? [t.recipient] : [] });
        if (match.status === 'unmatched') {
          // The matched text is for people (the excerpt), not repeated whole in the JSON.
          const { text, ...e } = match.explanation;
          const part = e.stage === 'subject' ? text?.subject : e.stage === 'body' ? text?.body : undefined;
          const around = part !== undefined && e.line !== undefined ? `${e.stage} of the mail around line ${e.line}:\n${excerpt(part, e.line, width)}` : '';
          results.push({ message: file, status: match.status, explanation: e, around });
          setExitCode(EXIT_USER_ERROR);
          continue;
        }
        const rows = eventRows(match);
        results.push({
          message: file, status: match.status, template: t.name, alternatives: match.alternatives,
          ...(match.otherReadings.length > 0 ? { other_readings: match.otherReadings.map(nonNull) } : {}),
          values: rows.values, typed: rows.typed, chat: rows.chat, survey_answers: rows.surveyAnswers, recordings: rows.recordings, labels: rows.labels,
        });
      }
      if (opts.format === 'json') {
        io.stdout.write(`${JSON.stringify(results.map((r) => ('around' in r ? { message: r.message, status: r.status, explanation: r.explanation } : r)), null, 2)}\n`);
        return;
      }
      // For people: what matched and its values, or why not and where; --format json has it all.
      results.forEach((r, i) => {
        if (i > 0) out('');
        if ('around' in r) {
          out(`${r.message}: ${r.status}, ${t.name} does not fit: ${r.explanation?.message ?? 'no match'}`);
          if (r.around) io.stdout.write(r.around);
          return;
        }
        const extras = [`${r.chat.length} chat line(s)`, `${r.survey_answers.length} survey answer(s)`, `${r.recordings.length} recording(s)`];
        out(`${r.message}: ${r.status} by ${r.template}${(r.alternatives ?? 0) > 1 ? ` (${r.alternatives} readings fit)` : ''}; ${extras.join(', ')}`);
        io.stdout.write(formatRecord(Object.entries(r.values).filter(([, v]) => v !== null), width));
      });
    });
}

/** A reading's values without the macros it leaves empty. */
function nonNull(values: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== null));
}

/** Reads every file, or fails naming the first that cannot be read. */
async function readAll(files: readonly string[], encoding?: 'utf8'): Promise<[string, string][]>;
async function readAll(files: readonly string[], encoding: null): Promise<[string, Buffer][]>;
async function readAll(files: readonly string[], encoding: 'utf8' | null = 'utf8'): Promise<[string, string | Buffer][]> {
  return Promise.all(
    files.map(async (file) => {
      try {
        return [file, encoding ? await fs.readFile(file, encoding) : await fs.readFile(file)] as [string, string | Buffer];
      } catch (err) {
        throw new UserError('FILE_UNREADABLE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }),
  );
}
