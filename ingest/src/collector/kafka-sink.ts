import type { SendQueue } from "../kafka/producer.js";
import { toEventMessage } from "../kafka/event-messages.js";
import type { EventSink } from "./event-sink.js";

/**
 * The distributed collector's sink: events become messages on the events topic, and `send`
 * resolves only once the broker acknowledged them from all in-sync replicas. Nothing is refused
 * here ({rejected: []}): a row the engine refuses is dead-lettered by the consumer.
 * Overloaded once maxPendingMessages wait for the broker, or the oldest unacknowledged send has
 * waited more than maxWaitMs (a slow or failing-over broker), so senders back off instead of
 * waiting for answers that come later and later.
 */
export function createKafkaSink(queue: SendQueue, maxPendingMessages: number, maxWaitMs = Number.POSITIVE_INFINITY): EventSink {
  // Sends in the order they started (a Set iterates in insertion order): the first is the oldest.
  const unacknowledged = new Set<{ since: number }>();
  return {
    send: async (projectId, events, receivedAt) => {
      const at = receivedAt.toISOString();
      const token = { since: performance.now() };
      unacknowledged.add(token);
      try {
        await queue.send(events.map((event) => toEventMessage(projectId, event, at)));
      } finally {
        unacknowledged.delete(token);
      }
      return { rejected: [] };
    },
    overloaded: () => {
      if (queue.pendingMessages >= maxPendingMessages) return true;
      const oldest = unacknowledged.values().next();
      return !oldest.done && performance.now() - oldest.value.since > maxWaitMs;
    },
  };
}
