// The collector's own lists and grammars (contract/, plain code): bundled into the SDK, so the checks here
// are the collector's and no copy can drift.
import { CHANNELS, CURRENCY_PATTERN, MAX_EVENT_TYPE_LENGTH, MAX_ID_LENGTH, isChannel, isEventType } from "@chatfunnel/contract";
import type { QueuedEvent } from "./types.js";

/**
 * The few checks worth doing before a round trip, cheap enough for every track() call.
 * The collector validates everything again and reports the rest per event (onRejected).
 * Returns a reason, or undefined when the event may be sent.
 */
export function cheapInvalidReason(event: Omit<QueuedEvent, "timestamp"> & { timestamp: unknown }, knownTypes?: Set<string>): string | undefined {
  if (knownTypes === undefined || !knownTypes.has(event.type)) {
    if (typeof event.type !== "string" || !isEventType(event.type)) return `type must be snake_case (≤ ${MAX_EVENT_TYPE_LENGTH} chars), got ${JSON.stringify(event.type)}`;
    // Most bots use a handful of types: remember the good ones so the regex runs once per type.
    if (knownTypes !== undefined && knownTypes.size < 1000) knownTypes.add(event.type);
  }
  if (!isChannel(event.channel)) return `channel must be one of ${CHANNELS.join(", ")}, got ${JSON.stringify(event.channel)}`;
  if (!isIdString(event.botId)) return `botId must be a non-empty string of at most ${MAX_ID_LENGTH} characters (set it per event or in the options, or in a grammY handler use ctx.chatfunnel)`;
  if (!isIdString(event.userId)) return `userId must be a non-empty string of at most ${MAX_ID_LENGTH} characters`;
  // A Date given to track() is kept as epoch ms; an invalid Date shows up here as NaN.
  if (typeof event.timestamp === "number" ? !Number.isFinite(event.timestamp) : typeof event.timestamp !== "string") return "timestamp must be a valid Date or an ISO 8601 string";
  if (event.revenue !== undefined) {
    if (typeof event.revenue !== "number" || !(event.revenue >= 0) || event.revenue === Infinity) return "revenue must be a finite number ≥ 0";
    if (typeof event.currency !== "string" || !CURRENCY_PATTERN.test(event.currency)) return "currency (ISO 4217, e.g. RUB) is required when revenue is set";
  }
  return undefined;
}

function isIdString(value: unknown): boolean {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH;
}
