import { Counter } from "prom-client";
import type { Config } from "@chatfunnel/schemas";
import type { Logger, Metrics, Storage } from "@chatfunnel/core";
import { DigestScheduler } from "@chatfunnel/api";

/**
 * The digest scheduler with its sends on /metrics: the embedded process runs one in-process, the distributed
 * worker runs one while it holds the lease (server/src/worker-process.ts), beside the webhook scheduler.
 */
export function createInstrumentedDigestScheduler(storage: Storage, config: Config, metrics: Metrics, logger: Logger): DigestScheduler {
  const sends = new Counter({
    name: "chatfunnel_digest_sends_total",
    help: "Scheduled digest sends by schedule and outcome (sent: every Bot API or webhook call succeeded; failed: refused, unanswered, or the figures could not be read)",
    labelNames: ["schedule", "outcome"],
    registers: [metrics.registry],
  });
  return new DigestScheduler(storage, config, logger, {
    onSent: (digest, result) => sends.inc({ schedule: digest.schedule, outcome: result.ok ? "sent" : "failed" }),
    onFailed: (digest) => sends.inc({ schedule: digest.schedule, outcome: "failed" }),
  });
}
