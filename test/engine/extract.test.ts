import test from 'node:test';
import assert from 'node:assert/strict';
import { AMBIGUITY_COUNT_LIMIT, createMatcher } from '../../src/engine/index.js';
import { found, matchBody, missing, template } from './helpers.js';

const LSID = 'e9e99aeb9ad54fb381634498502c5a1b';

test('one-line values never span lines', () => {
  const r = missing(matchBody('Customer: %CUSTOMER_NAME% (end)', 'Customer: Jane\nRoe (end)'));
  assert.equal(r.explanation.missingLiteral, ' (end)');
  assert.match(r.explanation.message, /same line/);
});

test('a 31-digit or non-hex LSID is no match; 32 hex digits are lower-cased', () => {
  const body = 'Session %LSID% ended';
  missing(matchBody(body, `Session ${LSID.slice(1)} ended`));
  missing(matchBody(body, `Session ${LSID.slice(1)}g ended`));
  const r = found(matchBody(body, `Session ${LSID.toUpperCase()} ended`));
  assert.equal(r.values.LSID, LSID);
  assert.equal(r.typed.lsid, LSID);
});

test('LSEQ must be digits; large values stay exact', () => {
  missing(matchBody('Seq %LSEQ% done', 'Seq 12a done'));
  assert.equal(found(matchBody('Seq %LSEQ% done', 'Seq 22817 done')).typed.lseq, 22817);
  assert.equal(found(matchBody('Seq %LSEQ% done', 'Seq 9223372036854775807 done')).typed.lseq, '9223372036854775807');
  // Regression: digits beyond bigint were extracted and the database refused the mail forever;
  // a typed value that must parse and does not fit its column is no reading at all.
  missing(matchBody('Seq %LSEQ% done', 'Seq 9223372036854775808 done'));
  missing(matchBody('Seq %LSEQ% done', 'Seq 99999999999999999999 done'));
});

test('unrendered and empty macros are null, never the literal', () => {
  const body = 'Key: %EXTERNAL_KEY%\nSession: %LSID%\nNotes:\n%SESSION_NOTES%\nend';
  const r = found(matchBody(body, 'Key:\nSession: %LSID%\nNotes:\n%SESSION_NOTES%\nend'));
  assert.deepEqual([r.values.EXTERNAL_KEY, r.values.LSID, r.values.SESSION_NOTES], [null, null, null]);
  assert.equal(r.typed.lsid, null);
});

test('an empty value at the end of a line matches though the line lost its trailing space', () => {
  const r = found(matchBody('Ticket: %EXTERNAL_KEY%\nName: %CUSTOMER_NAME%', 'Ticket:\nName:'));
  assert.equal(r.values.EXTERNAL_KEY, null);
  assert.equal(r.values.CUSTOMER_NAME, null);
});

test('empty values at the start or end of the body survive blank-line stripping', () => {
  // Regression: the mail loses the blank lines an empty leading/trailing value leaves behind.
  const r = found(matchBody('%SESSION_NOTES%\n\nChat:\n%SESSION_CHAT%', 'Chat:'));
  assert.equal(r.values.SESSION_NOTES, null);
  assert.equal(r.values.SESSION_CHAT, null);
});

test('values are normalised: trailing spaces, leading blank lines, NBSP, CRLF', () => {
  const r = found(matchBody('Name: %CUSTOMER_NAME%\nNotes:\n%SESSION_NOTES%\n-- end --', 'Name:\u00a0 Jane Roe  \r\nNotes:\r\n\r\n  \r\nline 1  \r\n  line 2\r\n\r\n-- end --\r\n'));
  assert.equal(r.values.CUSTOMER_NAME, 'Jane Roe');
  assert.equal(r.values.SESSION_NOTES, 'line 1\n  line 2');
});

test('a macro in subject and body must have the same value', () => {
  const t = template('Session: %LSID%', { subject: 'Ended %LSID%' });
  const m = createMatcher([t]);
  const other = 'ffffffffffffffffffffffffffffffff';
  const r = missing(m.match({ subject: `Ended ${LSID}`, text: `Session: ${other}` }));
  assert.match(r.explanation.message, /must repeat the value/);
  assert.equal(found(m.match({ subject: `Ended ${LSID}`, text: `Session: ${LSID}` })).values.LSID, LSID);
});

test('a macro repeated in the body must have the same value in both places', () => {
  const body = 'Customer: %CUSTOMER_NAME%\nAgain: %CUSTOMER_NAME%';
  missing(matchBody(body, 'Customer: Jane\nAgain: John'));
  assert.equal(found(matchBody(body, 'Customer: Jane\nAgain: Jane')).values.CUSTOMER_NAME, 'Jane');
});

test('ambiguity rule: each value is as long as the rest allows (the later " (" is the anchor)', () => {
  const r = found(matchBody('Rep: %PRIMARY_REP_PRIVATE_DISPLAY_NAME% (%PRIMARY_REP_USER_NAME%)', 'Rep: John Smith (IT) (CORP\\jdoe)'));
  assert.equal(r.status, 'ambiguous');
  assert.equal(r.alternatives, 2);
  assert.equal(r.values.PRIMARY_REP_PRIVATE_DISPLAY_NAME, 'John Smith (IT)');
  assert.equal(r.values.PRIMARY_REP_USER_NAME, 'CORP\\jdoe');
});

