import test from 'node:test';
import assert from 'node:assert/strict';
import { parseChat, parseLabels, parseRecordings, parseSurvey } from '../../src/engine/index.js';

test('chat: bracketed times, speakers, system lines, continuation lines', () => {
  const chat = parseChat([
    '[15:26:05] Jane Roe has joined the session.',
    '[15:26:07] John Smith: Hello [b]Jane[/b]',
    'second line of the same message',
    '',
    'https://example.com/x?a=1',
    '[3:27:00 PM] Jane Roe: Thanks: it works',
  ].join('\n'));
  assert.equal(chat.recognised, true);
  assert.deepEqual(chat.lines, [
    { seq: 1, timeText: '15:26:05', speaker: null, body: 'Jane Roe has joined the session.' },
    { seq: 2, timeText: '15:26:07', speaker: 'John Smith', body: 'Hello [b]Jane[/b]\nsecond line of the same message\n\nhttps://example.com/x?a=1' },
    { seq: 3, timeText: '3:27:00 PM', speaker: 'Jane Roe', body: 'Thanks: it works' },
  ]);
});

test('chat: dated and unbracketed layouts', () => {
  const chat = parseChat('2024-12-03 15:26:05 John: a\n12/3/2024 4:10:02 PM - Jane: b\n(15:27) Bob: c');
  assert.deepEqual(chat.lines.map((l) => [l.timeText, l.speaker, l.body]), [
    ['2024-12-03 15:26:05', 'John', 'a'],
    ['12/3/2024 4:10:02 PM', 'Jane', 'b'],
    ['15:27', 'Bob', 'c'],
  ]);
});

test('chat: an unknown layout is reported unrecognised, not guessed', () => {
  const chat = parseChat('John said hello\nJane said hi');
  assert.equal(chat.recognised, false);
  assert.deepEqual(chat.lines, []);
});

test('chat: 2,000 lines keep their order', () => {
  const text = Array.from({ length: 2000 }, (_, i) => `[${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00] U${i % 3}: m${i}`).join('\n');
  const chat = parseChat(text);
  assert.equal(chat.lines.length, 2000);
  assert.equal(chat.lines[1999]!.body, 'm1999');
  assert.equal(chat.lines[1999]!.seq, 2000);
});

test('survey: Q/A lines, one-line pairs, question blocks; literal \\n becomes a newline', () => {
  assert.deepEqual(parseSurvey('Q: Rating?\nA: 5\nQ: Comments\nA: good\\nvery good').answers, [
    { seq: 1, question: 'Rating?', answer: '5' },
    { seq: 2, question: 'Comments', answer: 'good\nvery good' },
  ]);
  assert.deepEqual(parseSurvey('Rating: 5\nWas the issue resolved? Yes').answers.map((a) => [a.question, a.answer]), [
    ['Rating', '5'],
    ['Was the issue resolved?', 'Yes'],
  ]);
  assert.deepEqual(parseSurvey('How was it?\nGreat\nfast too\n\nAnything else?\nNo').answers.map((a) => [a.question, a.answer]), [
    ['How was it?', 'Great\nfast too'],
    ['Anything else?', 'No'],
  ]);
  assert.equal(parseSurvey('just some text\nwithout questions').recognised, false);
});

test('labels: summary with IPv6 and ports, continuation lines, unrecognised text', () => {
  const r = parseLabels('Representative: John (ID 12)\nCustomer IP: [2001:db8::1f]:50211\nPublic IP: 203.0.113.45:61606\nDuration: 00:30:07\nFiles:\n  a.txt\n  b.txt');
  assert.equal(r.recognised, true);
  assert.deepEqual(r.pairs, [
    { label: 'Representative', value: 'John (ID 12)' },
    { label: 'Customer IP', value: '[2001:db8::1f]:50211' },
    { label: 'Public IP', value: '203.0.113.45:61606' },
    { label: 'Duration', value: '00:30:07' },
    { label: 'Files', value: 'a.txt\nb.txt' },
  ]);
  assert.deepEqual(parseLabels('OS\tWindows 11').pairs, [{ label: 'OS', value: 'Windows 11' }]);
  assert.equal(parseLabels('no labels here').recognised, false);
});

test('recordings: URL lists', () => {
  const r = parseRecordings('https://s.example.com/session_download?lsid=l%3Dx%3Bh%3D1&dl_action=shell\nhttps://s.example.com/2');
  assert.equal(r.recognised, true);
  assert.equal(r.urls.length, 2);
  const odd = parseRecordings('see https://a/1 please');
  assert.equal(odd.recognised, false);
  assert.deepEqual(odd.urls, ['https://a/1']);
});
