import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { migrate } from './db/migrate.js';
import type { Database } from './db/pool.js';
import { ingestMail } from './ingest.js';
import type { Logger } from './logger.js';
import { createSmtpReceiver } from './smtp/server.js';

/** A running daemon. */
export interface Daemon {
  readonly smtp: AddressInfo;
  /** Stops intake and waits (bounded) for in-flight mail. The database stays open: its opener closes it. */
  stop(): Promise<void>;
}

/** Migrates the database, then receives mail on SMTP and stores each one before replying. */
export async function startDaemon(deps: { config: Config; logger: Logger; db: Database }): Promise<Daemon> {
  const { config, logger, db } = deps;
  await migrate(db.pool, db.schema, logger);
  const smtp = createSmtpReceiver({ config, logger, sink: (mail) => ingestMail(db, mail) });
  const address = await smtp.start();
  let stopping: Promise<void> | undefined;
  return {
    smtp: address,
    stop: () =>
      (stopping ??= (async () => {
        logger.info('stopping: no new mail, waiting for mail in flight');
        await smtp.stop();
      })()),
  };
}
