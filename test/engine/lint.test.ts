import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MACROS, lintTemplates, parseTemplate } from '../../src/engine/index.js';
import { closest } from '../../src/engine/diagnostics.js';
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
  const short = warnings('Chat:\n%SESSION_CHAT%\nNotes\n%SESSION_NOTES%').find((x) => x.code === 'weak-anchor-after-multiline');
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

function subjectWarnings(subject: string): { code: string; message: string; hint?: string; line: number; column: number }[] {
  const r = parseTemplate(`Name: t\nEvent: session-end\nSubject: ${subject}\n\nSession %LSID%\n`, 's.tmpl');
  assert.deepEqual(r.errors, []);
  return r.warnings.filter((w) => w.code === 'empty-value-between-spaces');
}

test('":" after a name-like macro is flagged; ":" before a line end is not', () => {
  // Used to pass lint: "%PRIMARY_REP_USER_NAME%:%CUSTOMER_NAME%: ..." split "Acme: IT Dept" wrongly.
  const w = warnings('Who: %PRIMARY_REP_USER_NAME%:%CUSTOMER_NAME%: done\nKey %EXTERNAL_KEY% : x\nHost: %CUSTOMER_COMPUTER-NAME%:\nSession %LSID%: ok')
    .filter((x) => x.code === 'colon-after-name');
  assert.deepEqual(w.map((x) => [x.line, x.column]), [[3, 6], [3, 30], [4, 5]]);
  assert.match(w[1]!.message, /%CUSTOMER_NAME%.*Acme: IT Dept/);
  assert.match(w[1]!.hint!, /line end|" \| "/);
});

test('common chat text after a free multi-line value is flagged whatever its length', () => {
  // Used to pass lint when the line had 8 or more characters ("Thanks again!", a long "-----" rule).
  for (const line of ['Thanks', 'Thanks again for your help!', '---', '==============================', 'Kind regards,', 'OK']) {
    const w = warnings(`Chat:\n%SESSION_CHAT%\n${line}\nNotes:\n%SESSION_NOTES%\n-- end of notes --`);
    const x = w.filter((y) => y.code === 'common-text-after-multiline');
    assert.equal(x.length, 1, line);
    assert.match(x[0]!.message, /%SESSION_CHAT%/);
    assert.match(x[0]!.hint!, /-- end of session chat --/);
    assert.ok(!w.some((y) => y.code === 'weak-anchor-after-multiline' && y.line === 4), `${line}: one warning, not two`);
  }
  const notes = warnings('Notes:\n%SESSION_NOTES%\n\nRegards\nSession %LSID%').filter((y) => y.code === 'common-text-after-multiline');
  assert.match(notes[0]!.message, /"Regards"/);
  // Distinctive lines are fine, however short their words.
  assert.deepEqual(warnings('Chat:\n%SESSION_CHAT%\n==== end of chat transcript ====\nSession %LSID%').map((x) => x.code), []);
});

test('a short literal at the very end of the body is not weak: nothing can follow it', () => {
  // Used to warn "short" although the literal is found at the very end, which bounds the value.
  assert.deepEqual(warnings('Chat:\n%SESSION_CHAT%\nEnd').map((x) => x.code), []);
  assert.deepEqual(warnings('Chat:\n%SESSION_CHAT%\nThanks').map((x) => x.code), []);
  assert.deepEqual(warnings('Chat:\n%SESSION_CHAT%\n--').map((x) => x.code), []);
});

test('a subject macro that can be empty between spaces is flagged (the issue\'s examples)', () => {
  // Each used to pass lint; with the value empty, relays collapse the double space and the
  // mail became a wrong extraction (the first two) or unmatched (the last two).
  const cases: [string, string][] = [
    ['Remote support %EXTERNAL_KEY% %CUSTOMER_NAME% (%LSEQ%)', 'EXTERNAL_KEY'],
    ['[Support] %EXTERNAL_KEY% %CUSTOMER_NAME%', 'EXTERNAL_KEY'],
    ['Ticket %EXTERNAL_KEY% - %CUSTOMER_NAME%', 'EXTERNAL_KEY'],
    ['Session %LSID% ended %END_TIME% (%CUSTOMER_NAME%)', 'END_TIME'],
    ['%EXTERNAL_KEY% %CUSTOMER_NAME% (%LSEQ%)', 'EXTERNAL_KEY'],
    ['Session %LSID%: %CUSTOMER_NAME% %EXTERNAL_KEY%', 'EXTERNAL_KEY'],
    ['Ticket %EXTERNAL_KEY% ended', 'EXTERNAL_KEY'],
  ];
  for (const [subject, macro] of cases) {
    const w = subjectWarnings(subject);
    assert.ok(w.some((x) => x.message.startsWith(`%${macro}%`)), subject);
    const x = w.find((y) => y.message.startsWith(`%${macro}%`))!;
    assert.equal(x.line, 3);
    assert.equal(x.column, 10 + subject.indexOf(`%${macro}%`));
    assert.match(x.hint!, new RegExp(`\\[%${macro}%\\]`));
  }
  assert.match(subjectWarnings(cases[0]![0])[0]!.message, /no external key/);
  // Visible characters around the value, fixed text at the edge, or typed macros: no warning.
  for (const subject of ['Remote support [%EXTERNAL_KEY%] %CUSTOMER_NAME%', 'Session %LSID% ended - ticket %EXTERNAL_KEY%',
    'Session %LSID% %LSEQ% done', 'Key=%EXTERNAL_KEY% | %CUSTOMER_NAME%']) {
    assert.deepEqual(subjectWarnings(subject), [], subject);
  }
});

test('"did you mean" suggests the macro an abbreviated name stands for, and nothing for a guess', () => {
  // Used to give no suggestion for %REP_EXIT_SURVEY% (edit distance alone).
  const r = parseTemplate('Name: t\nEvent: rep-exit-survey\n\nSurvey: %REP_EXIT_SURVEY%\n');
  assert.deepEqual(r.errors.map((e) => e.code), ['unknown-macro']);
  assert.match(r.errors[0]!.hint!, /^did you mean %REPRESENTATIVE_EXIT_SURVEY%\? /);
  const names = MACROS.map((m) => m.name);
  const suggestions: [string, string | undefined][] = [
    ['REP_EXIT_SURVEY', 'REPRESENTATIVE_EXIT_SURVEY'], ['CUST_NAME', 'CUSTOMER_NAME'], ['SCREEN_RECORDING', 'SCREEN_SHARING_RECORDING'],
    ['SYS_INFO', 'SYSTEM_INFORMATION'], ['CHAT', 'SESSION_CHAT'], ['LSQE', 'LSEQ'], ['CUSTOMER_COMPUTER_NAME', 'CUSTOMER_COMPUTER-NAME'],
    ['SESSION_CHATS', 'SESSION_CHAT'],
    // Several rep names, many names, or nothing alike: no suggestion rather than a guess.
    ['REP_NAME', undefined], ['NAME', undefined], ['PRIMARY_REP', undefined], ['TICKET', undefined], ['FOO', undefined],
  ];
  for (const [word, expected] of suggestions) assert.equal(closest(word, names), expected, word);
  assert.equal(closest('dateorder', ['event', 'timezone', 'dateorder']), 'dateorder');
  assert.equal(closest('date', ['event', 'timezone', 'dateorder']), 'dateorder');
});
