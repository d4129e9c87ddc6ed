// The console over HTTP against a fresh database: escaping of mail content, CSRF, the token
// policy, security headers, and keyset paging.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import type { Database } from '../../src/db/pool.js';
import { createConsole } from '../../src/ui/console.js';
import { isLoopbackHost } from '../../src/ui/security.js';
import { testLogger, type TestDatabase } from '../support/database.js';
import { render, sessionEndValues, shippedTemplate } from '../support/mail.js';
import { sendMail } from '../support/smtp.js';
import { startConsoleDaemon, type ConsoleDaemon } from './daemon.js';

let started: ConsoleDaemon;
let tdb: TestDatabase;
let db: Database;
let daemon: Daemon;
let base: string;

const XSS = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;

before(async () => {
  started = await startConsoleDaemon();
  ({ tdb, db, daemon, base } = started);
  const t = started.template;
  const values = sessionEndValues({ CUSTOMER_NAME: XSS, SESSION_CHAT: `15:00:01 John: <a href="javascript:alert(1)">click</a> ${XSS}` });
  assert.equal((await sendMail(daemon.smtp.port, { subject: render(t.subject, values), text: render(t.body, values) })).code, 250);
  // Unmatched mail with markup in its subject and body.
  for (let i = 0; i < 7; i++) {
    assert.equal((await sendMail(daemon.smtp.port, { subject: `Hello ${i} <b>${XSS}</b>`, text: `Not a report ${i}\n${XSS}` })).code, 250);
  }
});
after(async () => {
  await started?.stop();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
  return { res, text: await res.text() };
}

test('every page answers 200 with a strict CSP and never echoes mail markup', async () => {
  const { rows } = await db.pool.query<{ id: string; status: string }>('SELECT id::text, status FROM messages ORDER BY id');
  const pages = ['/ui', '/ui/', '/ui/messages', '/ui/messages?status=unmatched', '/ui/templates', '/ui/templates/session-end', '/ui/tester', '/ui/reports', ...rows.map((r) => `/ui/messages/${r.id}`)];
  for (const page of pages) {
    const { res, text } = await get(page);
    assert.equal(res.status, 200, page);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/, page);
    assert.match(csp, /script-src 'self'(;|$)/, page);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/, page);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.ok(!text.includes('<script>window'), `${page} echoes a script tag`);
    assert.ok(!text.includes('<img src=x'), `${page} echoes an img tag`);
    assert.ok(!/href="javascript:/i.test(text), `${page} has a javascript: link`);
    // The only script elements: the bundle and JSON data blocks.
    for (const tag of text.match(/<script[^>]*>/g) ?? []) assert.match(tag, /src="\/ui\/assets\/console\.js"|type="application\/json"/, page);
  }
  const extracted = rows.find((r) => r.status === 'extracted');
  assert.ok(extracted, 'the session end mail was extracted');
  const { text } = await get(`/ui/messages/${extracted.id}`);
  assert.ok(text.includes('&lt;script&gt;window.__pwned=1&lt;/script&gt;'), 'the customer name is shown, escaped');
});

