import type { Message } from "kafkajs";
import type { Event, QueuedEvent } from "@chatfunnel/schemas";

/**
 * The partition key: one user's events stay in one partition, so they are consumed in order and
 * per-user work (sessions, funnels) never spans partitions.
 */
export function eventMessageKey(projectId: string, event: Pick<Event, "channel" | "userId">): string {
  return `${projectId}:${event.channel}:${event.userId}`;
}

/** One event as it travels on the topic: QueuedEventSchema as JSON. */
export function toEventMessage(projectId: string, event: Event, receivedAt: string): Message {
  const queued: QueuedEvent = { projectId, receivedAt, event };
  return { key: eventMessageKey(projectId, event), value: JSON.stringify(queued) };
}
