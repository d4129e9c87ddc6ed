import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EngineError, createMatcher, parseTemplate } from '../../src/engine/index.js';
import { found, missing, template } from './helpers.js';

const LSID = 'e9e99aeb9ad54fb381634498502c5a1b';
const fixture = (f: string) => parseTemplate(readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8'), f).template!;

test('the event is not known in advance: each mail selects its own template', () => {
  const m = createMatcher([fixture('session-end.tmpl'), fixture('customer-survey.tmpl'), fixture('rep-survey.tmpl')]);
  const rep = found(m.match({ subject: 'Rep survey 8', text: `LSID=${LSID}\nQ: ok?\nA: yes` }));
  assert.equal(rep.template.name, 'rep-survey');
  assert.equal(rep.template.event, 'support_conference_rep_exit_survey_completed');
  assert.equal(rep.values.LSEQ, '8');
  const cust = found(m.match({
    subject: `Customer survey for session ${LSID}`,
    text: `Session ${LSID} (sequence 9, key K-1)\n\nCustomer survey answers:\nGood? Yes\n-- end of survey --`,
  }));
  assert.equal(cust.template.name, 'customer-survey');
  assert.equal(cust.values.EXTERNAL_KEY, 'K-1');
});

test('the most specific template wins; the others are listed', () => {
  const general = template('Session %LSID%\n%SESSION_CHAT%', { name: 'general' });
  const specific = template('Session %LSID%\nChat:\n%SESSION_CHAT%', { name: 'specific' });
  const r = found(createMatcher([general, specific]).match({ subject: 's', text: `Session ${LSID}\nChat:\nhello` }));
  assert.equal(r.template.name, 'specific');
  assert.equal(r.status, 'extracted');
  assert.deepEqual(r.otherTemplates, ['general']);
  assert.equal(r.values.SESSION_CHAT, 'hello');
});

test('subject first: literal subject text outranks a longer body', () => {
  const bySubject = template('%SESSION_NOTES%', { name: 'by-subject', subject: 'Session ended %LSID%' });
  const byBody = template('Notes follow, as typed by the representative:\n%SESSION_NOTES%', { name: 'by-body' });
  const r = found(createMatcher([byBody, bySubject]).match({
    subject: `Session ended ${LSID}`,
    text: 'Notes follow, as typed by the representative:\nfixed it',
  }));
  assert.equal(r.template.name, 'by-subject');
});

test('two equally specific templates that both fit make the result ambiguous', () => {
  const a = template('Hello %CUSTOMER_NAME%', { name: 'a' });
  const b = template('Hello %PRIMARY_REP_USER_NAME%', { name: 'b' });
  const r = found(createMatcher([b, a]).match({ subject: '', text: 'Hello Jane' }));
  assert.equal(r.status, 'ambiguous');
  assert.equal(r.template.name, 'a', 'ties are broken by name');
  assert.deepEqual(r.tiedTemplates, ['b']);
});

test('Recipient restricts a template to mail addressed to it (case-insensitive)', () => {
  const t = template('Hi %CUSTOMER_NAME%', { extra: 'Recipient: Ops@Example.com' });
  const m = createMatcher([t]);
  found(m.match({ subject: '', text: 'Hi x', recipients: ['<ops@example.COM>'] }));
  const r = missing(m.match({ subject: '', text: 'Hi x', recipients: ['other@example.com'] }));
  assert.equal(r.explanation.stage, 'recipient');
});

test('a template without Subject matches any subject; with Subject, the subject must fit', () => {
  const t = template('Body %LSEQ%', { subject: 'Ended %LSEQ%' });
  const m = createMatcher([t]);
  const r = missing(m.match({ subject: 'Started 5', text: 'Body 5' }));
  assert.equal(r.explanation.stage, 'subject');
  assert.equal(r.explanation.missingLiteral, 'Ended ');
  assert.equal(found(m.match({ subject: '  Ended\r\n   5 ', text: 'Body 5' })).values.LSEQ, '5');
  assert.equal(found(createMatcher([template('Body %LSEQ%')]).match({ subject: 'whatever', text: 'Body 6' })).values.LSEQ, '6');
});

test('templates without any literal key are still tried', () => {
  const r = found(createMatcher([template('%SESSION_NOTES%', { name: 'catch-all' })]).match({ subject: 'x', text: 'anything\nat all' }));
  assert.equal(r.values.SESSION_NOTES, 'anything\nat all');
});

test('selection among 1,000 templates picks the right one', () => {
  const templates = Array.from({ length: 1000 }, (_, i) =>
    template(`Site ${i} report\nSession: %LSID%\nChat:\n%SESSION_CHAT%\n-- end --`, { name: `t${i}`, subject: `[Site ${i}] ended %LSID%` }),
  );
  const m = createMatcher(templates);
  for (const i of [0, 7, 500, 999]) {
    const r = found(m.match({ subject: `[Site ${i}] ended ${LSID}`, text: `Site ${i} report\nSession: ${LSID}\nChat:\nhi\n-- end --` }));
    assert.equal(r.template.name, `t${i}`);
    assert.equal(r.status, 'extracted');
  }
  const miss = missing(m.match({ subject: `[Site 5] ended ${LSID}`, text: `Site 5 report\nSession: ${LSID}\nChat:\nhi\n-- END --` }));
  assert.equal(miss.explanation.nearestTemplate, 't5');
});

test('html templates match the HTML part converted to text', () => {
  const t = template('<p>Customer: <b>%CUSTOMER_NAME%</b></p>\n<p>Notes:<br>\n%SESSION_NOTES%</p>', { extra: 'Format: html' });
  const r = found(createMatcher([t]).match({
    subject: '',
    text: 'plain part that does not fit',
    html: '<p>Customer: <b>Ren&eacute; &amp; Co</b></p>\r\n<p>Notes:<br>\r\nline&nbsp;1\r\nline 2</p>',
  }));
  assert.equal(r.values.CUSTOMER_NAME, 'René & Co');
  // The NBSP of `&nbsp;` is the mail's own character, kept in the value; the source line end
  // inside the paragraph is a space, as a browser shows it.
  assert.equal(r.values.SESSION_NOTES, 'line\u00a01 line 2');
});

test('duplicate template names are refused with a typed error', () => {
  assert.throws(() => createMatcher([template('a %LSEQ%'), template('b %LSEQ%')]), (e: unknown) => e instanceof EngineError && e.code === 'duplicate-template-name');
});

test('matchWith tries one named template', () => {
  const m = createMatcher([template('A %LSEQ%', { name: 'a' }), template('A %LSEQ% B', { name: 'b' })]);
  assert.equal(found(m.matchWith('a', { subject: '', text: 'A 1' })).template.name, 'a');
  assert.match(missing(m.matchWith('zzz', { subject: '', text: 'A 1' })).explanation.message, /no template named/);
});

test('an unrelated mail names no nearest template; a near one is named, the same every time', () => {
  // Regression: the "nearest template" of a mail that matched nothing was an arbitrary pick.
  const m = createMatcher([template('Alpha: %CUSTOMER_NAME%', { name: 'a' }), template('Beta: %CUSTOMER_NAME%', { name: 'b' })]);
  const far = m.match({ subject: 'hello', text: 'Lunch at noon?' });
  assert.equal(far.status, 'unmatched');
  if (far.status === 'unmatched') {
    assert.equal(far.explanation.nearestTemplate, undefined);
    assert.match(far.explanation.message, /no template is near/);
  }
  const near = m.match({ subject: 'hello', text: 'Beta: Jane\nextra' });
  assert.equal(near.status === 'unmatched' ? near.explanation.nearestTemplate : '', 'b');
});
