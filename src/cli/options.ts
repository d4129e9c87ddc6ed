import { InvalidArgumentError } from 'commander';
import { MESSAGE_STATUSES, type MessageStatus } from '../db/messages.js';

/** Parses `--since`/`--until`: an ISO 8601 date or date-time. */
export function parseDate(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 date such as 2026-11-01 or 2026-11-01T08:00:00Z');
  }
  return date;
}

/** Parses a comma-separated list of message statuses (`all` for every one). */
export function parseStatuses(value: string): MessageStatus[] {
  if (value === 'all') return [...MESSAGE_STATUSES];
  const statuses = value.split(',').map((s) => s.trim());
  const unknown = statuses.filter((s) => !(MESSAGE_STATUSES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown status ${unknown.join(', ')}; expected ${MESSAGE_STATUSES.join(', ')} or all`);
  return statuses as MessageStatus[];
}

/** Parses a positive whole number. */
export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}
