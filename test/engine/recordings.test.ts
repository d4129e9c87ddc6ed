import test from 'node:test';
import assert from 'node:assert/strict';
import { findMacro, parseRecordings, parseTemplate } from '../../src/engine/index.js';
import { isUrlList } from '../../src/engine/parsers/recordings.js';
import { found, matchBody } from './helpers.js';

const A = 'https://support.example.com/session_download?lsid=l%3Dx%3Bh%3D1&dl_action=video';
const B = 'https://support.example.com/session_download?lsid=l%3Dy%3Bh%3D2&dl_action=video';

test('screen sharing recordings: several URLs, one per line, like command shell recordings', () => {
  const macro = findMacro('SCREEN_SHARING_RECORDING')!;
  assert.equal(macro.kind, 'urls');
  assert.equal(macro.multiline, true);
  assert.equal(macro.inSubject, false);
  assert.deepEqual(parseRecordings(`${A}\n${B}`).urls, [A, B]);
});

test('a mail with two screen sharing recordings extracts both', () => {
  // Used to be unmatched: the macro was one-line, so the second URL could not belong to it.
  const body = 'Session %LSID%\nRecordings:\n%SCREEN_SHARING_RECORDING%\n-- end of recordings --';
  const r = found(matchBody(body, `Session ${'a'.repeat(32)}\nRecordings:\n${A}\n${B}\n-- end of recordings --`));
  assert.equal(r.values.SCREEN_SHARING_RECORDING, `${A}\n${B}`);
  assert.deepEqual(r.typed.screen_sharing_recording?.urls, [A, B]);
  assert.equal(r.typed.screen_sharing_recording?.recognised, true);
});

test('isUrlList: every non-blank line is one http(s) URL without spaces', () => {
  const yes = [A, `${A}\n${B}`, `  ${A}  \r\n\n${B}\n`, 'http://h', 'HTTPS://H/x', ''];
  const no = [`${A} ${B}`, 'see https://a/1', '%SCREEN_SHARING_RECORDING%', 'https://', 'ftp://h/x', `${A}\nnot a url`, 'https:// h'];
  for (const text of yes) assert.equal(isUrlList(text), true, JSON.stringify(text));
  for (const text of no) assert.equal(isUrlList(text), false, JSON.stringify(text));
});

test('body-only macros in Subject: are an error, %SCREEN_SHARING_RECORDING% included', () => {
  for (const name of ['SESSION_CHAT', 'SCREEN_SHARING_RECORDING', 'COMMAND_SHELL_RECORDING', 'SESSION_NOTES']) {
    const r = parseTemplate(`Name: t\nEvent: session-end\nSubject: Session %LSID% %${name}%\n\nBody %LSID%\n`);
    assert.equal(r.template, undefined, name);
    assert.deepEqual(r.errors.map((e) => [e.code, e.line, e.column]), [['body-only-macro-in-subject', 3, 25]], name);
    assert.match(r.errors[0]!.hint!, /move it to the body/);
  }
});
