import { createHash } from 'node:crypto';
import { parseTemplate, type Diagnostic, type Template } from './engine/index.js';
import type { Database } from './db/pool.js';
import {
  insertVersion, latestVersion, listTemplates, lockTemplateName, setActive, showTemplate,
} from './db/templates.js';
import { withTransaction } from './db/transaction.js';
import { UserError } from './errors.js';

/** A template file with errors: every diagnostic, for `file:line:column` output. */
export class TemplateInvalidError extends UserError {
  constructor(
    readonly file: string,
    readonly diagnostics: readonly Diagnostic[],
  ) {
    super('TEMPLATE_INVALID', `${file}: ${diagnostics.length} error(s)\n${diagnostics.map((d) => formatDiagnostic(file, d)).join('\n')}`);
  }
}

/** `file:line:column: severity: message (hint)`, the shape editors and terminals link. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}${d.hint ? `\n  hint: ${d.hint}` : ''}`;
}

/** What `template add` did with one file. */
export interface AddResult {
  readonly name: string;
  readonly version: number;
  readonly change: 'added' | 'updated' | 'unchanged';
  readonly warnings: readonly Diagnostic[];
}

/** Parses a template file's text, throwing TemplateInvalidError when it has errors. */
export function validateTemplate(source: string, file: string): { template: Template; warnings: Diagnostic[] } {
  const result = parseTemplate(source, file);
  if (!result.template || result.errors.length > 0) throw new TemplateInvalidError(file, result.errors);
  return { template: result.template, warnings: result.warnings };
}

/**
 * Validates and registers one template: a new name gets version 1, a changed file the next
 * version (the previous one stays, inactive), an unchanged file is a no-op. Running daemons pick
 * the change up within a second.
 */
export async function addTemplate(db: Pick<Database, 'pool' | 'schema'>, source: string, file: string): Promise<AddResult> {
  const { template, warnings } = validateTemplate(source, file);
  const sha = createHash('sha256').update(source).digest();
  return withTransaction(db.pool, async (client) => {
    await lockTemplateName(client, template.name);
    const latest = await latestVersion(client, db.schema, template.name);
    if (latest?.sourceSha256?.equals(sha)) {
      if (!latest.active) await setActive(client, db.schema, template.name, true);
      return { name: template.name, version: latest.version, change: 'unchanged', warnings };
    }
    const version = (latest?.version ?? 0) + 1;
    await insertVersion(client, db.schema, {
      name: template.name,
      event: template.event,
      subject: template.subject ?? null,
      body: template.body,
      source,
      sourceSha256: sha,
      recipient: template.recipient ?? null,
      timezone: template.timezone ?? null,
      format: template.format,
      macros: template.macros,
      fileName: file,
    }, version);
    return { name: template.name, version, change: latest ? 'updated' : 'added', warnings };
  });
}

/** Stops (false) or resumes (true) matching with a template; its history is kept. */
export async function setTemplateActive(db: Pick<Database, 'pool' | 'schema'>, name: string, active: boolean): Promise<void> {
  const known = await withTransaction(db.pool, async (client) => {
    await lockTemplateName(client, name);
    return setActive(client, db.schema, name, active);
  });
  if (!known) throw new UserError('TEMPLATE_UNKNOWN', `no template is named ${JSON.stringify(name)} (see: unmacro template list)`);
}

/** Every template name with its newest version, state and match count. */
export function listRegistered(db: Pick<Database, 'pool' | 'schema'>) {
  return listTemplates(db.pool, db.schema);
}

/** The active (else newest) version of a template, or a UserError naming the unknown name. */
export async function showRegistered(db: Pick<Database, 'pool' | 'schema'>, name: string) {
  const row = await showTemplate(db.pool, db.schema, name);
  if (!row) throw new UserError('TEMPLATE_UNKNOWN', `no template is named ${JSON.stringify(name)} (see: unmacro template list)`);
  return row;
}
