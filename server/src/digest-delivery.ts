import { Counter } from "prom-client";
import type { Config } from "@chatfunnel/schemas";
import type { Logger, Metrics, Storage } from "@chatfunnel/core";
import { DigestScheduler, telegramRetryPolicy } from "@chatfunnel/api";

/**
 * The digest scheduler with its sends on /metrics: the embedded process runs one in-process, the distributed
 * worker runs one while it holds the lease (server/src/worker-process.ts), beside the webhook scheduler.
 */
export function createInstrumentedDigestScheduler(storage: Storage, config: Config, metrics: Metrics, logger: Logger): DigestScheduler {
  // Each scheduled send counted once, at its final outcome: at once, or when the retry queue settles it (a send
  // waiting for a Bot API retry is not counted until then).
  const sends = new Counter({
    name: "chatfunnel_digest_sends_total",
    help: "Scheduled digest sends by schedule, final outcome (sent: every Bot API or webhook call succeeded; failed: refused, given up, unanswered, or the figures could not be read) and whether it came after Bot API retries (retried)",
    labelNames: ["schedule", "outcome", "retried"],
    registers: [metrics.registry],
  });
  return new DigestScheduler(storage, config, logger, {
    onSent: (digest, result) => sends.inc({ schedule: digest.schedule, outcome: result.ok ? "sent" : "failed", retried: "false" }),
    onFailed: (digest) => sends.inc({ schedule: digest.schedule, outcome: "failed", retried: "false" }),
    onRetrySettled: ({ schedule, state }) => sends.inc({ schedule, outcome: state, retried: "true" }),
    retryPolicy: telegramRetryPolicy(config),
  });
}
