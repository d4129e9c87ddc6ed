import type { QueryResult } from '../db/query.js';

export const FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** What a column holds, where JSON should say it otherwise than as text. */
export type ColumnKind = 'integer' | 'time' | undefined;

/** Rows to print, with what each column holds when it is known. */
export interface Rows extends QueryResult {
  readonly kinds?: readonly ColumnKind[];
}

/** Where the table goes: its width (a terminal's columns) decides where long values are cut. */
export interface TableOptions {
  readonly width?: number;
  /** Said after the row count, e.g. which database the rows come from. */
  readonly note?: string;
}

/** Width of a table when the output is not a terminal and COLUMNS does not say. */
export const DEFAULT_TABLE_WIDTH = 160;
/** A column is never cut narrower than this (or its header). */
const MIN_COLUMN_WIDTH = 6;
const SEPARATOR = ' | ';
const ELLIPSIS = '…';

/** PostgreSQL type ids whose JSON form differs from their text: int8, numeric, timestamp(tz). */
const KIND_OF_TYPE: Readonly<Record<number, ColumnKind>> = { 20: 'integer', 1700: 'integer', 1114: 'time', 1184: 'time' };

/** The kinds of query columns from their PostgreSQL type ids. */
export function kindsOfTypes(typeIds: readonly number[] | undefined): ColumnKind[] | undefined {
  return typeIds?.map((id) => KIND_OF_TYPE[id]);
}

/**
 * Prints rows as a table for people (fitted to `width`: long values cut with an ellipsis, line
 * breaks shown as ↵), CSV (RFC 4180, every value whole) or JSON (an array of objects: numbers as
 * numbers, big integers as numbers when exact, else strings, times in ISO 8601).
 */
export function formatRows(result: Rows, format: OutputFormat, options: TableOptions = {}): string {
  switch (format) {
    case 'json': {
      const objects = result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, jsonValue(row[i], result.kinds?.[i])])));
      return `${JSON.stringify(objects, null, 2)}\n`;
    }
    case 'csv':
      return [result.columns, ...result.rows.map((row) => row.map(text))].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
    case 'table':
      return table(result, options.width ?? DEFAULT_TABLE_WIDTH, options.note);
  }
}

/** `field: value` lines for one record; a multi-line value becomes an indented block below its name. */
export function formatRecord(pairs: readonly (readonly [string, unknown])[], width = DEFAULT_TABLE_WIDTH): string {
  const nameWidth = Math.max(0, ...pairs.map(([name]) => name.length));
  const out: string[] = [];
  for (const [name, value] of pairs) {
    const lines = text(value).replace(/\r\n/g, '\n').split('\n');
    if (lines.length === 1) {
      out.push(`${`${name}:`.padEnd(nameWidth + 1)} ${cut(lines[0] ?? '', Math.max(MIN_COLUMN_WIDTH, width - nameWidth - 2))}`.trimEnd());
    } else {
      out.push(`${name}:`);
      for (const line of lines) out.push(`    ${cut(line, Math.max(MIN_COLUMN_WIDTH, width - 4))}`.trimEnd());
    }
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

function table({ columns, rows }: QueryResult, width: number, note?: string): string {
  const cells = rows.map((row) => row.map((v) => text(v).replace(/\r?\n/g, '↵')));
  const natural = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const widths = fit(natural, columns.map((c) => Math.max(Math.min(c.length, 20), MIN_COLUMN_WIDTH)), width - SEPARATOR.length * Math.max(0, columns.length - 1));
  const line = (values: readonly string[]) => values.map((v, i) => cut(v, widths[i] ?? 0).padEnd(widths[i] ?? 0)).join(SEPARATOR).trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)];
  out.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'}${note ? `; ${note}` : ''})`);
  return `${out.join('\n')}\n`;
}

/**
 * Column widths that fit `room`: the widest columns are narrowed first, to a common cap, never
 * below their minimum. Columns that already fit keep their width.
 */
function fit(natural: readonly number[], minimum: readonly number[], room: number): number[] {
  const total = (cap: number) => natural.reduce((sum, w, i) => sum + Math.min(w, Math.max(cap, minimum[i] ?? 0)), 0);
  let low = 0;
  let high = Math.max(0, ...natural);
  if (total(high) <= room) return [...natural];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (total(mid) <= room) low = mid;
    else high = mid - 1;
  }
  return natural.map((w, i) => Math.min(w, Math.max(low, minimum[i] ?? 0)));
}

function cut(value: string, width: number): string {
  return value.length <= width ? value : `${value.slice(0, Math.max(0, width - 1))}${ELLIPSIS}`;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return isoTime(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function jsonValue(value: unknown, kind: ColumnKind): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return isoTime(value);
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (typeof value !== 'string') return value;
  if (kind === 'integer') {
    const n = Number(value);
    return /^-?\d+(\.\d+)?$/.test(value) && Number.isFinite(n) && (Number.isSafeInteger(n) || String(n) === value) ? n : value;
  }
  if (kind === 'time') return isoTimeText(value);
  return value;
}

/** `2025-03-14T14:12:07Z`: milliseconds only when there are some. */
export function isoTime(date: Date): string {
  return Number.isNaN(date.getTime()) ? String(date) : date.toISOString().replace('.000Z', 'Z');
}

/**
 * PostgreSQL's text of a timestamp (`2025-03-14 14:12:07.5+00`, `... +05:30`, `2025-03-14 14:12:07`)
 * in ISO 8601 (`2025-03-14T14:12:07.5Z`), every digit kept; `infinity` and BC dates as they are.
 */
export function isoTimeText(value: string): string {
  const m = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:([+-])(\d{2})(?::?(\d{2}))?(?::(\d{2}))?)?$/.exec(value);
  if (!m) return value;
  const [, date, time, sign, hours, minutes, seconds] = m;
  if (!sign) return `${date}T${time}`;
  if (hours === '00' && (minutes ?? '00') === '00' && !seconds) return `${date}T${time}Z`;
  return `${date}T${time}${sign}${hours}:${minutes ?? '00'}${seconds ? `:${seconds}` : ''}`;
}

/** Which database rows come from, for people: `embedded database in DIR` or `database postgres://...`. */
export function databaseNote(db: { readonly kind: string; readonly location: string }): string {
  return db.kind === 'server' ? `database ${db.location}` : `embedded database in ${db.location}`;
}

/** The width tables should fit: the terminal's, else COLUMNS, else a default. */
export function outputWidth(stream: NodeJS.WritableStream, env: Readonly<Record<string, string | undefined>>): number {
  const columns = (stream as { isTTY?: boolean; columns?: number }).isTTY ? (stream as { columns?: number }).columns : Number(env.COLUMNS);
  return columns && Number.isInteger(columns) && columns >= 20 ? columns : DEFAULT_TABLE_WIDTH;
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Lines of the mail shown on each side of the point where matching stopped. */
const EXCERPT_CONTEXT_LINES = 2;

/** The lines of `text` around 1-based `line`, numbered, the line itself marked with `>`. */
export function excerpt(text: string, line: number, width = DEFAULT_TABLE_WIDTH): string {
  const all = text.split('\n');
  const from = Math.max(0, line - 1 - EXCERPT_CONTEXT_LINES);
  return all
    .slice(from, line + EXCERPT_CONTEXT_LINES)
    .map((l, i) => cut(`${from + i + 1 === line ? '>' : ' '} ${String(from + i + 1).padStart(4)} | ${l}`, width).trimEnd())
    .join('\n')
    .concat('\n');
}
