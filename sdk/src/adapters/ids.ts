import type { TrackInput } from "../types.js";
import { UPDATE_ID_NAMESPACE, uuidV5 } from "../uuid.js";

/**
 * Gives each event mapped from one messenger object a deterministic id: a v5 UUID of
 * channel, botId, the object's own identity (Telegram update_id, WhatsApp message id or
 * status id + status, VK group_id + event_id), the event type and its ordinal among events of
 * that type from the same object. A re-forwarded update therefore maps to the same ids and the
 * collector's dedup counts it once. Events from an object with no identity keep no id (the SDK
 * then draws a random one).
 */
export function assignIds(events: TrackInput[], identity: string | undefined): void {
  if (identity === undefined) return;
  const seen = new Map<string, number>();
  for (const event of events) {
    if (event.id !== undefined) continue;
    const ordinal = seen.get(event.type) ?? 0;
    seen.set(event.type, ordinal + 1);
    event.id = updateEventId(event.channel ?? "", event.botId ?? "", identity, event.type, ordinal);
  }
}

/** The id formula itself, exported so tests and other-language ports can reproduce it. */
export function updateEventId(channel: string, botId: string, identity: string, type: string, ordinal = 0): string {
  return uuidV5(`${channel}\n${botId}\n${identity}\n${type}\n${ordinal}`, UPDATE_ID_NAMESPACE);
}
