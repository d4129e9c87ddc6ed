import type pg from 'pg';
import { deleteEventOfMail, mailOfEvent } from '../db/events.js';
import { storedMailBatch, updateOutcome, type MessageStatus, type StoredMail as Stored } from '../db/messages.js';
import type { Database } from '../db/pool.js';
import { withTransaction } from '../db/transaction.js';
import type { TemplateSet } from './catalog.js';
import { analyse, attachEvent, type Analysis } from './ingest.js';

/** Statuses `reprocess` takes by default: mail that has no event, or an uncertain one. */
export const DEFAULT_REPROCESS_STATUSES: readonly MessageStatus[] = ['unmatched', 'ambiguous'];
/** Statuses that can be reprocessed; a duplicate keeps pointing at its original instead. */
export const REPROCESSABLE_STATUSES: readonly MessageStatus[] = ['extracted', 'unmatched', 'ambiguous', 'invalid'];
/** Mails per transaction: short enough not to stall the embedded database's single session. */
const BATCH_SIZE = 100;

export interface ReprocessOptions {
  readonly statuses: readonly MessageStatus[];
  readonly since?: Date;
  readonly until?: Date;
  /** Compute the summary only; change nothing. */
  readonly dryRun: boolean;
}

/** What reprocessing did (or, in a dry run, would do). */
export interface ReprocessSummary {
  readonly examined: number;
  /** Mails whose status, template or values changed. */
  readonly changed: number;
  /** `from -> to` status transitions, changed mails only. */
  readonly transitions: Readonly<Record<string, number>>;
  /** Extracted fields whose value changed, with the number of mails. */
  readonly fields: Readonly<Record<string, number>>;
  /** Mails skipped because retention already removed their raw bytes. */
  readonly withoutRaw: number;
}


/**
 * Re-runs matching on stored raw mail with the given templates, in batches of one transaction
 * each, replacing the event (and its children) of every mail whose outcome changed.
 */
export async function reprocess(
  db: Pick<Database, 'pool' | 'schema'>,
  templates: TemplateSet,
  options: ReprocessOptions,
  onProgress: (done: number) => void = () => {},
): Promise<ReprocessSummary> {
  const transitions: Record<string, number> = {};
  const fields: Record<string, number> = {};
  let examined = 0;
  let changed = 0;
  let withoutRaw = 0;
  let after = '0';
  for (;;) {
    const batch = await nextBatch(db, options, after);
    if (batch.length === 0) break;
    after = (batch.at(-1) as Stored).id;
    const work = async (client: pg.PoolClient | undefined) => {
      for (const mail of batch) {
        examined += 1;
        if (!mail.raw) {
          withoutRaw += 1;
          continue;
        }
        const analysis = await analyse(mail.raw, mail.rcpt_to, templates);
        const diff = compare(mail, analysis);
        if (!diff) continue;
        if (client) {
          diff.to = await rewrite(client, db.schema, mail, analysis);
        } else if (analysis.event?.dedupKey) {
          // A dry run still tells an event that another mail already has.
          const owner = await mailOfEvent(db.pool, db.schema, analysis.event.dedupKey);
          if (owner !== undefined && owner !== mail.id) diff.to = 'duplicate';
        }
        changed += 1;
        const key = `${mail.status} -> ${diff.to}`;
        transitions[key] = (transitions[key] ?? 0) + 1;
        for (const field of diff.fields) fields[field] = (fields[field] ?? 0) + 1;
      }
    };
    if (options.dryRun) await work(undefined);
    else await withTransaction(db.pool, work);
    onProgress(examined);
  }
  return { examined, changed, transitions, fields, withoutRaw };
}

function nextBatch(db: Pick<Database, 'pool' | 'schema'>, options: ReprocessOptions, after: string): Promise<Stored[]> {
  const statuses = options.statuses.filter((s) => REPROCESSABLE_STATUSES.includes(s));
  return storedMailBatch(db.pool, db.schema, { statuses, after, since: options.since, until: options.until, limit: BATCH_SIZE });
}

/** What would change for one mail, or undefined when nothing would. */
function compare(mail: Stored, a: Analysis): { to: MessageStatus; fields: string[] } | undefined {
  const before = mail.values ?? {};
  const after = a.event?.values ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => (before[k] ?? null) !== (after[k] ?? null)).sort();
  const same =
    mail.status === a.outcome.status &&
    mail.template_name === a.outcome.templateName &&
    mail.template_version === a.outcome.templateVersion &&
    fields.length === 0;
  return same ? undefined : { to: a.outcome.status, fields };
}

/** Replaces the mail's event with the new one and records the new outcome; returns the final status. */
async function rewrite(client: pg.PoolClient, schema: string, mail: Stored, a: Analysis): Promise<MessageStatus> {
  await deleteEventOfMail(client, schema, mail.id);
  await updateOutcome(client, schema, mail.id, a.outcome);
  return attachEvent(client, schema, mail.id, mail.received_at, a);
}
