// The dedup key of an event is hashed a value at a time, a long value a slice at a time (a long
// chat is tens of megabytes, and one canonical JSON string of all values was a copy of all of
// it). The digest must stay what it was: an identical event delivered again after an upgrade
// must still be known as a duplicate of the one stored before.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { dedupKey } from '../src/db/events.js';

/** The dedup key as it was first defined: the digest of one canonical JSON string. */
function canonicalKey(scope: string, values: Record<string, string | null>): Buffer {
  const canonical = JSON.stringify(Object.keys(values).sort().map((k) => [k, values[k]]));
  return createHash('sha256').update(scope).update('\0').update(canonical).digest();
}

test('the dedup key hashed a value and a slice at a time is the digest of the canonical JSON of the values', () => {
  const slice = 1024 * 1024;
  const cases: Record<string, string | null>[] = [
    {},
    { lsid: null },
    { lsid: 'e9e99aeb9ad54fb381634498502c5a1b', lseq: '7', customer_name: 'Ana "the" Müller \\ \n\t\u0001 \u2028' },
    // A surrogate pair straddles the first slice boundary; escapes and non-ASCII on both sides of it.
    { session_chat: 'a'.repeat(slice - 1) + '\u{1F600}' + '"\n'.repeat(slice) + 'ü', z: '', a: null },
    // A lone surrogate (HTTP variables are not cleaned) at the boundary: JSON escapes it the same way.
    { note: 'b'.repeat(slice - 1) + '\uD800' + 'c'.repeat(10), other: '\uDC00' + 'd'.repeat(slice) },
  ];
  for (const values of cases) {
    for (const scope of ['support_conference_end', 'http']) {
      assert.deepEqual(dedupKey(scope, values), canonicalKey(scope, values), `${scope}: ${Object.keys(values).join(', ')}`);
    }
  }
});
