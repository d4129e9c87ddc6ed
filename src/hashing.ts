import type { Hash } from 'node:crypto';

/**
 * Hashing long text without a copy of all of it: `hash.update(text)` first encodes the whole
 * string as one UTF-8 buffer, and JSON.stringify of it is another whole copy. A long chat is
 * tens of megabytes; these take it a slice at a time and give the same digest.
 */

/** Characters hashed at a time. */
const SLICE_CHARS = 1024 * 1024;

/** Slices of `text`, never splitting a surrogate pair (its halves would each encode as U+FFFD, or be escaped apart). */
function* slices(text: string): Generator<string> {
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + SLICE_CHARS);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += 1;
    yield text.slice(at, end);
    at = end;
  }
}

/** `hash.update(text)`, a slice at a time. */
export function updateInSlices(hash: Hash, text: string): Hash {
  for (const slice of slices(text)) hash.update(slice);
  return hash;
}

/**
 * `hash.update(JSON.stringify(value))` for the values of one JSON text, in order: short ones are
 * gathered and hashed together (an update per value costs more than the hashing), a long one a
 * slice at a time (JSON escapes each character on its own; surrogate pairs are kept whole).
 */
export function jsonHasher(hash: Hash): { raw(json: string): void; string(text: string): void; digest(): Buffer } {
  let pending = '';
  return {
    raw(json) {
      pending += json;
    },
    string(text) {
      if (text.length < SLICE_CHARS) {
        pending += JSON.stringify(text);
        return;
      }
      hash.update(`${pending}"`);
      pending = '"';
      for (const slice of slices(text)) hash.update(JSON.stringify(slice).slice(1, -1));
    },
    digest() {
      return hash.update(pending).digest();
    },
  };
}
