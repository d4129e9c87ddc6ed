import type { Database } from '../db/pool.js';
import type { TemplateSet } from '../pipeline/catalog.js';
import { createMailWriter, ingestMail } from '../pipeline/ingest.js';
import { readArchive, type ImportPlan } from './sources.js';

/** Mails in flight at once: enough to fill a group commit's transaction while the previous one commits. */
const IMPORT_CONCURRENCY = 64;
/** Raw bytes in flight at once, whatever the mails' sizes. */
const IMPORT_MAX_BYTES = 64 * 1024 * 1024;

export interface ImportProgress {
  readonly mails: number;
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly seconds: number;
}

export interface ImportSummary {
  readonly mails: number;
  /** Stored mails by status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Mails skipped because the same delivery was already stored (an archive imported again). */
  readonly skipped: number;
  readonly seconds: number;
}

/**
 * Feeds every mail of the plan through the same pipeline and group commit as SMTP, many at a time. Reading waits
 * for storing, so memory stays bounded whatever the archive's size. A mail already stored is
 * skipped, so importing an archive again adds nothing.
 */
export async function importArchive(
  deps: { db: Pick<Database, 'pool' | 'schema' | 'kind'>; templates: TemplateSet },
  plan: ImportPlan,
  onProgress: (p: ImportProgress) => void = () => {},
): Promise<ImportSummary> {
  const started = performance.now();
  const statuses: Record<string, number> = {};
  let mails = 0;
  let skipped = 0;
  const inFlight = new Set<Promise<void>>();
  let bytesInFlight = 0;
  const writer = createMailWriter(deps.db);
  let failure: { error: unknown } | undefined;
  for await (const mail of readArchive(plan)) {
    if (failure) break;
    const size = mail.raw.length;
    bytesInFlight += size;
    const work = ingestMail({ ...deps, writer }, { raw: mail.raw, mailFrom: mail.mailFrom ?? null, rcptTo: [], remoteAddress: null, receivedAt: mail.receivedAt }, { skipKnownDeliveries: true }).then((result) => {
      mails += 1;
      if (result.skipped) skipped += 1;
      else statuses[result.status] = (statuses[result.status] ?? 0) + 1;
      onProgress({ mails, bytesRead: mail.bytesRead, totalBytes: plan.totalBytes, seconds: (performance.now() - started) / 1000 });
    });
    const tracked: Promise<void> = work
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        inFlight.delete(tracked);
        bytesInFlight -= size;
      });
    inFlight.add(tracked);
    while (inFlight.size >= IMPORT_CONCURRENCY || (inFlight.size > 0 && bytesInFlight >= IMPORT_MAX_BYTES)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  // Stop at the first mail that could not be stored; what was stored stays, and a rerun skips it.
  if (failure) throw failure.error;
  return { mails, statuses, skipped, seconds: (performance.now() - started) / 1000 };
}