test('a POST without the CSRF token, with a wrong one, or from another origin is refused', async () => {
  const { rows } = await db.pool.query<{ id: string }>(`SELECT id::text FROM messages WHERE status = 'unmatched' ORDER BY id LIMIT 1`);
  const id = rows[0]!.id;
  const page = await get(`/ui/messages/${id}`);
  const cookie = (page.res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const token = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(cookie.startsWith('unmacro_csrf=') && token, 'the page sets a CSRF cookie and field');
  const post = (body: URLSearchParams, headers: Record<string, string>) =>
    fetch(`${base}/ui/messages/${id}/reprocess`, { method: 'POST', body, headers, redirect: 'manual' });
  assert.equal((await post(new URLSearchParams({}), { cookie })).status, 403, 'no token');
  assert.equal((await post(new URLSearchParams({ csrf: 'x'.repeat(43) }), { cookie })).status, 403, 'wrong token');
  assert.equal((await post(new URLSearchParams({ csrf: token }), {})).status, 403, 'no cookie');
  assert.equal((await post(new URLSearchParams({ csrf: token }), { cookie, origin: 'http://evil.example' })).status, 403, 'cross origin');
  const ok = await post(new URLSearchParams({ csrf: token }), { cookie, origin: base });
  assert.equal(ok.status, 303);
  assert.match(ok.headers.get('location') ?? '', new RegExp(`/ui/messages/${id}\\?done=`));
  // GET never changes anything.
  assert.equal((await fetch(`${base}/ui/messages/${id}/reprocess`)).status, 404);
});

test('the message list pages by keyset, newest first, without gaps or repeats', async () => {
  const { rows } = await db.pool.query<{ id: string }>('SELECT id::text FROM messages ORDER BY id DESC');
  const ids = (text: string) => [...text.matchAll(/<a href="\/ui\/messages\/(\d+)">/g)].map((m) => m[1] as string);
  const seen: string[] = [];
  // Fewer rows than a page: the first page is all of them; then pages before and after a row.
  const first = await get('/ui/messages');
  seen.push(...ids(first.text));
  assert.deepEqual(seen, rows.map((r) => r.id));
  const middle = rows[3]!.id;
  const older = await get(`/ui/messages?before=${middle}`);
  assert.deepEqual(ids(older.text), rows.slice(4).map((r) => r.id));
  assert.match(older.text, /rel="prev" href="\/ui\/messages\?after=\d+"/);
  const newer = await get(`/ui/messages?after=${rows[4]!.id}`);
  assert.deepEqual(ids(newer.text), rows.slice(0, 4).map((r) => r.id));
  const filtered = await get('/ui/messages?status=extracted');
  assert.equal(ids(filtered.text).length, 1);
  const lsid = sessionEndValues().LSID!;
  assert.equal(ids((await get(`/ui/messages?q=${lsid}`)).text).length, 1, 'search by LSID');
  assert.equal(ids((await get(`/ui/messages?q=${encodeURIComponent('pwned')}`)).text).length, 1, 'search by customer');
  assert.equal(ids((await get(`/ui/messages?q=${encodeURIComponent('nobody-like-this')}`)).text).length, 0);
});

test('raw download is an attachment, CSV exports are CSV, unknown pages 404', async () => {
  const { rows } = await db.pool.query<{ id: string }>('SELECT id::text FROM messages ORDER BY id LIMIT 1');
  const raw = await get(`/ui/messages/${rows[0]!.id}/raw`);
  assert.equal(raw.res.status, 200);
  assert.match(raw.res.headers.get('content-disposition') ?? '', /^attachment; filename="message-\d+\.eml"$/);
  assert.equal(raw.res.headers.get('content-type'), 'application/octet-stream');
  for (const name of ['sessions-per-day', 'representatives', 'survey-answers']) {
    const csv = await get(`/ui/reports/${name}.csv`);
    assert.equal(csv.res.status, 200, name);
    assert.match(csv.res.headers.get('content-type') ?? '', /^text\/csv/);
  }
  const perDay = await get('/ui/reports/sessions-per-day.csv?days=365');
  assert.match(perDay.text, /^day,sessions\r\n\d{4}-\d{2}-\d{2},1\r\n$/);
  assert.equal((await get('/ui/nothing')).res.status, 404);
  assert.equal((await get('/ui/messages/abc')).res.status, 404);
  assert.equal((await get('/ui/templates/%E0%A4%A')).res.status, 404, 'a malformed escape is not a 500');
  assert.equal((await get('/ui/templates/no-such-template')).res.status, 404);
});

test('off loopback the console refuses to start without a token, and then requires it', async () => {
  assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('localhost'));
  assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('::') && !isLoopbackHost('192.168.1.10'));
  const deps = { logger: testLogger(), db, catalog: { current: () => { throw new Error('unused'); }, refresh: async () => false } };
  assert.throws(() => createConsole({ ...deps, config: { httpHost: '0.0.0.0', uiToken: undefined } }), /--ui-token/);
  // A daemon told to listen on all interfaces does not start either.
  await assert.rejects(startDaemon({ config: tdb.config({ httpHost: '0.0.0.0', smtpPort: 0 }), logger: testLogger(), db }), /--ui-token/);

  const token = 'a-long-enough-console-token';
  const guarded = await startDaemon({ config: tdb.config({ uiToken: token }), logger: testLogger(), db });
  try {
    const url = `http://127.0.0.1:${guarded.http?.port}`;
    assert.equal((await fetch(`${url}/ui/`)).status, 401);
    assert.equal((await fetch(`${url}/ui/?token=wrong-token-wrong-token`)).status, 401);
    assert.equal((await fetch(`${url}/ui/assets/console.css`)).status, 401, 'assets too');
    assert.equal((await fetch(`${url}/ui/`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    const login = await fetch(`${url}/ui/messages?token=${token}&status=unmatched`, { redirect: 'manual' });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/ui/messages?status=unmatched', 'the token leaves the address bar');
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(login.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
    assert.ok(!cookie.includes(token), 'the cookie is not the token');
    assert.equal((await fetch(`${url}/ui/messages`, { headers: { cookie } })).status, 200);
    // The receiver's own endpoints are unaffected.
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
  } finally {
    await guarded.stop();
  }
});

/** A page's CSRF cookie and token, for the POSTs a browser would make. */
async function csrf(): Promise<{ cookie: string; token: string }> {
  const page = await get('/ui/templates');
  return { cookie: (page.res.headers.get('set-cookie') ?? '').split(';')[0]!, token: /name="csrf" value="([^"]+)"/.exec(page.text)![1]! };
}

test('templates: add from a file (multipart), disable, enable; the tester registers nothing and escapes', async () => {
  const { cookie, token } = await csrf();
  const source = shippedTemplate('customer-exit-survey').source;
  const form = new FormData();
  form.append('csrf', token);
  form.append('file', new Blob([source], { type: 'text/plain' }), 'customer-exit-survey.tmpl');
  const added = await fetch(`${base}/ui/templates/add`, { method: 'POST', body: form, headers: { cookie, origin: base }, redirect: 'manual' });
  assert.equal(added.status, 303);
  assert.equal(added.headers.get('location'), '/ui/templates/customer-exit-survey?done=added');
  const active = async () => (await db.pool.query(`SELECT bool_or(active) AS a FROM templates WHERE name = 'customer-exit-survey'`)).rows[0].a as boolean;
  assert.equal(await active(), true);
  const post = (path: string) => fetch(`${base}${path}`, { method: 'POST', body: new URLSearchParams({ csrf: token }), headers: { cookie, origin: base }, redirect: 'manual' });
  assert.equal((await post('/ui/templates/customer-exit-survey/disable')).status, 303);
  assert.equal(await active(), false);
  assert.equal((await post('/ui/templates/customer-exit-survey/enable')).status, 303);
  assert.equal(await active(), true);
  assert.equal((await post('/ui/templates/no-such/enable')).status, 404);

  // A template with errors is shown, escaped, and not stored.
  const bad = new FormData();
  bad.append('csrf', token);
  bad.append('source', `Name: <script>x</script>\nEvent: nothing\n\nbody`);
  const refused = await fetch(`${base}/ui/templates/add`, { method: 'POST', body: bad, headers: { cookie, origin: base } });
  assert.equal(refused.status, 422);
  assert.ok(!(await refused.text()).includes('<script>x'));

  const before = (await db.pool.query('SELECT count(*)::int AS n FROM templates')).rows[0].n;
  const t = shippedTemplate('session-end');
  const values = sessionEndValues({ CUSTOMER_NAME: XSS });
  const test = new FormData();
  test.append('csrf', token);
  test.append('source', t.source);
  test.append('eml', `From: a@example.com\r\nSubject: ${render(t.subject, values)}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${render(t.body, values).replace(/\n/g, '\r\n')}`);
  const tested = await fetch(`${base}/ui/tester`, { method: 'POST', body: test, headers: { cookie, origin: base } });
  const text = await tested.text();
  assert.equal(tested.status, 200);
  assert.match(text, /status-extracted/);
  assert.ok(text.includes('&lt;script&gt;window.__pwned=1&lt;/script&gt;') && !text.includes('<script>window'));
  assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM templates')).rows[0].n, before, 'the tester registered nothing');
});

test('CSV fields are quoted and cannot start a spreadsheet formula', async () => {
  const { csvField } = await import('../../src/ui/pages/reports.js');
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.equal(csvField('-1'), "'-1", 'text that looks like a formula');
  assert.equal(csvField(-1), '-1', 'a number stays a number');
  assert.equal(csvField(null), '');
});
