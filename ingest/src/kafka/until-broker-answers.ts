import { abortableDelay, type Logger } from "@chatfunnel/core";

const BROKER_WAIT_FIRST_MS = 500;
const BROKER_WAIT_MAX_MS = 10_000;

/**
 * Runs `attempt` until the broker answers it: a consumer or worker started before its broker (or while
 * the broker restarts) waits, logging each retry with a growing delay, instead of exiting after the
 * client's own few retries. Health answers "not ready" meanwhile; `stopping` (SIGTERM) ends the wait and
 * the process (there is nothing to drain yet).
 */
export async function untilBrokerAnswers(attempt: () => Promise<void>, logger: Logger, stopping: AbortSignal): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const delayMs = Math.min(BROKER_WAIT_MAX_MS, BROKER_WAIT_FIRST_MS * 2 ** (tries - 1));
      logger.warn("Kafka broker not reachable; waiting for it", { error, attempt: tries, retryInMs: delayMs });
      await abortableDelay(delayMs, stopping);
    }
  }
}
