// Regressions of issue 13 ("no wrong value is ever stored as a clean extraction"): each mail
// here used to come out `extracted` with wrong values, or unmatched although one reading fits.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createMatcher, type MatchFound, type MacroValues } from '../../src/engine/index.js';
import { found, template } from './helpers.js';

const LSID = 'e9e99aeb9ad54fb381634498502c5a1b';

function match(subjectTemplate: string, body: string, subject: string, text: string): MatchFound {
  return found(createMatcher([template(body, { subject: subjectTemplate })]).match({ subject, text }));
}

function readings(r: MatchFound): MacroValues[] {
  return [r.values, ...r.otherReadings];
}

test('an empty value between two spaced literals leaves a double space that decides the split', () => {
  // Used to be `extracted` with external_key = Jane, customer_name = Customer: the subject's runs
  // of spaces were collapsed before matching.
  const r = match('Remote support %EXTERNAL_KEY% %CUSTOMER_NAME% (%LSEQ%)', 'x', 'Remote support  Jane Customer (42)', 'x');
  assert.equal(r.status, 'extracted');
  assert.equal(r.values.EXTERNAL_KEY, null);
  assert.equal(r.values.CUSTOMER_NAME, 'Jane Customer');
  assert.equal(r.values.LSEQ, '42');
  const s = match('[Support] %EXTERNAL_KEY% %CUSTOMER_NAME%', 'x', '[Support]  Jane', 'x');
  assert.deepEqual([s.status, s.values.EXTERNAL_KEY, s.values.CUSTOMER_NAME], ['extracted', null, 'Jane']);
});

test('an empty middle value no longer makes the mail unmatched', () => {
  const r = match('Ticket %EXTERNAL_KEY% - %CUSTOMER_NAME%', 'x', 'Ticket  - Bob', 'x');
  assert.deepEqual([r.status, r.values.EXTERNAL_KEY, r.values.CUSTOMER_NAME], ['extracted', null, 'Bob']);
  const s = match('Session %LSID% ended %END_TIME% (%CUSTOMER_NAME%)', 'x', `Session ${LSID} ended  (Jane)`, 'x');
  assert.deepEqual([s.status, s.values.END_TIME, s.values.CUSTOMER_NAME], ['extracted', null, 'Jane']);
});

test('a relay that collapsed the double space makes the mail ambiguous, never wrongly unique', () => {
  const r = match('Remote support %EXTERNAL_KEY% %CUSTOMER_NAME% (%LSEQ%)', 'x', 'Remote support Jane Customer (42)', 'x');
  assert.equal(r.status, 'ambiguous');
  assert.ok(readings(r).some((v) => v.EXTERNAL_KEY === null && v.CUSTOMER_NAME === 'Jane Customer'));
  // The same relay on the body: the literal's own double space is found collapsed too.
  const s = found(createMatcher([template('Key:  %EXTERNAL_KEY%\nName: %CUSTOMER_NAME%')]).match({ subject: '', text: 'Key: K1\nName: Bob' }));
  assert.deepEqual([s.status, s.values.EXTERNAL_KEY, s.values.CUSTOMER_NAME], ['extracted', 'K1', 'Bob']);
});

test('subject and body are read together: the body settles what the subject alone cannot', () => {
  // Used to be unmatched: the subject's split was pinned before the body was read.
  const body = 'Key: %EXTERNAL_KEY%\nCustomer: %CUSTOMER_NAME%';
  const r = match('Ticket %EXTERNAL_KEY% for %CUSTOMER_NAME%', body, 'Ticket K for A for B', 'Key: K\nCustomer: A for B');
  assert.deepEqual([r.status, r.values.EXTERNAL_KEY, r.values.CUSTOMER_NAME], ['extracted', 'K', 'A for B']);
  const s = match('Ticket %EXTERNAL_KEY% - %CUSTOMER_NAME%', body, 'Ticket INC-7 - P1 - Bob', 'Key: INC-7 - P1\nCustomer: Bob');
  assert.deepEqual([s.status, s.values.EXTERNAL_KEY, s.values.CUSTOMER_NAME], ['extracted', 'INC-7 - P1', 'Bob']);
});

