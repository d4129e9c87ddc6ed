import type { QueryResult } from '../db/query.js';

export const FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** Prints query rows as an aligned table (for people), CSV (RFC 4180) or JSON (an array of objects). */
export function formatRows(result: QueryResult, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]]))), null, 2)}\n`;
    case 'csv':
      return [result.columns, ...result.rows.map((row) => row.map(text))].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
    case 'table':
      return table(result);
  }
}

function table({ columns, rows }: QueryResult): string {
  const cells = rows.map((row) => row.map((v) => text(v).replace(/\r?\n/g, '\\n')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ').trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)];
  out.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`);
  return `${out.join('\n')}\n`;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
