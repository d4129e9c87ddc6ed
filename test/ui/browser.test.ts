// The console in a real browser (Debian's Chromium, driven by playwright-core): the operator's
// path from an unmatched mail to its fix, the XSS corpus, keyboard navigation, and that no
// request leaves the machine. Skips, saying why, when no Chromium is installed (.ci/run installs it).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Daemon } from '../../src/daemon.js';
import type { Database } from '../../src/db/pool.js';
import { render, sessionEndValues } from '../support/mail.js';
import { sendMail } from '../support/smtp.js';
import { startConsoleDaemon, type ConsoleDaemon } from './daemon.js';

const CHROMIUM = [process.env.UNMACRO_CHROMIUM ?? '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const SKIP = CHROMIUM ? false : 'no Chromium found (install Debian\'s chromium package, or set UNMACRO_CHROMIUM): browser tests skipped';
// CI (.ci/run) installs Chromium and sets UNMACRO_REQUIRE_BROWSER=1: there, a missing browser fails.
if (SKIP && process.env.UNMACRO_REQUIRE_BROWSER === '1') throw new Error(SKIP.replace('browser tests skipped', 'UNMACRO_REQUIRE_BROWSER=1 forbids skipping'));
if (SKIP) console.log(`# ${SKIP}`);
/** Set UNMACRO_SCREENSHOTS=DIR to keep the screenshots (the README's come from here). */
const SHOTS = process.env.UNMACRO_SCREENSHOTS;

const XSS_NAME = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
const XSS_CHAT = `15:00:01 John: <a href="javascript:window.__pwned=3">click me</a> <svg onload="window.__pwned=4"></svg> "><script>window.__pwned=5</script>`;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let started: ConsoleDaemon;
let db: Database;
let daemon: Daemon;
let base: string;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const offsite: string[] = [];
const dialogs: string[] = [];
const cspViolations: string[] = [];

before(async () => {
  if (SKIP) return;
  // The bundle the console serves, as `npm run build` makes it.
  await build({
    entryPoints: [path.join(ROOT, 'src/ui/client/console.ts'), path.join(ROOT, 'src/ui/client/console.css')],
    bundle: true, minify: true, format: 'esm', target: 'es2020', outdir: path.join(ROOT, 'dist/ui/assets'), logLevel: 'warning',
  });
  started = await startConsoleDaemon();
  ({ db, daemon, base } = started);
  const t = started.template;
  // An extracted session whose values carry markup.
  const hostile = sessionEndValues({ LSID: 'a'.repeat(32), CUSTOMER_NAME: XSS_NAME, SESSION_CHAT: XSS_CHAT, SESSION_NOTES: `javascript:window.__pwned=6` });
  assert.equal((await sendMail(daemon.smtp.port, { subject: render(t.subject, hostile), text: render(t.body, hostile) })).code, 250);
  // The appliance's template was edited: "Customer computer:" became "Customer machine:". No match.
  const changed = t.body.replace('Customer computer:', 'Customer machine:');
  const v = sessionEndValues({ LSID: 'b'.repeat(32), CUSTOMER_NAME: 'Bea Unmatched' });
  assert.equal((await sendMail(daemon.smtp.port, { subject: render(t.subject, v), text: render(changed, v) })).code, 250);
  // Unmatched mail that is all markup.
  assert.equal((await sendMail(daemon.smtp.port, { subject: XSS_NAME, html: `<p>${XSS_NAME}</p><a href="javascript:window.__pwned=7">x</a>` })).code, 250);

  userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'unmacro-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM as string,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  context.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(`${base}/`) && !url.startsWith('data:')) offsite.push(url);
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
});

after(async () => {
  await context?.close();
  if (userDataDir) await fs.rm(userDataDir, { recursive: true, force: true });
  await started?.stop();
});

async function shot(name: string): Promise<void> {
  const dir = SHOTS ?? path.join(os.tmpdir(), 'unmacro-screenshots');
  await fs.mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: !SHOTS });
}

async function nothingRan(where: string): Promise<void> {
  assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined, `script from mail content ran on ${where}`);
  assert.deepEqual(dialogs, [], `a dialog opened on ${where}`);
}

