import type pg from 'pg';

/** A stored template version. */
export interface TemplateRow {
  readonly name: string;
  readonly version: number;
  readonly event: string;
  readonly subject: string | null;
  readonly body: string;
  readonly source: string;
  readonly fileName: string | null;
  readonly active: boolean;
  readonly createdAt: Date;
  readonly macros: readonly string[];
}

/** A template version to insert. */
export interface NewTemplateVersion {
  readonly name: string;
  readonly event: string;
  readonly subject: string | null;
  readonly body: string;
  readonly source: string;
  readonly sourceSha256: Buffer;
  readonly recipient: string | null;
  readonly timezone: string | null;
  readonly format: 'text' | 'html';
  readonly macros: readonly string[];
  readonly fileName: string | null;
}

const COLUMNS = `name, version, event, subject, body, source, file_name AS "fileName", active, created_at AS "createdAt", macros`;

/** Serialises changes to one template name across connections and daemons. */
export async function lockTemplateName(client: pg.PoolClient, name: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('unmacro.template:' || $1))`, [name]);
}

/** The newest version of a name, with its source hash, or undefined. */
export async function latestVersion(client: pg.PoolClient, schema: string, name: string) {
  const { rows } = await client.query<TemplateRow & { sourceSha256: Buffer | null }>(
    `SELECT ${COLUMNS}, source_sha256 AS "sourceSha256" FROM ${schema}.templates WHERE name = $1 ORDER BY version DESC LIMIT 1`,
    [name],
  );
  return rows[0];
}

/** Adds a version, makes it the active one, and bumps the revision that daemons watch. */
export async function insertVersion(client: pg.PoolClient, schema: string, t: NewTemplateVersion, version: number): Promise<void> {
  await client.query(`UPDATE ${schema}.templates SET active = false WHERE name = $1 AND active`, [t.name]);
  await client.query(
    `INSERT INTO ${schema}.templates (name, version, event, subject, body, source, source_sha256, recipient, timezone, format, macros, file_name, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, true)`,
    [t.name, version, t.event, t.subject, t.body, t.source, t.sourceSha256, t.recipient, t.timezone, t.format, t.macros, t.fileName],
  );
  await bumpRevision(client, schema);
}

/** Turns matching with a name on (its newest version) or off (every version). Returns false for an unknown name. */
export async function setActive(client: pg.PoolClient, schema: string, name: string, active: boolean): Promise<boolean> {
  const { rowCount } = active
    ? await client.query(
        `UPDATE ${schema}.templates SET active = true
          WHERE name = $1 AND version = (SELECT max(version) FROM ${schema}.templates WHERE name = $1) AND NOT active`,
        [name],
      )
    : await client.query(`UPDATE ${schema}.templates SET active = false WHERE name = $1 AND active`, [name]);
  if (rowCount) await bumpRevision(client, schema);
  const { rows } = await client.query(`SELECT 1 FROM ${schema}.templates WHERE name = $1 LIMIT 1`, [name]);
  return rows.length > 0;
}

async function bumpRevision(client: pg.PoolClient, schema: string): Promise<void> {
  await client.query(`UPDATE ${schema}.unmacro_state SET templates_revision = templates_revision + 1`);
}

/** The revision daemons compare to know when to reload templates. */
export async function templatesRevision(db: pg.Pool, schema: string): Promise<string> {
  const { rows } = await db.query<{ revision: string }>(`SELECT templates_revision AS revision FROM ${schema}.unmacro_state`);
  return rows[0]?.revision ?? '0';
}

/** Every active template version (the sources the matcher is built from). */
export async function activeTemplates(db: pg.Pool, schema: string): Promise<TemplateRow[]> {
  const { rows } = await db.query<TemplateRow>(`SELECT ${COLUMNS} FROM ${schema}.templates WHERE active ORDER BY name`);
  return rows;
}

/** One line per template name: its newest version, whether it is active, and how many events it made. */
export async function listTemplates(db: pg.Pool, schema: string) {
  const { rows } = await db.query<{ name: string; event: string; version: number; active: boolean; macros: string[]; matches: string }>(
    `SELECT t.name, t.event, t.version, bool_or(a.active) IS TRUE AS active, t.macros,
            (SELECT count(*) FROM ${schema}.events e WHERE e.template_name = t.name) AS matches
       FROM (SELECT DISTINCT ON (name) * FROM ${schema}.templates ORDER BY name, version DESC) t
       JOIN ${schema}.templates a ON a.name = t.name
      GROUP BY t.name, t.event, t.version, t.macros
      ORDER BY t.name`,
  );
  return rows.map((r) => ({ ...r, matches: Number(r.matches) }));
}

/** The active version of a name, else its newest; undefined when the name is unknown. */
export async function showTemplate(db: pg.Pool, schema: string, name: string): Promise<(TemplateRow & { versions: number }) | undefined> {
  const { rows } = await db.query<TemplateRow & { versions: number }>(
    `SELECT ${COLUMNS}, (SELECT count(*)::int FROM ${schema}.templates WHERE name = $1) AS versions
       FROM ${schema}.templates WHERE name = $1 ORDER BY active DESC, version DESC LIMIT 1`,
    [name],
  );
  return rows[0];
}
