import { Counter, Gauge, Histogram } from "prom-client";
import type { Config } from "@chatfunnel/schemas";
import type { Logger, Metrics, Storage } from "@chatfunnel/core";
import { WebhookScheduler } from "@chatfunnel/ingest";

/**
 * The webhook scheduler with its attempts, latency and backlog on /metrics: the embedded process runs one
 * in-process, the distributed worker runs one while it holds the lease (server/src/worker-process.ts).
 */
export function createInstrumentedWebhookScheduler(storage: Storage, config: Config, metrics: Metrics, logger: Logger): { scheduler: WebhookScheduler; stopGauge: () => void } {
  const attempts = new Counter({
    name: "chatfunnel_webhook_attempts_total",
    help: "Webhook delivery attempts by the state they left the delivery in (delivered, retrying, failed)",
    labelNames: ["state"],
    registers: [metrics.registry],
  });
  const attemptDuration = new Histogram({
    name: "chatfunnel_webhook_attempt_duration_ms",
    help: "Duration of one webhook POST, until the answer or the timeout",
    buckets: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000],
    registers: [metrics.registry],
  });
  const deliveryLatency = new Histogram({
    name: "chatfunnel_webhook_delivery_latency_ms",
    help: "From an event stored to its webhook delivery answered 2xx",
    buckets: [50, 100, 250, 500, 1000, 2500, 5000, 10000, 60000, 600000, 3600000, 86400000],
    registers: [metrics.registry],
  });
  const queued = new Gauge({ name: "chatfunnel_webhook_queued_deliveries", help: "Unfinished webhook deliveries held in memory", registers: [metrics.registry] });
  const scheduler = new WebhookScheduler(storage, config, logger, {
    onAttempt: (state, durationMs) => {
      attempts.inc({ state });
      attemptDuration.observe(durationMs);
    },
    onDelivered: (sinceStoredMs) => deliveryLatency.observe(sinceStoredMs),
  });
  const gauge = setInterval(() => queued.set(scheduler.queued), 1000);
  gauge.unref();
  return { scheduler, stopGauge: () => clearInterval(gauge) };
}