test('typed values prune readings: times that parse, an unrendered macro only as itself', () => {
  // Used to pick start = "Mon, 30 Nov 2026 14:03:07 -0500,Mon" (ambiguous, wrong pick).
  const start = 'Mon, 30 Nov 2026 14:03:07 -0500';
  const end = 'Mon, 30 Nov 2026 15:10:00 -0500';
  const r = found(createMatcher([template('Times: %START_TIME%,%END_TIME%')]).match({ subject: '', text: `Times: ${start},${end}` }));
  assert.deepEqual([r.status, r.values.START_TIME, r.values.END_TIME], ['extracted', start, end]);
  assert.equal(r.typed.start_time?.instant?.toISOString(), '2026-11-30T19:03:07.000Z');
  // Used to store external_key = "INC0012345 %LSEQ%".
  const s = found(createMatcher([template('Ticket %EXTERNAL_KEY% %LSEQ%')]).match({ subject: '', text: 'Ticket INC0012345 %LSEQ%' }));
  assert.deepEqual([s.status, s.values.EXTERNAL_KEY, s.values.LSEQ], ['extracted', 'INC0012345', null]);
});

test('lines ending in CR CR LF match', () => {
  // Used to be unmatched: "body line 1: the text does not start with "Session ID: "".
  const t = template('Session ID: %LSID%\nCustomer: %CUSTOMER_NAME%');
  const r = found(createMatcher([t]).match({ subject: '', text: `Session ID: ${LSID}\r\r\nCustomer: Jane\r\r\n` }));
  assert.deepEqual([r.status, r.values.LSID, r.values.CUSTOMER_NAME], ['extracted', LSID, 'Jane']);
});

test('white space inside values is the mail\'s own, the same in subject and body', () => {
  // Used to be unmatched: U+3000 became a space in the subject but not in the body. NBSP and
  // U+202F were stored as spaces.
  const t = template('Customer: %CUSTOMER_NAME%\nRep: %PRIMARY_REP_PUBLIC_DISPLAY_NAME%', { subject: 'Session for %CUSTOMER_NAME%' });
  const r = found(createMatcher([t]).match({ subject: 'Session for 山田\u3000太郎', text: 'Customer: 山田\u3000太郎\nRep: Jean\u00a0Dupont\u202fJr' }));
  assert.equal(r.status, 'extracted');
  assert.equal(r.values.CUSTOMER_NAME, '山田\u3000太郎');
  assert.equal(r.values.PRIMARY_REP_PUBLIC_DISPLAY_NAME, 'Jean\u00a0Dupont\u202fJr');
  // A template's space matches the NBSP an HTML editor wrote.
  const s = found(createMatcher([template('Customer: %CUSTOMER_NAME%')]).match({ subject: '', text: 'Customer:\u00a0Jane Roe' }));
  assert.equal(s.values.CUSTOMER_NAME, 'Jane Roe');
});

test('an HTML-only mail matches a text template through the HTML part\'s text', () => {
  const t = template('Customer: %CUSTOMER_NAME%\nTicket: %EXTERNAL_KEY%');
  for (const html of ['<div>Customer: Jane Roe<br>\nTicket: INC1</div>', '<p>Customer: Jane Roe</p>\n<p>Ticket: INC1</p>']) {
    const r = found(createMatcher([t]).match({ subject: '', text: '', html }));
    assert.deepEqual([r.status, r.values.CUSTOMER_NAME, r.values.EXTERNAL_KEY], ['extracted', 'Jane Roe', 'INC1']);
  }
});

test('spans locate every value in the matched text', () => {
  const t = template('Customer: %CUSTOMER_NAME%\nKey: %EXTERNAL_KEY%', { subject: 'For %CUSTOMER_NAME%' });
  const r = found(createMatcher([t]).match({ subject: 'For Jane', text: 'Customer:  Jane \r\nKey:' }));
  for (const span of r.spans) {
    const text = span.part === 'subject' ? r.text.subject : r.text.body;
    assert.equal(text.slice(span.start, span.end), r.values[span.macro] ?? '', JSON.stringify(span));
  }
  assert.equal(r.spans.length, 3);
});

test('a collapsed run across two empty values is still read; leading body spaces are not dropped', () => {
  // Found by fuzz:extract: with an empty literal between two empty values the collapsed run was
  // not accepted, and a body's leading space was treated as trimmable like a subject's, so
  // `command_shell_recording = "%END_TIME%"` came out `extracted`.
  const t = template('%END_TIME% %COMMAND_SHELL_RECORDING%%PRIMARY_REP_PUBLIC_DISPLAY_NAME% for %LSEQ%\n\n,%START_TIME%');
  const r = found(createMatcher([t]).match({ subject: '', text: '%END_TIME% for %LSEQ%\n\n,2024-12-03 15:26:05 UTC' }));
  assert.ok(readings(r).some((v) => v.END_TIME === null && v.COMMAND_SHELL_RECORDING === null && v.START_TIME === '2024-12-03 15:26:05 UTC'));
  if (r.status === 'extracted') assert.equal(r.values.COMMAND_SHELL_RECORDING, null);
});
