// Shared helpers for the engine tests.
import assert from 'node:assert/strict';
import { createMatcher, parseTemplate, type MatchFound, type MatchMissing, type MatchResult, type Template } from '../../src/engine/index.js';

/** Parses a template from parts, failing the test on any error. */
export function template(body: string, opts: { subject?: string; event?: string; name?: string; extra?: string } = {}): Template {
  const headers = [
    `Name: ${opts.name ?? 't'}`,
    `Event: ${opts.event ?? 'session-end'}`,
    ...(opts.subject !== undefined ? [`Subject: ${opts.subject}`] : []),
    ...(opts.extra ? [opts.extra] : []),
  ];
  const r = parseTemplate(`${headers.join('\n')}\n\n${body}\n`);
  assert.deepEqual(r.errors, []);
  return r.template!;
}

/** Matches one mail against one template built from `body`. */
export function matchBody(body: string, text: string, subject = ''): MatchResult {
  return createMatcher([template(body)]).match({ subject, text });
}

/** Asserts the result found a template and returns it narrowed. */
export function found(result: MatchResult): MatchFound {
  assert.notEqual(result.status, 'unmatched', result.status === 'unmatched' ? result.explanation.message : '');
  return result as MatchFound;
}

/** Asserts the result is unmatched and returns it narrowed. */
export function missing(result: MatchResult): MatchMissing {
  assert.equal(result.status, 'unmatched');
  return result as MatchMissing;
}
