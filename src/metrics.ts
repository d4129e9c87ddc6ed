import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from './db/pool.js';
import { unmatchedBacklog } from './db/messages.js';

/** How long a scrape waits for the backlog count before it reports the last one it had. */
const BACKLOG_TIMEOUT_MS = 1_000;

/** Latency buckets in seconds: sub-millisecond extraction up to multi-second commits. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The daemon's Prometheus metrics, on a registry of its own (two daemons in one process stay apart). */
export interface Metrics {
  readonly registry: Registry;
  /** Records one stored mail. */
  mail(result: { status: string; template?: string; event?: string; analyseMs: number; storeMs: number }): void;
  /** Records one HTTP event. */
  httpEvent(event: string, duplicate: boolean): void;
  /** Records one temporary failure answered to a sender (SMTP 451, HTTP 503). */
  temporaryFailure(channel: 'smtp' | 'http'): void;
  /** Records one transaction of the group commit and how many mails it wrote. */
  batch(mails: number): void;
}

export function createMetrics(db: Pick<Database, 'pool' | 'schema'>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'unmacro_' });
  const messages = new Counter({ name: 'unmacro_messages_total', help: 'Mail stored, by status', labelNames: ['status'], registers: [registry] });
  const matches = new Counter({ name: 'unmacro_template_matches_total', help: 'Mail matched, by template', labelNames: ['template'], registers: [registry] });
  const extraction = new Histogram({ name: 'unmacro_extraction_seconds', help: 'Time to decode and match one mail', buckets: BUCKETS, registers: [registry] });
  const commit = new Histogram({ name: 'unmacro_commit_seconds', help: 'Time to store one mail, up to its COMMIT', buckets: BUCKETS, registers: [registry] });
  const http = new Counter({ name: 'unmacro_http_events_total', help: 'HTTP events received, by event and whether they were duplicates', labelNames: ['event', 'duplicate'], registers: [registry] });
  // Gauges say 'max' so that a cluster's workers, each of which can read them, are not summed.
  const last = new Gauge({ name: 'unmacro_last_event_timestamp_seconds', help: 'Unix time of the last event, by event name: alert on silence', labelNames: ['event'], registers: [registry], aggregator: 'max' });
  // /metrics answers during a database outage: one bounded probe per scrape; the backlog keeps its
  // last value and unmacro_database_up says 0.
  let probe: Promise<number | undefined> | undefined;
  const probeOnce = () =>
    (probe ??= Promise.race([
      unmatchedBacklog(db.pool, db.schema).catch(() => undefined),
      new Promise<undefined>((resolve) => setTimeout(resolve, BACKLOG_TIMEOUT_MS, undefined).unref()),
    ]).finally(() => setTimeout(() => (probe = undefined), 0)));
  new Gauge({
    name: 'unmacro_unmatched_backlog',
    help: 'Stored mail waiting for a template (unmatched or ambiguous)',
    registers: [registry],
    aggregator: 'max',
    async collect() {
      const count = await probeOnce();
      if (count !== undefined) this.set(count);
    },
  });
  new Gauge({
    name: 'unmacro_database_up',
    help: 'Whether the database answered the metrics scrape (1) or not (0)',
    registers: [registry],
    aggregator: 'min',
    async collect() {
      this.set((await probeOnce()) === undefined ? 0 : 1);
    },
  });
  const failures = new Counter({
    name: 'unmacro_temporary_failures_total',
    help: 'Temporary failures answered to senders (SMTP 451, HTTP 503): storage unavailable, or too much mail in flight',
    labelNames: ['channel'],
    registers: [registry],
  });
  const batches = new Histogram({
    name: 'unmacro_mail_batch_size',
    help: 'Mails written per transaction (group commit); _count is the number of transactions',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  return {
    registry,
    batch(mails) {
      batches.observe(mails);
    },
    mail(r) {
      messages.inc({ status: r.status });
      if (r.template) matches.inc({ template: r.template });
      if (r.event) last.set({ event: r.event }, Date.now() / 1000);
      extraction.observe(r.analyseMs / 1000);
      commit.observe(r.storeMs / 1000);
    },
    temporaryFailure(channel) {
      failures.inc({ channel });
    },
    httpEvent(event, duplicate) {
      http.inc({ event, duplicate: String(duplicate) });
      last.set({ event }, Date.now() / 1000);
    },
  };
}
