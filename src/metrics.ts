import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from './db/pool.js';

/** Latency buckets in seconds: sub-millisecond extraction up to multi-second commits. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The daemon's Prometheus metrics, on a registry of its own (two daemons in one process stay apart). */
export interface Metrics {
  readonly registry: Registry;
  /** Records one stored mail. */
  mail(result: { status: string; template?: string; event?: string; analyseMs: number; storeMs: number }): void;
  /** Records one HTTP event. */
  httpEvent(event: string, duplicate: boolean): void;
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
  new Gauge({
    name: 'unmacro_unmatched_backlog',
    help: 'Stored mail waiting for a template (unmatched or ambiguous)',
    registers: [registry],
    aggregator: 'max',
    async collect() {
      const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${db.schema}.messages WHERE status IN ('unmatched', 'ambiguous')`);
      this.set(Number(rows[0]?.n ?? 0));
    },
  });
  return {
    registry,
    mail(r) {
      messages.inc({ status: r.status });
      if (r.template) matches.inc({ template: r.template });
      if (r.event) last.set({ event: r.event }, Date.now() / 1000);
      extraction.observe(r.analyseMs / 1000);
      commit.observe(r.storeMs / 1000);
    },
    httpEvent(event, duplicate) {
      http.inc({ event, duplicate: String(duplicate) });
      last.set({ event }, Date.now() / 1000);
    },
  };
}
