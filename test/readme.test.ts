// The README's SQL reports run as written against a database with real rows, so they cannot rot.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/pool.js';
import { runReadOnlyQuery } from '../src/db/query.js';
import { loadCatalog } from '../src/pipeline/catalog.js';
import { ingestMail } from '../src/pipeline/ingest.js';
import { addTemplate } from '../src/registry.js';
import { createTestDatabase, testLogger, type TestDatabase } from './support/database.js';
import { compose, render, sessionEndValues, shippedTemplate } from './support/mail.js';

let tdb: TestDatabase;
let db: Database;

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const reports = readme.slice(readme.indexOf('## SQL reports'), readme.indexOf('## Operations'));
const queries = [...reports.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim());

before(async () => {
  tdb = await createTestDatabase();
  db = await tdb.open();
  await migrate(db.pool, db.schema, testLogger());
  for (const name of ['session-end', 'customer-exit-survey']) await addTemplate(db, shippedTemplate(name).source, `${name}.tmpl`);
  const templates = (await loadCatalog(db, testLogger())).current();
  const ingest = async (subject: string, text: string) =>
    ingestMail({ db, templates }, { raw: await compose({ subject, text }), mailFrom: null, rcptTo: ['u@example.com'], remoteAddress: null, receivedAt: new Date() });
  const end = shippedTemplate('session-end');
  const v = sessionEndValues({ LSID: 'e9e99aeb9ad54fb381634498502c5a1b' });
  assert.equal((await ingest(render(end.subject, v), render(end.body, v))).status, 'extracted');
  const survey = shippedTemplate('customer-exit-survey');
  const a = { LSID: 'e9e99aeb9ad54fb381634498502c5a1b', LSEQ: '22817', EXTERNAL_KEY: '', CUSTOMER_EXIT_SURVEY: 'Rating: 5\nComments: quick' };
  assert.equal((await ingest(render(survey.subject, a), render(survey.body, a))).status, 'extracted');
  assert.equal((await ingest('Out of office', 'back Monday')).status, 'unmatched');
});
after(async () => {
  await db?.close();
  await tdb?.drop();
});

test('the README has its SQL reports', () => {
  assert.ok(queries.length >= 5, `found ${queries.length}`);
});

for (const [i, sql] of queries.entries()) {
  test(`README report ${i + 1} runs and returns rows: ${sql.split('\n')[0]}`, async () => {
    const result = await runReadOnlyQuery(db.pool, db.schema, sql);
    assert.ok(result.rows.length > 0, 'returns rows on the sample data');
  });
}
