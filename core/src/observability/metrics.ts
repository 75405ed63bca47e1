import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prometheus metrics of one process; names carry their unit. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    eventsAccepted: new Counter({ name: "chatfunnel_events_accepted_total", help: "Events accepted by the collector", registers: [registry] }),
    eventsRejected: new Counter({ name: "chatfunnel_events_rejected_total", help: "Events rejected by validation", registers: [registry] }),
    requests: new Counter({
      name: "chatfunnel_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["route", "status"],
      registers: [registry],
    }),
    rowsWritten: new Counter({ name: "chatfunnel_rows_written_total", help: "Event rows inserted into ClickHouse", registers: [registry] }),
    flushDuration: new Histogram({
      name: "chatfunnel_flush_duration_ms",
      help: "Duration of one batch insert, retries included",
      buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers: [registry],
    }),
    insertErrors: new Counter({ name: "chatfunnel_insert_errors_total", help: "Failed insert attempts", registers: [registry] }),
    writerPendingRows: new Gauge({ name: "chatfunnel_writer_pending_rows", help: "Rows accepted but not yet stored", registers: [registry] }),
    deadLettered: new Counter({
      name: "chatfunnel_dead_lettered_total",
      help: "Kafka messages sent to the dead-letter topic",
      labelNames: ["reason"],
      registers: [registry],
    }),
    queryDuration: new Histogram({
      name: "chatfunnel_query_duration_ms",
      help: "API metric query duration",
      labelNames: ["metric"],
      buckets: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
