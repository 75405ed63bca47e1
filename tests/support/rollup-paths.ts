import type { Storage } from "@chatfunnel/core";
import type { Event } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";

/**
 * What the tests that force a fact's events and rollup paths share: the slot the rollups cut at, the session
 * timeouts the rollup can serve, the project's timeout, ranges moved onto slot bounds and a hand-made event.
 */
export const SLOT_MS = 15 * 60_000;

/** Timeouts the rollup can cut sessions for (at least one slot); 30 is the default the reference knows. */
export const TIMEOUTS_MIN = [15, 30, 30, 45, 120] as const;

export async function setTimeoutMin(storage: Storage, projectId: string, minutes: number): Promise<void> {
  await storage.insertRows("projects", [{ project_id: projectId, name: projectId, timezone: "UTC", session_timeout_min: minutes, updated_at: "2030-01-01 00:00:00.000" }]);
}

/** Bounds moved down to slot boundaries, so the rollup path can answer them. */
export function onSlots(filters: ResolvedFilters): ResolvedFilters {
  const fromMs = Math.floor(filters.fromMs / SLOT_MS) * SLOT_MS;
  const toMs = Math.max(fromMs + SLOT_MS, Math.floor(filters.toMs / SLOT_MS) * SLOT_MS);
  return { ...filters, fromMs, toMs };
}

/** Event `id` (a fixed UUID from the number) of user u1 on bot-a in Telegram at `at`. */
export const handEvent = (id: number, type: string, at: string, extra: Partial<Event> = {}): Event => ({
  id: `00000000-0000-4000-8000-${String(id).padStart(12, "0")}`,
  type,
  channel: "telegram",
  botId: "bot-a",
  userId: "u1",
  timestamp: at,
  ...extra,
});

/**
 * One slot piece that starts with a reply before the request: a reply at 10:01, the request at 10:03, its reply at
 * 10:05 (first response 120 s). The rollups skip only rows whose last event is before the request, not those
 * whose first is; both engagement and support are checked on it.
 */
export const REPLY_BEFORE_REQUEST: Event[] = [
  handEvent(1, "message_sent", "2026-05-12T10:01:00.000Z"),
  handEvent(2, "message_received", "2026-05-12T10:03:00.000Z"),
  handEvent(3, "message_sent", "2026-05-12T10:05:00.000Z"),
];
