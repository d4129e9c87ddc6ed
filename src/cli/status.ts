import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Config } from '../config.js';
import { PGDATA_NAME, SOCKET_NAME, socketAnswers } from '../db/embedded.js';
import { loadMigrations } from '../db/migrate.js';
import { redactUrl } from '../db/pool.js';
import { readStatus, type DatabaseStatus } from '../db/status.js';
import { UserError } from '../errors.js';
import { listRegistered } from '../registry.js';
import { configOf, withDatabase, withSettings, type CliIo } from './context.js';
import { formatRows, isoTime, outputWidth } from './format.js';

/** Everything `unmacro status` reports. */
export interface Status {
  readonly database: { readonly kind: 'embedded' | 'server'; readonly location: string; readonly schema: string };
  readonly schema: { readonly version: number | undefined; readonly expected: number };
  readonly daemon: { readonly running: boolean; readonly how: string };
  readonly templates: readonly { name: string; event: string; version: number; active: boolean; matches: number }[];
  readonly content: DatabaseStatus;
}

/** `unmacro status`: which database, its schema, whether a daemon serves it, and what arrived lately. */
export function registerStatus(program: Command, io: CliIo): void {
  withSettings(program.command('status'), 'database', 'log')
    .description('which database (location, schema version), whether a daemon runs on it, templates, mail of the last 24 h, the last event of each kind')
    .addOption(new Option('--format <format>', 'text for people, json for scripts').choices(['text', 'json'] as const).default('text'))
    .action(async (opts: { format: 'text' | 'json' }, cmd: Command) => {
      const status = await readAll(configOf(cmd, io), io);
      io.stdout.write(opts.format === 'json' ? `${JSON.stringify(asJson(status), null, 2)}\n` : render(status, outputWidth(io.stdout, io.env)));
    });
}

async function readAll(config: Config, io: CliIo): Promise<Status> {
  const embedded = !config.databaseUrl;
  const database = {
    kind: embedded ? ('embedded' as const) : ('server' as const),
    location: config.databaseUrl ? redactUrl(config.databaseUrl) : config.dataDir,
    schema: config.dbSchema,
  };
  // Reading must not create: a status run in the wrong directory says so instead.
  if (embedded && !existsSync(path.join(config.dataDir, PGDATA_NAME))) {
    throw new UserError('DATABASE_MISSING', `no unmacro database in ${config.dataDir} (use --data-dir or DATABASE_URL)`);
  }
  const served = embedded ? await socketAnswers(path.join(config.dataDir, SOCKET_NAME)) : false;
  const expected = (await loadMigrations()).at(-1)?.version ?? 0;
  return withDatabase(
    config,
    io,
    async (db) => {
      const content = await readStatus(db.pool, db.schema, { sessions: !embedded });
      const templates = content.schemaVersion ? (await listRegistered(db)).map(({ name, event, version, active, matches }) => ({ name, event, version, active, matches })) : [];
      const sessions = content.otherSessions.reduce((n, s) => n + s.count, 0);
      const daemon = embedded
        ? { running: served, how: served ? 'running: it serves this data directory (this command used its socket)' : 'not running' }
        : sessions > 0
          ? { running: true, how: `probably running: ${sessions} other unmacro connection(s) from ${content.otherSessions.map((s) => `${s.address} since ${isoTime(s.since)}`).join(', ')}` }
          : { running: false, how: 'not running: no other unmacro connection to this database' };
      if (content.schemaVersion === undefined && !embedded) {
        throw new UserError('DATABASE_EMPTY', `no unmacro tables in schema ${config.dbSchema} of ${database.location} (run unmacro db migrate, or unmacro serve)`);
      }
      return { database, schema: { version: content.schemaVersion, expected }, daemon, templates, content };
    },
    { schema: 'none' },
  );
}

function render(s: Status, width: number): string {
  const { content } = s;
  const lines: string[] = [];
  lines.push(`database:  ${s.database.kind === 'embedded' ? `embedded, in ${s.database.location}` : `PostgreSQL at ${s.database.location}`}; schema ${s.database.schema}`);
  lines.push(`migration: ${schemaText(s.schema.version, s.schema.expected)}`);
  lines.push(`daemon:    ${s.daemon.how}`);
  const active = s.templates.filter((t) => t.active).length;
  lines.push(`templates: ${active} active, ${s.templates.length - active} disabled${s.templates.length === 0 ? ' (register some: unmacro template add templates/*.tmpl)' : ''}`);
  let out = `${lines.join('\n')}\n`;
  if (s.templates.length > 0) {
    const rows = s.templates.map((t) => [t.name, t.event, t.version, t.active, t.matches]);
    out += indent(formatRows({ columns: ['name', 'event', 'version', 'active', 'matches'], rows }, 'table', { width: width - 2 }).replace(/\(\d+ rows?\)\n$/, ''));
  }
  const counts = Object.entries(content.mailByStatus);
  const total = counts.reduce((n, [, c]) => n + c, 0);
  out += `mail, last 24 h: ${total === 0 ? 'none' : `${total} (${counts.map(([status, n]) => `${status} ${n}`).join(', ')})`}\n`;
  out += `last mail: ${content.lastMailAt ? `${isoTime(content.lastMailAt)} (${ago(content.now, content.lastMailAt)})` : 'none yet'}\n`;
  out += `last event of each kind:${content.lastEvents.length === 0 ? ' none yet' : ''}\n`;
  for (const e of content.lastEvents) out += `  ${`${e.event} (${e.source})`.padEnd(56)} ${isoTime(e.at)} (${ago(content.now, e.at)})\n`;
  return out;
}

function schemaText(version: number | undefined, expected: number): string {
  if (version === undefined || version === 0) return `no unmacro tables yet (run unmacro db migrate, or unmacro serve)`;
  if (version < expected) return `version ${version}, behind this unmacro (${expected}): run unmacro db migrate`;
  if (version > expected) return `version ${version}, ahead of this unmacro (${expected}): upgrade unmacro`;
  return `version ${version} (up to date)`;
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}

/** `12 s ago`, `5 min ago`, `3 h ago`, `2 days ago`. */
export function ago(now: Date, then: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7_200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3_600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

function asJson(s: Status) {
  const { content } = s;
  const seconds = (at: Date) => Math.max(0, Math.round((content.now.getTime() - at.getTime()) / 1000));
  return {
    database: { ...s.database, schema_version: s.schema.version ?? null, expected_schema_version: s.schema.expected },
    daemon: s.daemon,
    templates: s.templates,
    mail_last_24h: content.mailByStatus,
    last_mail_at: content.lastMailAt ? isoTime(content.lastMailAt) : null,
    last_events: content.lastEvents.map((e) => ({ event: e.event, source: e.source, at: isoTime(e.at), seconds_ago: seconds(e.at) })),
  };
}