test('a chat that contains a template line extracts cleanly when only one split is valid', () => {
  const body = 'Chat:\n%SESSION_CHAT%\n=== end ===\nSeq: %LSEQ%';
  const chat = '[10:00] A: the mail said\n=== end ===\nSeq: unknown\n[10:01] B: ok';
  const r = found(matchBody(body, `Chat:\n${chat}\n=== end ===\nSeq: 42`));
  assert.equal(r.status, 'extracted');
  assert.equal(r.alternatives, 1);
  assert.equal(r.values.SESSION_CHAT, chat);
  assert.equal(r.values.LSEQ, '42');
});

test('a chat that contains the anchor after it is ambiguous and resolved to the last anchor', () => {
  const body = 'Chat:\n%SESSION_CHAT%\nNotes:\n%SESSION_NOTES%';
  const chat = '[10:00] A: paste:\nNotes:\nblah\n[10:01] B: thanks';
  const r = found(matchBody(body, `Chat:\n${chat}\nNotes:\nreal notes`));
  assert.equal(r.status, 'ambiguous');
  assert.equal(r.alternatives, 2);
  assert.equal(r.values.SESSION_CHAT, chat);
  assert.equal(r.values.SESSION_NOTES, 'real notes');
});

test('the alternative count saturates at the bound', () => {
  const lines = Array.from({ length: 300 }, (_, i) => `line ${i}`).join('\n');
  const r = found(matchBody('%SESSION_NOTES%\n%SESSION_CHAT%', lines));
  assert.equal(r.status, 'ambiguous');
  assert.equal(r.alternatives, AMBIGUITY_COUNT_LIMIT);
  assert.equal(r.alternativesCapped, true);
  // Greedy: the notes take everything, the chat is empty (a valid split: its line was stripped).
  assert.equal(r.values.SESSION_CHAT, null);
  assert.equal(r.values.SESSION_NOTES, lines);
});

test('adjacent typed macros split by their shapes', () => {
  const r = found(matchBody('ID %LSID%%LSEQ% end', `ID ${LSID}42 end`));
  assert.equal(r.status, 'extracted');
  assert.equal(r.values.LSID, LSID);
  assert.equal(r.values.LSEQ, '42');
});

test('unmatched mail explains the first literal not found and where matching stopped', () => {
  const r = missing(matchBody('A: %CUSTOMER_NAME%\nB: %LSEQ%\nC: end', 'A: x\nB: 12\nD: end'));
  assert.equal(r.explanation.nearestTemplate, 't');
  assert.equal(r.explanation.missingLiteral, '\nC: end');
  assert.equal(r.explanation.stage, 'body');
  // Regression: the pointer marked the line above the one that differs.
  assert.deepEqual([r.explanation.line, r.explanation.column, r.explanation.position], [3, 1, 11]);
});

test('unmatched: the body does not start with the first literal', () => {
  const r = missing(matchBody('Hello %CUSTOMER_NAME%', 'Goodbye Jane'));
  assert.equal(r.explanation.missingLiteral, 'Hello ');
  assert.equal(r.explanation.line, 1);
  assert.match(r.explanation.message, /does not start with/);
});

test('pathological bodies terminate with the right answer', () => {
  // Many occurrences of every literal: the sweep stays linear (timing is in the benchmark).
  const body = 'a%CUSTOMER_NAME%a%PRIMARY_REP_USER_NAME%a';
  const r = found(matchBody(body, 'a'.repeat(20000)));
  assert.equal(r.status, 'ambiguous');
  const multi = found(matchBody('x\n%SESSION_NOTES%\nx\n%SESSION_CHAT%\nx', 'x\n'.repeat(20000) + 'x'));
  assert.equal(multi.alternatives, AMBIGUITY_COUNT_LIMIT);
  assert.equal(multi.values.SESSION_CHAT, 'x');
});

test("the template's Timezone applies to times rendered without a zone", () => {
  const t = template('Start: %START_TIME%\nEnd: %END_TIME%', { extra: 'Timezone: Europe/Paris' });
  const r = found(createMatcher([t]).match({ subject: '', text: 'Start: 2024-07-03 17:26:05\nEnd: 2024-07-03 18:00:00 UTC' }));
  assert.equal(r.typed.start_time?.instant?.toISOString(), '2024-07-03T15:26:05.000Z');
  assert.equal(r.typed.end_time?.instant?.toISOString(), '2024-07-03T18:00:00.000Z');
  assert.equal(r.typed.start_time?.text, '2024-07-03 17:26:05');
});

test('unmatched: a missing literal in the middle is the one reported', () => {
  // Regression: scan bounds derived from later literals used to make the walk stop at the first.
  const r = missing(matchBody('A: %CUSTOMER_NAME%\nB: %LSEQ%\nC: %EXTERNAL_KEY%\nD: end', 'A: x\nB: 12\nX: k\nD: end'));
  assert.equal(r.explanation.missingLiteral, '\nC: ');
  assert.equal(r.explanation.line, 3);
});

test('a value pinned from the subject matches the body despite runs of spaces', () => {
  // A relay may collapse runs of spaces in one part and not the other; the value stored is the
  // mail's own text where the macro occurs last (the body).
  const t = template('Customer: %CUSTOMER_NAME%\nKey: %EXTERNAL_KEY%', { subject: 'For %CUSTOMER_NAME% / %EXTERNAL_KEY%' });
  const r = found(createMatcher([t]).match({ subject: 'For Jane Roe / K  1', text: 'Customer: Jane   Roe\nKey: K\t1' }));
  assert.equal(r.status, 'extracted');
  assert.equal(r.values.CUSTOMER_NAME, 'Jane   Roe');
  assert.equal(r.values.EXTERNAL_KEY, 'K\t1');
  missing(createMatcher([t]).match({ subject: 'For Jane Roe / K 1', text: 'Customer: JaneRoe\nKey: K 1' }));
});
