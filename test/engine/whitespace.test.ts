import test from 'node:test';
import assert from 'node:assert/strict';
import { htmlToText, normaliseValue, prepareBody, prepareSubject } from '../../src/engine/index.js';
import { fold } from '../../src/engine/whitespace.js';

const bodyCases: [string, string, string][] = [
  ['CRLF and CR line ends', 'a\r\nb\rc\n', 'a\nb\nc'],
  // Regression: CR CR LF (a CRLF file converted once more) made two lines, so nothing matched.
  ['CR CR LF is one line end', 'a\r\r\nb\r\r\nc', 'a\nb\nc'],
  ['trailing spaces and tabs per line', 'a  \t\nb \n c', 'a\nb\n c'],
  // Regression: NBSP and U+202F were replaced by spaces in what was stored; they are kept.
  ['non-breaking spaces kept, trailing ones dropped', 'a\u00a0b\u202fc\u00a0\n', 'a\u00a0b\u202fc'],
  ['leading and trailing blank lines', '\n \n\ta\n\n  \n', '\ta'],
  ['byte order mark', '\ufeffhello', 'hello'],
  ['inner blank lines kept', 'a\n\n\nb', 'a\n\n\nb'],
];
for (const [name, input, output] of bodyCases) {
  test(`prepareBody: ${name}`, () => assert.equal(prepareBody(input), output));
}

test('prepareBody is linear on long runs of spaces', () => {
  const input = `${' '.repeat(2_000_000)}x${' '.repeat(2_000_000)}`;
  assert.equal(prepareBody(input).length, 2_000_001);
});

test('prepareSubject: unfolded and trimmed, runs of spaces and the characters kept', () => {
  // Regression: runs were collapsed, so the double space of an empty value vanished and a
  // wrong split looked unique; U+3000 became a space in the subject but not in the body.
  assert.equal(prepareSubject('  [Support]  Session\r\n\tended\u00a0 now\u3000 '), '[Support]  Session\tended\u00a0 now');
});

test('fold: every horizontal space class becomes a space, position for position', () => {
  const text = 'a\tb\u00a0c\u202fd\u3000e\u2007f g';
  assert.equal(fold(text), 'a b c d e f g');
  assert.equal(fold(text).length, text.length);
});

test('normaliseValue: one-line trimmed, multi-line blank lines, empty and unrendered are null', () => {
  assert.equal(normaliseValue('  Jane Roe', 'CUSTOMER_NAME', false), 'Jane Roe');
  assert.equal(normaliseValue('\n\n  code\nmore\n\n', 'SESSION_NOTES', true), '  code\nmore');
  assert.equal(normaliseValue(' first\nsecond', 'SESSION_NOTES', true), 'first\nsecond');
  assert.equal(normaliseValue('   ', 'CUSTOMER_NAME', false), null);
  assert.equal(normaliseValue('%CUSTOMER_NAME%', 'CUSTOMER_NAME', false), null);
  assert.equal(normaliseValue('\n%SESSION_CHAT%\n', 'SESSION_CHAT', true), null);
  assert.equal(normaliseValue('%LSID%', 'CUSTOMER_NAME', false), '%LSID%');
});

test('htmlToText: blocks, links, entities, head and comments dropped', () => {
  const html = '<html><head><title>x</title><style>p{}</style></head><body><!-- c --><p>Hello&nbsp;<b>Jane</b> &amp; co</p><div>See <a href="https://h/?a=1&amp;b=2">link</a></div>line<br/>two<table><tr><td>a</td><td>b</td></tr></table>&#233;&#x4e2d; 1 &lt; 2</body></html>';
  assert.equal(fold(prepareBody(htmlToText(html))), 'Hello Jane & co\nSee https://h/?a=1&b=2 link\nline\ntwo\na b\né中 1 < 2');
});
