import { randomUUID } from "node:crypto";
import type { Event } from "@chatfunnel/schemas";

/** A valid event with sensible defaults; tests override what they are about. */
export function makeEvent(overrides: Partial<Event> = {}): Event {
  return {
    id: randomUUID(),
    type: "message_received",
    channel: "telegram",
    botId: "bot-1",
    userId: "user-1",
    timestamp: "2026-05-01T10:00:00+03:00",
    ...overrides,
  };
}