test('every page loads, draws its charts, runs nothing from mail content and fetches nothing from elsewhere', { skip: SKIP }, async () => {
  for (const p of ['/ui/', '/ui/messages', '/ui/templates', '/ui/templates/session-end', '/ui/tester', '/ui/reports?days=365']) {
    const res = await page.goto(`${base}${p}`);
    assert.equal(res?.status(), 200, p);
    await nothingRan(p);
  }
  await page.goto(`${base}/ui/`);
  await page.locator('.chart .uplot').first().waitFor();
  await shot('overview');
  await page.goto(`${base}/ui/reports?days=365`);
  await page.locator('.chart .uplot').first().waitFor();

  const ids = (await db.pool.query<{ id: string }>('SELECT id::text FROM messages ORDER BY id')).rows.map((r) => r.id);
  for (const id of ids) {
    await page.goto(`${base}/ui/messages/${id}`);
    await nothingRan(`message ${id}`);
  }
  // The hostile values are on the page as text.
  await page.goto(`${base}/ui/messages/${ids[0]}`);
  assert.ok((await page.locator('main').innerText()).includes(XSS_NAME), 'the customer name shows as text');
  assert.equal(await page.locator('main script').count(), 0);
  assert.equal(await page.locator('main img, main svg, main a[href^="javascript:"]').count(), 0, 'no element from mail content');
  // Clicking every link of the page runs nothing either.
  for (const a of await page.locator('main a').all()) assert.doesNotMatch((await a.getAttribute('href')) ?? '', /^\s*javascript:/i);
  await nothingRan('after inspecting links');
  assert.deepEqual(offsite, [], 'requests left the machine');
  assert.deepEqual(cspViolations, [], 'the page itself broke its Content-Security-Policy');
});

test('from an unmatched mail to its failure, fixed in the tester, registered, reprocessed, extracted', { skip: SKIP }, async () => {
  await page.goto(`${base}/ui/`);
  await page.click('#backlog');
  await page.waitForURL(/\/ui\/messages\?status=unmatched/);
  await page.getByRole('link', { name: /^\d+$/ }).last().click(); // the oldest unmatched: the edited session end
  await page.waitForURL(/\/ui\/messages\/\d+$/);
  const messageUrl = page.url();
  const failure = page.locator('section.failure');
  assert.match(await failure.innerText(), /Customer computer:/, 'the missing literal is named');
  assert.match(await failure.innerText(), /session-end/, 'the nearest template is named');
  await shot('message-unmatched');

  await page.getByRole('link', { name: 'Fix it in the tester' }).click();
  await page.waitForURL(/\/ui\/tester\?/);
  const source = page.locator('textarea[name="source"]');
  const fixed = (await source.inputValue()).replace('Customer computer:', 'Customer machine:');
  await source.fill(fixed);
  await page.getByRole('button', { name: 'Test' }).click();
  await page.waitForURL(/\/ui\/tester$/);
  const result = await page.locator('#result').innerText();
  assert.match(result, /extracted/);
  assert.match(result, /Bea Unmatched/);
  await shot('tester');

  await page.getByRole('button', { name: /Register this template/ }).click();
  await page.waitForURL(/\/ui\/templates\/session-end\?done=added/);
  assert.match(await page.locator('table').first().innerText(), /v2/);

  await page.goto(messageUrl);
  await page.getByRole('button', { name: /Reprocess/ }).click();
  await page.waitForURL(/\?done=reprocessed/);
  assert.match(await page.locator('h1').innerText(), /extracted/);
  assert.match(await page.locator('main').innerText(), /Bea Unmatched/);
  await shot('message-extracted');
  await page.goto(`${base}/ui/reports?days=365`);
  assert.match(await page.locator('main').innerText(), /2\s+sessions/, 'the report counts the reprocessed session');
  await page.locator('.chart .uplot').first().waitFor();
  await shot('reports');
  await page.goto(`${base}/ui/templates/session-end`);
  await shot('template');
  await nothingRan('the fix path');
});

test('the main views work from the keyboard', { skip: SKIP }, async () => {
  await page.goto(`${base}/ui/`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent), 'unmacro');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent), 'messages');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/ui\/messages$/);
  // Filter by keyboard: focus the status select, choose, submit.
  await page.getByLabel('Status').focus();
  await page.keyboard.press('ArrowDown');
  await page.getByLabel('Search').focus();
  await page.keyboard.type('Bea');
  await page.keyboard.press('Enter');
  await page.waitForURL(/q=Bea/);
  assert.equal(await page.locator('tbody tr').count(), 1);
});
