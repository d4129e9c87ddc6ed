// Worker-thread entry: runs PGlite and its socket server off the daemon's thread. PGlite executes
// a query synchronously in WebAssembly; on the daemon's own thread a long query from psql froze
// SMTP, HTTP, /healthz and the timers behind --db-timeout-ms. Here it only occupies this thread.
import fs from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ProtocolQueue } from './embedded-queue.js';

const { pgdata, socketPath, maxConnections } = workerData as { pgdata: string; socketPath: string; maxConnections: number };
const port = parentPort;
if (!port) throw new Error('embedded-server runs as a worker thread');

try {
  const db = await PGlite.create(pgdata);
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections });
  // Before start(): each connection takes the server's queue when it is accepted.
  (server as unknown as { queryQueue: ProtocolQueue }).queryQueue = new ProtocolQueue(db);
  try {
    await server.start();
    await fs.chmod(socketPath, 0o600); // PGlite accepts any password: the file mode is the access control
  } catch (err) {
    await db.close();
    throw err;
  }
  port.on('message', (message: { type?: string }) => {
    if (message?.type !== 'close') return;
    void (async () => {
      await server.stop();
      await db.close();
      port.postMessage({ type: 'closed' });
      port.close();
    })();
  });
  port.postMessage({ type: 'ready' });
} catch (err) {
  port.postMessage({ type: 'failed', message: (err as Error).message });
  port.close();
}
