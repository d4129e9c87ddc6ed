import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/pool.js';
import { pruneRawMail } from '../src/db/retention.js';
import { UserError } from '../src/errors.js';
import { loadCatalog } from '../src/pipeline/catalog.js';
import { addTemplate, listRegistered, setTemplateActive, showRegistered, TemplateInvalidError } from '../src/registry.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';

let tdb: TestDatabase;
let db: Database;
before(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  await migrate(db.pool, db.schema, testLogger());
});
after(async () => {
  await db?.close();
  await tdb?.drop();
});

const A1 = 'Event: session-end\nSubject: A %LSID%\n\nCustomer: %CUSTOMER_NAME%\n';
const A2 = 'Event: session-end\nSubject: A %LSID%\n\nCustomer: %CUSTOMER_NAME% (%CUSTOMER_COMPUTER-NAME%)\n';

test('adding versions: new name, unchanged file, changed file; old versions stay inactive', async () => {
  assert.deepEqual(await addTemplate(db, A1, 'templates/alpha.tmpl'), { name: 'alpha', version: 1, change: 'added', warnings: [] });
  assert.equal((await addTemplate(db, A1, 'templates/alpha.tmpl')).change, 'unchanged');
  const second = await addTemplate(db, A2, 'templates/alpha.tmpl');
  assert.deepEqual([second.version, second.change], [2, 'updated']);
  const { rows } = await db.pool.query('SELECT version, active FROM templates WHERE name = $1 ORDER BY version', ['alpha']);
  assert.deepEqual(rows, [{ version: 1, active: false }, { version: 2, active: true }]);
  const shown = await showRegistered(db, 'alpha');
  assert.equal(shown.version, 2);
  assert.equal(shown.versions, 2);
  assert.equal(shown.source, A2);
});

test('an invalid file is refused with every error, and nothing is registered', async () => {
  await assert.rejects(addTemplate(db, 'Event: nope\n\n%CUSTOMR_NAME%\n', 'bad.tmpl'), (err: unknown) => {
    assert.ok(err instanceof TemplateInvalidError);
    assert.deepEqual(err.diagnostics.map((d) => d.code).sort(), ['unknown-event', 'unknown-macro']);
    assert.match(err.message, /^bad\.tmpl: 2 error\(s\)\nbad\.tmpl:1:8: error: /);
    return true;
  });
  assert.equal((await db.pool.query(`SELECT 1 FROM templates WHERE name = 'bad'`)).rowCount, 0);
});

test('disable and enable change what the catalog matches with, and are counted as changes', async () => {
  const catalog = await loadCatalog(db, testLogger());
  assert.deepEqual(catalog.current().matcher.templates.map((t) => t.name), ['alpha']);
  await setTemplateActive(db, 'alpha', false);
  assert.equal(await catalog.refresh(), true);
  assert.deepEqual(catalog.current().matcher.templates.map((t) => t.name), []);
  assert.equal((await listRegistered(db))[0]?.active, false);
  await setTemplateActive(db, 'alpha', true);
  await catalog.refresh();
  assert.deepEqual([...catalog.current().versions], [['alpha', 2]]);
  assert.equal(await catalog.refresh(), false, 'no change, no reload');
  await assert.rejects(setTemplateActive(db, 'nosuch', true), (err: unknown) => err instanceof UserError && err.code === 'TEMPLATE_UNKNOWN');
});

test('retention removes old raw bytes of extracted mail only, and keeps every row', async () => {
  // Used to break: retention counted from received_at, which an import takes from the Date header,
  // so an imported archive lost its raw bytes within the hour. It counts from storage now.
  const insert = `INSERT INTO messages (received_at, stored_at, size_bytes, status, raw) VALUES (now() - interval '400 days', now() - $1::interval, 3, $2, '\\x616263')`;
  await db.pool.query(insert, ['40 days', 'extracted']);
  await db.pool.query(insert, ['40 days', 'unmatched']);
  await db.pool.query(insert, ['1 day', 'extracted']);
  assert.equal(await pruneRawMail(db, 30), 1);
  const { rows } = await db.pool.query('SELECT status, raw IS NOT NULL AS kept FROM messages ORDER BY id');
  assert.deepEqual(rows, [{ status: 'extracted', kept: false }, { status: 'unmatched', kept: true }, { status: 'extracted', kept: true }]);
  assert.equal(await pruneRawMail(db, 30), 0);
});
