import test from 'node:test';
import assert from 'node:assert/strict';
import { findMacro } from '../../src/engine/index.js';
import { fitsMacro } from '../../src/engine/values.js';

const cases: [string, string, boolean][] = [
  ['LSID', 'e9e99aeb9ad54fb381634498502c5a1b', true],
  ['LSID', 'E9E99AEB9AD54FB381634498502C5A1B', true],
  ['LSID', 'e9e99aeb-9ad5-4fb3-8163-4498502c5a1b', false],
  ['LSID', '%LSID%', true],
  ['LSID', '', true],
  ['LSEQ', '22817', true],
  ['LSEQ', '9223372036854775807', true],
  ['LSEQ', '9223372036854775808', false],
  ['LSEQ', '00009223372036854775807', true],
  ['LSEQ', '42 ', true],
  ['LSEQ', '-1', false],
  ['LSEQ', '%EXTERNAL_KEY%', false],
  ['EXTERNAL_KEY', 'INC0012345', true],
  ['EXTERNAL_KEY', 'INC-7 - P1', true],
  // Used to be stored as the key: the unrendered %LSEQ% after it.
  ['EXTERNAL_KEY', 'INC0012345 %LSEQ%', false],
  ['EXTERNAL_KEY', '%EXTERNAL_KEY%', true],
  ['EXTERNAL_KEY', '100% done %NOT_A_MACRO%', true],
  ['CUSTOMER_NAME', 'Jane\nRoe', false],
  ['START_TIME', 'Mon, 30 Nov 2026 14:03:07 -0500', true],
  // Used to be picked: a split that gave the start time a piece of the end time.
  ['START_TIME', 'Mon, 30 Nov 2026 14:03:07 -0500,Mon', false],
  ['END_TIME', '2026-11-30 14:03:07 CST', true],
  ['END_TIME', '', true],
  ['SCREEN_SHARING_RECORDING', 'https://h/a\nhttps://h/b', true],
  ['SCREEN_SHARING_RECORDING', 'https://h/a\nThanks', false],
  ['SESSION_CHAT', 'anything\n%LSID%', true],
];

for (const [name, value, fits] of cases) {
  test(`fitsMacro: ${name} ${JSON.stringify(value)} -> ${fits}`, () => {
    assert.equal(fitsMacro(findMacro(name)!, value), fits);
  });
}
