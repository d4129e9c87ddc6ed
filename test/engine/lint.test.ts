import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { lintTemplates, parseTemplate } from '../../src/engine/index.js';
import { template } from './helpers.js';

function warnings(body: string, extra = ''): { code: string; line: number; column: number; message: string; hint?: string }[] {
  const r = parseTemplate(`Event: session-end\n${extra}\n${body}\n`, 'w.tmpl');
  assert.deepEqual(r.errors, []);
  return r.warnings;
}

test('adjacent macros are flagged at the first of them', () => {
  const w = warnings('Who: %CUSTOMER_NAME%%PRIMARY_REP_USER_NAME%\nend');
  const a = w.find((x) => x.code === 'adjacent-macros');
  assert.ok(a);
  assert.deepEqual([a.line, a.column], [3, 6]);
});

test('a multi-line macro followed by a short or mid-line literal is flagged with a fix', () => {
  const short = warnings('Chat:\n%SESSION_CHAT%\nEnd\n%SESSION_NOTES%').find((x) => x.code === 'weak-anchor-after-multiline');
  assert.ok(short);
  assert.match(short.message, /short/);
  assert.match(short.hint!, /follow %SESSION_CHAT% with a unique line/);
  const midLine = warnings('%SESSION_CHAT% -- end of the chat transcript --\n%SESSION_NOTES%').find((x) => x.code === 'weak-anchor-after-multiline');
  assert.ok(midLine);
  assert.match(midLine.message, /line of its own/);
});

test('a strong anchor after a multi-line macro, or the end of the mail, is fine', () => {
  const w = warnings('Chat:\n%SESSION_CHAT%\n==== end of chat transcript ====\nNotes:\n%SESSION_NOTES%');
  assert.deepEqual(w.map((x) => x.code), []);
});

test('a literal that values often contain is flagged (" (" after a name)', () => {
  const w = warnings('Rep: %PRIMARY_REP_PRIVATE_DISPLAY_NAME% (%PRIMARY_REP_USER_NAME%)');
  const x = w.find((y) => y.code === 'literal-often-in-value');
  assert.ok(x);
  assert.match(x.message, /%PRIMARY_REP_PRIVATE_DISPLAY_NAME%/);
  assert.deepEqual(warnings('Rep: %PRIMARY_REP_PRIVATE_DISPLAY_NAME% | %PRIMARY_REP_USER_NAME%').map((y) => y.code), []);
});

test('a template without literal text is flagged', () => {
  assert.ok(warnings('%SESSION_NOTES%').some((x) => x.code === 'no-literal-text'));
});

test('a macro inside an HTML attribute (other than href) is flagged', () => {
  const w = warnings('<p title="%CUSTOMER_NAME%">Hi <a href="%SCREEN_SHARING_RECORDING%">x</a></p>', 'Format: html\n');
  assert.deepEqual(w.filter((x) => x.code === 'macro-in-html-tag').map((x) => x.message.slice(0, 15)), ['%CUSTOMER_NAME%']);
});

test('the fixture templates lint clean apart from their known warnings', () => {
  const dir = new URL('./fixtures/', import.meta.url);
  const survey = parseTemplate(readFileSync(new URL('customer-survey.tmpl', dir), 'utf8'), 'customer-survey.tmpl');
  assert.deepEqual(survey.warnings, []);
});

test('two templates that can match the same mail are reported; distinct subjects are not', () => {
  const a = template('Session %LSID%\n%SESSION_CHAT%', { name: 'a' });
  const b = template('Session %LSID%\nChat:\n%SESSION_CHAT%', { name: 'b' });
  const w = lintTemplates([a, b]);
  assert.equal(w.length, 1);
  assert.equal(w[0]!.code, 'overlapping-templates');
  assert.match(w[0]!.message, /prefers "b"/);
  const c = template('Session %LSID%\n%SESSION_CHAT%', { name: 'c', subject: 'Site A %LSID%' });
  const d = template('Session %LSID%\n%SESSION_CHAT%', { name: 'd', subject: 'Site B %LSID%' });
  assert.deepEqual(lintTemplates([c, d]), []);
  const e = template('Survey %LSID%\n%SESSION_CHAT%', { name: 'e' });
  assert.deepEqual(lintTemplates([a, e]), []);
});
