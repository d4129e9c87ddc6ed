/**
 * Text normalisation applied identically to templates and to received mail, so that relays
 * (which re-encode line ends, add or strip trailing spaces, fold subjects) cannot make a literal
 * stop matching. Every function here is a single linear pass: no regular expression that can
 * backtrack over a long run of spaces.
 */


/** Whether normaliseBody has anything to change besides the outer blank lines (a few native
 * scans are cheaper than one regular expression with alternatives). */
function needsWork(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return (
    last === 32 || last === 9 || text.includes('\r') || text.includes(' \n') || text.includes('\t\n') ||
    text.includes('\u00a0') || text.includes('\u2007') || text.includes('\u202f')
  );
}

/**
 * Normalises a mail or template body: CRLF and CR become LF, non-breaking spaces become spaces,
 * trailing spaces and tabs are removed from every line, and leading and trailing blank lines
 * are dropped (the appliance and relays differ on the final newline).
 */
export function normaliseBody(text: string): string {
  let out = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (needsWork(out)) {
    if (out.includes('\r')) out = out.replace(/\r\n?/g, '\n');
    out = out.replace(/[\u00a0\u2007\u202f]/g, ' ');
    // One pass per line with a bounded loop: a regex like /[ \t]+$/m backtracks on long runs.
    const lines = out.split('\n');
    for (let i = 0; i < lines.length; i++) lines[i] = trimEndLinear(lines[i]!);
    out = lines.join('\n');
  }
  let start = 0;
  while (start < out.length && out.charCodeAt(start) === 10) start++;
  let end = out.length;
  while (end > start && out.charCodeAt(end - 1) === 10) end--;
  return start === 0 && end === out.length ? out : out.slice(start, end);
}

/**
 * Normalises a subject: unfolds header continuation lines and turns every run of white space
 * (including non-breaking spaces) into one space, trimmed at both ends.
 */
export function normaliseSubject(text: string): string {
  return text.replace(/[\s\u00a0\u2007\u202f]+/g, ' ').trim();
}

/**
 * Normalises one extracted value per the contract: trailing white space is already gone (the
 * body was normalised); single-line values are trimmed at the start, multi-line values lose
 * leading and trailing blank lines. Returns null for an empty value or for the unrendered
 * literal `%NAME%`.
 */
export function normaliseValue(raw: string, macroName: string, multiline: boolean): string | null {
  let value: string;
  if (multiline) {
    value = stripBlankLines(raw);
  } else {
    value = raw.trim();
  }
  if (value === '' || value === `%${macroName}%`) return null;
  return value;
}

function stripBlankLines(text: string): string {
  // Leading blank lines go; so do spaces before the first text when the value starts mid-line
  // (right after a literal such as `Notes: `), but an indented first line of its own is kept.
  let start = 0;
  let lineStart = 0;
  for (; start < text.length; start++) {
    const c = text[start];
    if (c === '\n') lineStart = start + 1;
    else if (c !== ' ' && c !== '\t') break;
  }
  if (lineStart > 0) start = lineStart;
  let end = text.length;
  while (end > start && (text[end - 1] === '\n' || text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  let value = start >= end ? '' : text.slice(start, end);
  // Per-line trailing spaces: the value may end mid-line before a literal that began with spaces.
  if (value.includes(' \n') || value.includes('\t\n')) value = normaliseBodyLines(value);
  return value;
}

function normaliseBodyLines(text: string): string {
  return text
    .split('\n')
    .map((line) => trimEndLinear(line))
    .join('\n');
}

/** `String.prototype.trimEnd` restricted to spaces and tabs. */
export function trimEndLinear(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  return end === line.length ? line : line.slice(0, end);
}
