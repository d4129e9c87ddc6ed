/**
 * Recording macros hold URLs, one per line (several screen sharing or command shell
 * recordings). URLs are taken as whitespace-separated `http://` or `https://` tokens; a value
 * that is not a list of URLs is unrecognised, though the URLs found in it are still returned.
 */

/** URLs read from a recording macro. */
export interface Recordings {
  readonly text: string;
  /** True when every non-blank line is one URL (see `isUrlList`) and there is at least one. */
  readonly recognised: boolean;
  readonly urls: readonly string[];
}

const URL_TOKEN = /^https?:\/\/[^\s/?#]+\S*$/i;

/**
 * True when every non-blank line of `text` is one http(s) URL without spaces (spaces and tabs
 * around it ignored); blank text is vacuously a list. Cheap: for the matcher's typed pruning.
 */
export function isUrlList(text: string): boolean {
  for (const line of text.split('\n')) {
    const url = line.trim();
    if (url !== '' && !URL_TOKEN.test(url)) return false;
  }
  return true;
}

/** Reads the URLs of a recording macro's value. */
export function parseRecordings(text: string): Recordings {
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  const urls = tokens.filter((t) => URL_TOKEN.test(t));
  return { text, recognised: urls.length > 0 && isUrlList(text), urls };
}
