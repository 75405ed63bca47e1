import type { SendQueue } from "../kafka/producer.js";
import { toEventMessage } from "../kafka/event-messages.js";
import type { EventSink } from "./event-sink.js";

/**
 * The distributed collector's sink: events become messages on the events topic, and `send`
 * resolves only once the broker acknowledged them from all in-sync replicas.
 */
export function createKafkaSink(queue: SendQueue, maxPendingMessages: number): EventSink {
  return {
    send: (projectId, events, receivedAt) => {
      const at = receivedAt.toISOString();
      return queue.send(events.map((event) => toEventMessage(projectId, event, at)));
    },
    overloaded: () => queue.pendingMessages >= maxPendingMessages,
  };
}
