import type { PGlite } from '@electric-sql/pglite';

/**
 * Extended-protocol messages that leave a sequence open until the client's Sync: Parse, Bind,
 * Describe, Execute, Close, Flush.
 */
const OPEN_SEQUENCE = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));

interface Entry {
  readonly handlerId: number;
  readonly message: Uint8Array;
  readonly onData: (data: Uint8Array) => void;
  resolve(bytes: number): void;
  reject(err: unknown): void;
}

/**
 * The queue of protocol messages in front of PGlite, in place of pglite-socket's own: PGlite is
 * ONE session, shared by every socket connection, so one connection must have it to itself from
 * the first message of a unit to its end. pglite-socket's queue keeps a transaction together, but
 * outside one it runs the messages of concurrent connections in arrival order: another
 * connection's Parse could replace the unnamed statement between a Parse and its Bind, and the
 * wrong statement would run. Here a connection also keeps the session from a Parse (or Bind,
 * Execute, ...) up to its Sync, so a single statement with parameters needs no transaction
 * around it. Its interface is the one PGLiteSocketServer calls.
 */
export class ProtocolQueue {
  private readonly queue: Entry[] = [];
  private processing = false;
  /** The connection that has the session: in a transaction, or between a Parse and its Sync. */
  private holder: number | null = null;
  private sequenceOpen = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  /** A connection went away: its waiting messages fail. */
  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const entry = this.queue[i] as Entry;
      if (entry.handlerId !== handlerId) continue;
      this.queue.splice(i, 1);
      entry.reject(new Error('Handler disconnected'));
    }
  }

  /** A connection went away: when it had the session, its transaction is rolled back and the session freed. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.holder !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.holder = null;
    this.sequenceOpen = false;
    await this.process();
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const held = this.holder !== null && (this.sequenceOpen || this.db.isInTransaction());
        const index = held ? this.queue.findIndex((e) => e.handlerId === this.holder) : 0;
        // The holder's next message has not arrived yet: the others wait for it.
        if (index < 0) break;
        const [entry] = this.queue.splice(index, 1) as [Entry];
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(entry.message, {
              onRawData: (data) => {
                bytes += data.length;
                entry.onData(data);
              },
            }),
          );
        } catch (err) {
          entry.reject(err);
          continue;
        }
        this.holder = entry.handlerId;
        this.sequenceOpen = OPEN_SEQUENCE.has(entry.message[0] as number);
        entry.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }
}
