// Two deliveries of one mail at the same moment. Used to break for mail without an LSID (whose
// event has no dedup key): the second transaction's event pointed at a message row that the
// unique index then refused to insert, and it got a 451 from a foreign-key error
// (events_mail_id_fkey) before its retry was stored as a duplicate. Now both are stored at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/pool.js';
import { loadCatalog, type TemplateCatalog } from '../src/pipeline/catalog.js';
import { ingestMail } from '../src/pipeline/ingest.js';
import { addTemplate } from '../src/registry.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';
import { compose } from './support/mail.js';

let tdb: TestDatabase;
let db: Database;
let catalog: TemplateCatalog;
const NO_LSID = 'Name: no-lsid\nEvent: session-end\nSubject: Ticket %EXTERNAL_KEY% closed\n\nCustomer: %CUSTOMER_NAME%\n';

before(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open({});
  await migrate(db.pool, db.schema, testLogger());
  await addTemplate(db, NO_LSID, 'no-lsid.tmpl');
  catalog = await loadCatalog(db, testLogger());
});
after(async () => {
  await db?.close();
  await tdb?.drop();
});

test('two simultaneous deliveries of a mail without an LSID: one stored, one duplicate, neither fails', async () => {
  for (let i = 0; i < 10; i++) {
    const raw = await compose({ subject: `Ticket INC${i} closed`, text: `Customer: Ana ${i}`, messageId: `<race-${i}@support.example.com>` });
    const deliver = () =>
      ingestMail({ db, templates: catalog.current() }, { raw, mailFrom: null, rcptTo: ['unmacro@example.com'], remoteAddress: '127.0.0.1', receivedAt: new Date() });
    const results = await Promise.all([deliver(), deliver()]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['duplicate', 'extracted']);
  }
  const { rows } = await db.pool.query(`SELECT status, count(*)::int AS n FROM messages GROUP BY 1 ORDER BY 1`);
  assert.deepEqual(rows, [{ status: 'duplicate', n: 10 }, { status: 'extracted', n: 10 }]);
  const { rows: events } = await db.pool.query('SELECT count(*)::int AS n FROM events');
  assert.equal(events[0].n, 10);
});
