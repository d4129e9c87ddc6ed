// A daemon on a fresh database with the shipped session-end template registered: what the
// console's HTTP and browser tests start from.
import { startDaemon, type Daemon } from '../../src/daemon.js';
import type { Database } from '../../src/db/pool.js';
import { addTemplate } from '../../src/registry.js';
import { createTestDatabase, testLogger, type TestDatabase } from '../support/database.js';
import { shippedTemplate } from '../support/mail.js';

export interface ConsoleDaemon {
  readonly tdb: TestDatabase;
  readonly db: Database;
  readonly daemon: Daemon;
  /** The HTTP listener's base URL. */
  readonly base: string;
  readonly template: ReturnType<typeof shippedTemplate>;
  stop(): Promise<void>;
}

export async function startConsoleDaemon(): Promise<ConsoleDaemon> {
  const tdb = await createTestDatabase();
  const db = await tdb.open();
  const daemon = await startDaemon({ config: tdb.config(), logger: testLogger(), db });
  const template = shippedTemplate('session-end');
  await addTemplate(db, template.source, 'session-end.tmpl');
  await new Promise((r) => setTimeout(r, 1200)); // the daemon picks up templates within a second
  return {
    tdb, db, daemon, template,
    base: `http://127.0.0.1:${daemon.http?.port}`,
    async stop() {
      await daemon.stop();
      await db.close();
      await tdb.drop();
    },
  };
}
