// Table-driven tests on .eml fixtures: the mail is decoded with mailparser, as the pipeline
// does, and the decoded subject/text/html are handed to the engine.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { createMatcher, parseTemplate, type Template } from '../../src/engine/index.js';

const dir = new URL('./fixtures/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, dir), 'utf8');

interface Case {
  file: string;
  expect: {
    status: string;
    template?: string;
    alternatives?: number;
    values?: Record<string, string | null>;
    nearestTemplate?: string;
    missingLiteral?: string;
    chatLines?: number;
    chatFirst?: string;
    chatLast?: string;
    chatLength?: number;
  };
}

function loadTemplates(): Template[] {
  return ['session-end.tmpl', 'customer-survey.tmpl', 'rep-survey.tmpl', 'rep-survey-html.tmpl'].map((f) => {
    const r = parseTemplate(read(f), f);
    assert.deepEqual(r.errors, [], `${f} has errors`);
    return r.template!;
  });
}

const cases = JSON.parse(read('cases.json')) as Case[];
const matcher = createMatcher(loadTemplates());

for (const c of cases) {
  test(`fixture ${c.file}`, async () => {
    const mail = await simpleParser(readFileSync(new URL(c.file, dir)));
    const result = matcher.match({
      subject: mail.subject ?? '',
      text: mail.text ?? '',
      ...(typeof mail.html === 'string' ? { html: mail.html } : {}),
      recipients: ['unmacro@example.com'],
    });
    assert.equal(result.status, c.expect.status, result.status === 'unmatched' ? result.explanation.message : '');
    if (result.status === 'unmatched') {
      assert.equal(result.explanation.nearestTemplate, c.expect.nearestTemplate);
      assert.equal(result.explanation.missingLiteral, c.expect.missingLiteral);
      assert.ok(result.explanation.line! > 1, 'the explanation points into the body');
      return;
    }
    assert.equal(result.template.name, c.expect.template);
    if (c.expect.alternatives !== undefined) assert.equal(result.alternatives, c.expect.alternatives);
    for (const [name, value] of Object.entries(c.expect.values ?? {})) {
      assert.equal(result.values[name], value, `value of %${name}%`);
    }
    if (c.expect.chatLines !== undefined) {
      const chat = result.typed.session_chat!;
      assert.equal(chat.recognised, true);
      assert.equal(chat.lines.length, c.expect.chatLines);
      const raw = result.values.SESSION_CHAT!;
      assert.equal(raw.length, c.expect.chatLength);
      assert.ok(raw.startsWith(c.expect.chatFirst!) && raw.endsWith(c.expect.chatLast!));
    }
  });
}

test('fixture session-end-qp.eml: typed values', async () => {
  const mail = await simpleParser(readFileSync(new URL('session-end-qp.eml', dir)));
  const result = matcher.match({ subject: mail.subject ?? '', text: mail.text ?? '' });
  assert.ok(result.status === 'extracted', result.status);
  const t = result.typed;
  assert.equal(t.lsid, 'e9e99aeb9ad54fb381634498502c5a1b');
  assert.equal(t.lseq, 22817);
  assert.equal(t.start_time?.instant?.toISOString(), '2024-12-03T21:10:02.000Z');
  assert.equal(t.end_time?.instant?.toISOString(), '2024-12-03T21:40:09.000Z');
  assert.deepEqual(t.session_summary?.pairs.find((p) => p.label === 'Customer IP'), { label: 'Customer IP', value: '[2001:db8::1f]:50211' });
  assert.equal(t.session_chat?.lines[2]?.body, 'The printer says "offline".\nIt worked yesterday, 100% sure.');
  assert.equal(t.session_chat?.lines[0]?.speaker, 'System');
  assert.equal(t.command_shell_recording?.urls.length, 2);
  assert.equal(t.screen_sharing_recording?.recognised, true);
  assert.equal(t.system_information?.pairs[0]?.value, 'Windows 11 Pro');
});

test('fixture customer-survey.eml: survey answers, literal \\n becomes a line end', async () => {
  const mail = await simpleParser(readFileSync(new URL('customer-survey.eml', dir)));
  const result = matcher.match({ subject: mail.subject ?? '', text: mail.text ?? '' });
  assert.ok(result.status === 'extracted', result.status);
  assert.deepEqual(result.typed.customer_exit_survey?.answers, [
    { seq: 1, question: 'How satisfied were you?', answer: '5 - Very satisfied' },
    { seq: 2, question: 'Would you recommend us?', answer: 'Yes' },
    { seq: 3, question: 'Comments?', answer: 'Quick and friendly.\nThanks!' },
  ]);
});
