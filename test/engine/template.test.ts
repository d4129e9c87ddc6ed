import test from 'node:test';
import assert from 'node:assert/strict';
import { EVENTS, MACROS, columnName, findEvent, parseTemplate } from '../../src/engine/index.js';

test('catalogue: 18 macros, 3 email events, seed availability', () => {
  assert.equal(MACROS.length, 18);
  assert.deepEqual(EVENTS.map((e) => e.alias), ['session-end', 'customer-exit-survey', 'rep-exit-survey']);
  const byName = new Map(MACROS.map((m) => [m.name, m]));
  assert.equal(byName.get('LSID')!.events.length, 3);
  assert.deepEqual(byName.get('CUSTOMER_EXIT_SURVEY')!.events, ['support_conference_customer_exit_survey_completed']);
  assert.equal(byName.get('SESSION_CHAT')!.inSubject, false);
  assert.equal(byName.get('START_TIME')!.inSubject, true);
  assert.equal(byName.get('COMMAND_SHELL_RECORDING')!.multiline, true);
  assert.equal(byName.get('SCREEN_SHARING_RECORDING')!.multiline, true);
  const bodyOnly = MACROS.filter((m) => !m.inSubject).map((m) => m.name).sort();
  assert.deepEqual(bodyOnly, [
    'COMMAND_SHELL_RECORDING', 'CUSTOMER_EXIT_SURVEY', 'REPRESENTATIVE_EXIT_SURVEY', 'SCREEN_SHARING_RECORDING',
    'SESSION_CHAT', 'SESSION_NOTES', 'SESSION_SUMMARY', 'SYSTEM_INFORMATION',
  ]);
  assert.equal(columnName('CUSTOMER_COMPUTER-NAME'), 'customer_computer_name');
  assert.equal(findEvent('support session END')?.id, 'support_conference_end');
  assert.equal(findEvent('rep-exit-survey')?.displayName, 'Representative Survey is Completed');
});

const ok = `Name: t
Event: Support Session End
Subject: Session %LSID% ended

Customer: %CUSTOMER_NAME%
`;

test('parses headers, body and macros of a valid template', () => {
  const r = parseTemplate(ok);
  assert.deepEqual(r.errors, []);
  const t = r.template!;
  assert.equal(t.name, 't');
  assert.equal(t.event, 'support_conference_end');
  assert.equal(t.subject, 'Session %LSID% ended');
  assert.equal(t.body, 'Customer: %CUSTOMER_NAME%');
  assert.deepEqual(t.macros, ['LSID', 'CUSTOMER_NAME']);
  assert.equal(t.format, 'text');
  assert.deepEqual(t.macroPositions[1], { name: 'CUSTOMER_NAME', part: 'body', line: 5, column: 11 });
});

test('name defaults to the file name; headers are case-insensitive; CRLF and BOM files parse', () => {
  const r = parseTemplate('\ufeffevent: session-end\r\nFORMAT: text\r\n\r\nHello %CUSTOMER_NAME%\r\n', 'templates/hello.tmpl');
  assert.deepEqual(r.errors, []);
  assert.equal(r.template!.name, 'hello');
  assert.equal(r.template!.subject, undefined);
});

interface ErrorCase {
  name: string;
  source: string;
  code: string;
  line: number;
  column: number;
  message?: RegExp;
  hint?: RegExp;
}

