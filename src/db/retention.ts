import type { Database } from './pool.js';

/** Rows per statement, so pruning never holds a long transaction. */
const PRUNE_BATCH = 1000;
/** Statuses whose raw bytes may go: their data is in rows already. Unmatched and ambiguous mail keeps its raw bytes for reprocessing. */
const PRUNABLE = ['extracted', 'duplicate', 'invalid'];

/**
 * Removes the raw bytes of mail stored more than `days` ago (by unmacro: an imported archive's old
 * Date headers do not count), keeping every row; returns how many mails lost them.
 */
export async function pruneRawMail(db: Pick<Database, 'pool' | 'schema'>, days: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.pool.query(
      `UPDATE ${db.schema}.messages SET raw = NULL
        WHERE id IN (SELECT id FROM ${db.schema}.messages
                      WHERE raw IS NOT NULL AND status = ANY($2) AND stored_at < now() - make_interval(days => $1)
                      LIMIT ${PRUNE_BATCH})`,
      [days, PRUNABLE],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < PRUNE_BATCH) return total;
  }
}
