// Highlighting reads the engine's match text and value spans defensively: with them (the engine
// rewrite) values and the stop position are marked; without them (older builds) the text is plain.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MatchResult } from '../../src/engine/index.js';
import { escapeHtml, html } from '../../src/ui/html.js';
import { highlight, highlightedMail, matchSpans, matchedText } from '../../src/ui/highlight.js';

const found = (extra: object): MatchResult => ({ status: 'extracted', template: {}, alternatives: 1, alternativesCapped: false, tiedTemplates: [], otherTemplates: [], values: {}, typed: {}, ...extra }) as unknown as MatchResult;

test('values are marked at their spans and everything is escaped', () => {
  const body = 'Customer: <b>Ann</b>\nEnd';
  const result = found({ text: { subject: 'S <x>', body }, spans: [{ macro: 'CUSTOMER_NAME', part: 'body', start: 10, end: 20 }, { macro: 'BAD', part: 'body', start: -1, end: 2 }] });
  assert.equal(matchSpans(result).length, 1, 'a malformed span is ignored');
  const shown = highlightedMail(result, { subject: 'fallback', body: 'fallback' });
  assert.ok(shown.exact);
  assert.equal(shown.body.text, 'Customer: <mark class="mark-value" title="CUSTOMER_NAME" data-label="CUSTOMER_NAME">&lt;b&gt;Ann&lt;/b&gt;</mark>\nEnd');
  assert.equal(shown.subject.text, 'S &lt;x&gt;');
});

test('unmatched mail marks where matching stopped, to the end of that line', () => {
  const result = { status: 'unmatched', explanation: { message: 'x', stage: 'body', position: 4, missingLiteral: 'Customer computer:', text: { subject: 's', body: 'abc\nCustomer machine: 1\nrest' } } } as unknown as MatchResult;
  const shown = highlightedMail(result, { subject: '', body: '' });
  assert.match(shown.body.text, /^abc\n<mark class="mark-stop" title="matching stopped here; expected &quot;Customer computer:&quot;"[^>]*>Customer machine: 1<\/mark>\nrest$/);
});

test('without the engine fields the fallback text is shown plain', () => {
  const result = found({});
  assert.equal(matchedText(result), undefined);
  const shown = highlightedMail(result, { subject: '<s>', body: '<script>alert(1)</script>' });
  assert.equal(shown.exact, false);
  assert.equal(shown.body.text, '&lt;script&gt;alert(1)&lt;/script&gt;');
});

test('overlapping marks keep the first; a zero-width mark is a marker', () => {
  assert.equal(
    highlight('abcdef', [{ start: 1, end: 4, kind: 'value', label: 'A' }, { start: 2, end: 5, kind: 'value', label: 'B' }, { start: 5, end: 5, kind: 'stop', label: 'S' }]).text,
    'a<mark class="mark-value" title="A" data-label="A">bcd</mark>e<mark class="mark-stop" title="S" data-label="S"></mark>f',
  );
});

test('html escapes interpolations, quotes included, and nests safely', () => {
  const evil = `"><img src=x onerror=alert(1)>'\``;
  assert.equal(html`<a title="${evil}">${evil}</a>`.text, `<a title="${escapeHtml(evil)}">${escapeHtml(evil)}</a>`);
  assert.ok(!html`${evil}`.text.includes('<'));
  assert.equal(html`<p>${html`<b>${'<i>'}</b>`}</p>`.text, '<p><b>&lt;i&gt;</b></p>');
});
