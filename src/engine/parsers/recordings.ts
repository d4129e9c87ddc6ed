/**
 * Recording macros hold URLs (several, one per line, for command shell recordings). URLs are
 * taken as whitespace-separated `http://` or `https://` tokens; any other text makes the value
 * unrecognised, though the URLs found are still returned.
 */

/** URLs read from a recording macro. */
export interface Recordings {
  readonly text: string;
  readonly recognised: boolean;
  readonly urls: readonly string[];
}

/** Reads the URLs of a recording macro's value. */
export function parseRecordings(text: string): Recordings {
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  const urls = tokens.filter((t) => /^https?:\/\/\S+$/i.test(t));
  return { text, recognised: urls.length > 0 && urls.length === tokens.length, urls };
}
