import test from 'node:test';
import assert from 'node:assert/strict';
import { htmlToText, prepareBody } from '../../src/engine/index.js';
import { fold } from '../../src/engine/whitespace.js';
import { decodeEntities } from '../../src/engine/html.js';

const text = (html: string): string => fold(prepareBody(htmlToText(html)));

test('html: every HTML5 named entity decodes, as browsers do', () => {
  // Used to stay raw: only a hand-made table of ~60 entities was known.
  assert.equal(text('Dvo&rcaron;&aacute;k'), 'Dvořák');
  assert.equal(text('&notin; &CounterClockwiseContourIntegral; &Zcaron;&ccaron; &#x1F600; &#233;'), '∉ ∳ Žč 😀 é');
  assert.equal(text('a &amp b &lt c'), 'a & b < c'); // legacy entities without ";"
  assert.equal(text('&unknownentity; &;'), '&unknownentity; &;');
  assert.equal(decodeEntities('Tom &amp; Jerry &hellip;'), 'Tom & Jerry …');
  assert.equal(decodeEntities('no entities'), 'no entities');
});

test('html: a "<" that starts no tag is text', () => {
  // Used to swallow the rest of the line up to the next ">".
  assert.equal(text('<p>Ping < 5 ms</p><p>next</p>'), 'Ping < 5 ms\nnext');
  assert.equal(text('<p>a<b</p>'), 'a');
  assert.equal(text('a<b'), 'a<b');
  assert.equal(text('x <= 3, 1 <2, <%CUSTOMER_NAME%>'), 'x <= 3, 1 <2, <%CUSTOMER_NAME%>');
  assert.equal(text('<p>1 < 2 and 3 > 2</p>'), '1 < 2 and 3 > 2');
});

test('html: quoted ">" in attributes, upper-case tags, href only from the href attribute', () => {
  assert.equal(text('<a title="a>b" href="https://h/x">y</a>'), 'https://h/x y');
  assert.equal(text('<A HREF=\'https://h/?a=1&amp;b=2\'>y</A>'), 'https://h/?a=1&b=2 y');
  // In an attribute, "&copy=" is not an entity (it would be in text): URLs keep their parameters.
  assert.equal(text('<a href="https://h/?a=1&copy=2">y</a>'), 'https://h/?a=1&copy=2 y');
  assert.equal(text('<a data-href="https://no/">y</a>'), 'y');
  assert.equal(text('one<BR>two<P>three</P>'), 'one\ntwo\nthree');
});

test('html: full documents (doctype, XML declaration, head without </head>, scripts, comments)', () => {
  const doc = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml"><head><meta charset="utf-8"><title>Session ended</title>',
    '<style type="text/css">p > a { color: red }</style>',
    '<body><script>if (a < b && c > d) {}</script><!-- a comment with <p> inside -->',
    '<p>Customer: Jane&nbsp;Roe</p><![CDATA[ x ]]>',
    '<table><tr><th>Key</th><td>INC-1</td></tr></table>',
    '</body></html>',
  ].join('\n');
  // Block tags and the source's own line ends both count: the rule is the same for template and mail.
  assert.equal(text(doc), 'Customer: Jane Roe\nKey INC-1');
});

// A bound loose enough for a loaded machine: what it catches is quadratic behaviour (hours).
test('html: adversarial input terminates with text (timed in npm run bench:extract)', () => {
  const size = 1024 * 1024;
  for (const unit of ['<a', '<a x="', '< ', '<!--', '&', '&amp', '<script>', '<a href="', '</', '<p title=">']) {
    assert.equal(typeof htmlToText(unit.repeat(Math.ceil(size / unit.length))), 'string');
  }
});

test('html: white space as a browser shows it, one line per block, so a text template matches', () => {
  // Regression: source line ends were kept and every block tag added one, so a mail written as
  // one <p> per line had blank lines between them and matched no text template.
  assert.equal(text('<p>Session: 1</p>\r\n<p>Customer:   Jane\r\n Roe</p>\n<div><div>Key: K</div></div>'), 'Session: 1\nCustomer: Jane Roe\nKey: K');
  assert.equal(text('Chat:<br>\n  line one<br>line two'), 'Chat:\nline one\nline two');
  assert.equal(text('<pre>a\n  b</pre>'), 'a\n  b');
});
