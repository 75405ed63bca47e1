import { Counter } from "prom-client";
import type { Config } from "@chatfunnel/schemas";
import type { Logger, Metrics, Storage } from "@chatfunnel/core";
import { AlertScheduler, telegramRetryPolicy } from "@chatfunnel/api";

/**
 * The alert scheduler with its evaluations on /metrics: the embedded process runs one in-process, the distributed
 * worker runs one while it holds the lease (server/src/worker-process.ts), beside the webhook scheduler.
 */
export function createInstrumentedAlertScheduler(storage: Storage, config: Config, metrics: Metrics, logger: Logger): AlertScheduler {
  const runs = new Counter({
    name: "chatfunnel_alert_runs_total",
    help: "Scheduled alert evaluations by whether they fired and what their delivery came to (none, sent, failed)",
    labelNames: ["fired", "delivery"],
    registers: [metrics.registry],
  });
  return new AlertScheduler(storage, config, logger, {
    onRun: (run) => runs.inc({ fired: String(run.fired), delivery: run.deliveryState }),
    retry: { policy: telegramRetryPolicy(config), forMs: config.TELEGRAM_ALERT_RETRY_FOR_MS },
  });
}
