import { createMatcher, parseTemplate, type Matcher } from '../engine/index.js';
import { activeTemplates, templatesRevision } from '../db/templates.js';
import type { Database } from '../db/pool.js';
import type { Logger } from '../logger.js';

/** How often a daemon looks for template changes (the contract promises one second). */
const POLL_MS = 500;

/** The active templates, compiled: a matcher plus the version of each template name. */
export interface TemplateSet {
  readonly matcher: Matcher;
  readonly versions: ReadonlyMap<string, number>;
  readonly revision: string;
}

/** Holds the current TemplateSet and replaces it when the templates in the database change. */
export interface TemplateCatalog {
  current(): TemplateSet;
  /** Reloads when the revision changed; resolves true when it did. */
  refresh(): Promise<boolean>;
  /** Polls for changes until stop(). */
  start(): void;
  stop(): void;
}

/** Loads the active templates and returns a catalog that keeps them current. */
export async function loadCatalog(db: Pick<Database, 'pool' | 'schema'>, logger: Logger): Promise<TemplateCatalog> {
  const log = logger.child({ component: 'templates' });
  let set = await load();
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<boolean> | undefined;

  async function load(): Promise<TemplateSet> {
    const revision = await templatesRevision(db.pool, db.schema);
    const rows = await activeTemplates(db.pool, db.schema);
    const templates = [];
    const versions = new Map<string, number>();
    for (const row of rows) {
      const parsed = parseTemplate(row.source, row.fileName ?? undefined);
      if (!parsed.template) {
        log.error({ template: row.name, version: row.version, errors: parsed.errors.map((e) => e.message) }, 'stored template no longer valid; skipped');
        continue;
      }
      templates.push(parsed.template);
      versions.set(parsed.template.name, row.version);
    }
    log.info({ templates: templates.length, revision }, 'templates loaded');
    return { matcher: createMatcher(templates), versions, revision };
  }

  async function refresh(): Promise<boolean> {
    if ((await templatesRevision(db.pool, db.schema)) === set.revision) return false;
    set = await load();
    return true;
  }

  /** One reload at a time: a poll that finds one running joins it. */
  function refreshOnce(): Promise<boolean> {
    return (refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    }));
  }

  return {
    current: () => set,
    refresh: refreshOnce,
    start() {
      timer ??= setInterval(() => {
        refreshOnce().catch((err: unknown) => log.warn({ err }, 'could not check for template changes'));
      }, POLL_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