const errorCases: ErrorCase[] = [
  {
    name: 'unknown macro with a suggestion',
    source: 'Event: session-end\n\nPC: %CUSTOMER_COMPUTER_NAME%\n',
    code: 'unknown-macro', line: 3, column: 5, hint: /did you mean %CUSTOMER_COMPUTER-NAME%/,
  },
  {
    // Regression: the hint named no macro the event has.
    name: 'unknown macro: the suggestion and the macros of the event',
    source: 'Event: rep-exit-survey\n\nSurvey: %REP_EXIT_SURVEY%\n',
    code: 'unknown-macro', line: 3, column: 9,
    hint: /did you mean %REPRESENTATIVE_EXIT_SURVEY%\? the body of "Representative Survey is Completed" mail can use %EXTERNAL_KEY% %LSID% %LSEQ% %REPRESENTATIVE_EXIT_SURVEY%$/,
  },
  {
    name: 'macro not available for the event names where it is',
    source: 'Event: Customer Exit Survey is Completed\n\nSurvey for %CUSTOMER_NAME%\n%CUSTOMER_EXIT_SURVEY%',
    code: 'macro-not-in-event', line: 3, column: 12, hint: /available in: Support Session End/,
  },
  {
    name: 'survey of the other event',
    source: 'Event: rep-exit-survey\n\nx\n  %CUSTOMER_EXIT_SURVEY%',
    code: 'macro-not-in-event', line: 4, column: 3, hint: /Customer Exit Survey is Completed/,
  },
  {
    name: 'body-only macro in the subject',
    source: 'Event: session-end\nSubject: Chat %SESSION_CHAT%\n\nbody',
    code: 'body-only-macro-in-subject', line: 2, column: 15,
  },
  {
    name: 'missing event lists accepted names',
    source: 'Name: x\n\nbody %LSID%',
    code: 'missing-event', line: 1, column: 1, hint: /Support Session End.*customer-exit-survey.*rep-exit-survey/,
  },
  {
    name: 'unknown event lists accepted names',
    source: 'Event: Session Ended\n\nbody',
    code: 'unknown-event', line: 1, column: 8, hint: /accepted events: "Support Session End"/,
  },
  {
    name: 'HTTP-only event',
    source: 'Event: Support Session Start\n\nbody',
    code: 'http-only-event', line: 1, column: 8, message: /only sent to HTTP recipients/,
  },
  {
    name: 'unknown header',
    source: 'Event: session-end\nSubjet: x\n\nbody',
    code: 'unknown-header', line: 2, column: 1, hint: /did you mean "Subject"/,
  },
  { name: 'bad timezone', source: 'Event: session-end\nTimezone: Mars/Olympus\n\nbody', code: 'bad-timezone', line: 2, column: 11 },
  { name: 'bad format', source: 'Event: session-end\nFormat: markdown\n\nbody', code: 'bad-format', line: 2, column: 9 },
  { name: 'no body separator', source: 'Event: session-end\nSubject: x', code: 'missing-body-separator', line: 2, column: 1 },
  { name: 'not a header line', source: 'Event: session-end\nhello world\n\nbody', code: 'bad-header', line: 2, column: 1 },
  { name: 'empty body', source: 'Event: session-end\n\n   \n', code: 'empty-body', line: 3, column: 1 },
  { name: 'duplicate header', source: 'Event: session-end\nEvent: session-end\n\nb', code: 'duplicate-header', line: 2, column: 1 },
];

for (const c of errorCases) {
  test(`error: ${c.name}`, () => {
    const r = parseTemplate(c.source, 'case.tmpl');
    assert.equal(r.template, undefined);
    const e = r.errors.find((x) => x.code === c.code);
    assert.ok(e, `expected ${c.code}, got ${JSON.stringify(r.errors)}`);
    assert.equal(e.severity, 'error');
    assert.deepEqual([e.line, e.column], [c.line, c.column]);
    if (c.message) assert.match(e.message, c.message);
    if (c.hint) assert.match(e.hint ?? '', c.hint);
  });
}

test('percent signs that are not macros are text', () => {
  const r = parseTemplate('Event: session-end\n\n100% done, 50%-60% of %LSID%, %lower%\n', 'p.tmpl');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.template!.bodyPattern.literals, ['100% done, 50%-60% of ', ', %lower%']);
});

test('a template without a name or file name is an error', () => {
  const r = parseTemplate('Event: session-end\n\nbody');
  assert.deepEqual(r.errors.map((e) => e.code), ['missing-name']);
});
