// Output for people (tables that fit) and for scripts (JSON that keeps types), as plain functions.
import assert from 'node:assert/strict';
import test from 'node:test';
import { excerpt, formatRecord, formatRows, isoTimeText } from '../src/cli/format.js';

// Used to break: a chat value padded every row of `messages show` and of a table to ~600 columns.
test('a table fits its width: long values are cut with an ellipsis, short columns keep theirs', () => {
  const chat = Array.from({ length: 40 }, (_, i) => `15:26:${String(i).padStart(2, '0')} John: message ${i}`).join('\n');
  const out = formatRows({ columns: ['id', 'status', 'chat'], rows: [['1', 'extracted', chat], ['2', 'unmatched', 'short']] }, 'table', { width: 60 });
  const lines = out.trimEnd().split('\n');
  for (const line of lines) assert.ok(line.length <= 60, `${line.length}: ${line}`);
  assert.match(lines[2] ?? '', /^1 {2}\| extracted \| 15:26:00 John: message 0↵15:26:01 John: m.*…$/);
  assert.equal(lines[3], '2  | unmatched | short');
  assert.equal(lines.at(-1), '(2 rows)');
});

test('csv and json keep every value whole', () => {
  const long = 'x'.repeat(5_000);
  const rows = { columns: ['v'], rows: [[long]] };
  assert.ok(formatRows(rows, 'csv', { width: 40 }).includes(long));
  assert.deepEqual(JSON.parse(formatRows(rows, 'json', { width: 40 })), [{ v: long }]);
});

// Used to break: JSON gave bigints as strings ("lseq": "4821") and times as "2025-03-14 14:12:07+00".
test('json: big integers as numbers when exact, else strings; times in ISO 8601', () => {
  const out = formatRows(
    {
      columns: ['lseq', 'huge', 'price', 'at', 'local', 'offset', 'date', 'received'],
      rows: [['4821', '9223372036854775807', '1.50', '2025-03-14 14:12:07+00', '2025-03-14 14:12:07.123456', '2025-03-14 14:12:07+05:30', '2025-03-14', new Date('2025-03-14T14:12:07Z')]],
      kinds: ['integer', 'integer', 'integer', 'time', 'time', 'time', undefined, undefined],
    },
    'json',
  );
  assert.deepEqual(JSON.parse(out), [
    { lseq: 4821, huge: '9223372036854775807', price: '1.50', at: '2025-03-14T14:12:07Z', local: '2025-03-14T14:12:07.123456', offset: '2025-03-14T14:12:07+05:30', date: '2025-03-14', received: '2025-03-14T14:12:07Z' },
  ]);
  assert.equal(isoTimeText('infinity'), 'infinity');
  assert.equal(isoTimeText('2025-03-14 14:12:07.5-03'), '2025-03-14T14:12:07.5-03:00');
});

test('a record prints multi-line values as indented blocks', () => {
  assert.equal(formatRecord([['lsid', 'abc'], ['chat', 'one\ntwo'], ['customer_name', null]]), 'lsid:          abc\nchat:\n    one\n    two\ncustomer_name:\n');
});

test('an excerpt numbers the lines around the one marked', () => {
  assert.equal(excerpt('a\nb\nc\nd\ne\nf', 4), '     2 | b\n     3 | c\n>    4 | d\n     5 | e\n     6 | f\n');
});
