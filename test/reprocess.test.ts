import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/pool.js';
import { loadCatalog, type TemplateCatalog } from '../src/pipeline/catalog.js';
import { ingestMail } from '../src/pipeline/ingest.js';
import { DEFAULT_REPROCESS_STATUSES, reprocess } from '../src/pipeline/reprocess.js';
import { addTemplate } from '../src/registry.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';
import { compose } from './support/mail.js';

let tdb: TestDatabase;
let db: Database;
let catalog: TemplateCatalog;

const V1 = 'Name: ticket\nEvent: session-end\nSubject: Ticket %EXTERNAL_KEY%\n\nSession %LSID% for %CUSTOMER_NAME%\n';
// Version 2 learns that the appliance adds the computer name after the customer.
const V2 = 'Name: ticket\nEvent: session-end\nSubject: Ticket %EXTERNAL_KEY%\n\nSession %LSID% for %CUSTOMER_NAME% on %CUSTOMER_COMPUTER-NAME%\n';
const LSID = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';

before(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  await migrate(db.pool, db.schema, testLogger());
  catalog = await loadCatalog(db, testLogger());
});
after(async () => {
  await db?.close();
  await tdb?.drop();
});

async function statuses(): Promise<string[]> {
  const { rows } = await db.pool.query('SELECT status FROM messages ORDER BY id');
  return rows.map((r) => r.status);
}

async function receive(subject: string, text: string) {
  const raw = await compose({ subject, text });
  return ingestMail({ db, templates: catalog.current() }, { raw, mailFrom: null, rcptTo: ['unmacro@example.com'], remoteAddress: '127.0.0.1', receivedAt: new Date() });
}

test('mail that arrived before its template is extracted by reprocess; a dry run changes nothing first', async () => {
  await receive('Ticket INC1', `Session ${LSID} for Ana Müller on FIN-LT-0042`);
  await receive('Newsletter', 'not a session');
  assert.deepEqual(await statuses(), ['unmatched', 'unmatched']);

  assert.equal((await addTemplate(db, V1, 'ticket.tmpl')).version, 1);
  await catalog.refresh();

  const dry = await reprocess(db, catalog.current(), { statuses: DEFAULT_REPROCESS_STATUSES, dryRun: true });
  assert.deepEqual(dry, { examined: 2, changed: 1, transitions: { 'unmatched -> extracted': 1 }, fields: { customer_name: 1, external_key: 1, lsid: 1 }, withoutRaw: 0 });
  assert.deepEqual(await statuses(), ['unmatched', 'unmatched'], 'the dry run changed nothing');

  const done = await reprocess(db, catalog.current(), { statuses: DEFAULT_REPROCESS_STATUSES, dryRun: false });
  assert.deepEqual(done, dry);
  assert.deepEqual(await statuses(), ['extracted', 'unmatched']);
  const { rows } = await db.pool.query('SELECT customer_name, external_key, template_version FROM session_end');
  assert.deepEqual(rows, [{ customer_name: 'Ana Müller on FIN-LT-0042', external_key: 'INC1', template_version: 1 }]);

  const again = await reprocess(db, catalog.current(), { statuses: DEFAULT_REPROCESS_STATUSES, dryRun: false });
  assert.equal(again.changed, 0, 'reprocessing again is a no-op');
});

test('after a template change, reprocessing extracted mail updates the event and counts the changed fields', async () => {
  const added = await addTemplate(db, V2, 'ticket.tmpl');
  assert.deepEqual([added.version, added.change], [2, 'updated']);
  assert.equal((await addTemplate(db, V2, 'ticket.tmpl')).change, 'unchanged');
  await catalog.refresh();

  const summary = await reprocess(db, catalog.current(), { statuses: ['extracted'], dryRun: false });
  assert.deepEqual(summary.transitions, { 'extracted -> extracted': 1 });
  assert.deepEqual(summary.fields, { customer_computer_name: 1, customer_name: 1 });
  const { rows } = await db.pool.query('SELECT customer_name, customer_computer_name, template_version FROM session_end');
  assert.deepEqual(rows, [{ customer_name: 'Ana Müller', customer_computer_name: 'FIN-LT-0042', template_version: 2 }]);
  const { rows: events } = await db.pool.query('SELECT count(*)::int AS n FROM events');
  assert.equal(events[0].n, 1, 'the event was replaced, not added');
});

test('a time range limits what is reprocessed', async () => {
  const summary = await reprocess(db, catalog.current(), { statuses: ['unmatched'], since: new Date(Date.now() + 60_000), dryRun: true });
  assert.equal(summary.examined, 0);
});
