import type { Properties, Source, TrackInput } from "../types.js";
import { parseStartPayload } from "./payload.js";
import { arr, clip, id, isObject, num, obj, str, unixSecondsToIso, type Json } from "./read.js";
import { assignIds } from "./ids.js";
import { failure, guard, type AdapterOptions, type AdapterResult } from "./result.js";

/**
 * Maps a VK Callback API event (dev.vk.com/ru/api/callback/getting-started) or a Bots Long Poll
 * answer (`{ts, updates: [...]}`) to events:
 * - message_new with `ref` (a vk.me/…?ref=…&ref_source=… link) or the Start button
 *   (payload {"command":"start"}) → bot_started; source.payload = ref, source.source = ref_source,
 *   and a ref written in the deep-link convention fills medium/campaign/… as for Telegram;
 * - message_new with a keyboard button payload → button_clicked (properties.payload);
 * - other message_new → message_received;
 * - message_event (callback button) → button_clicked;
 * - message_allow / message_deny → subscribed / unsubscribed.
 * `confirmation` and other types produce no events. botId defaults to group_id.
 */
export function vkUpdateToEvents(body: unknown, options: AdapterOptions = {}): AdapterResult {
  return guard("vk", () => {
    if (!isObject(body)) return failure("vk: the body must be a JSON object");
    const updates = arr(body, "updates");
    if (updates) {
      const events: TrackInput[] = [];
      const skipped: string[] = [];
      for (const update of updates) {
        const result = fromEvent(update, options);
        if (result.ok) {
          events.push(...result.events);
          skipped.push(...result.skipped);
        } else skipped.push(result.error);
      }
      return { ok: true, events, skipped };
    }
    // A Long Poll answer asking for a new key or ts has no updates to count.
    if (num(body, "failed") !== undefined) return { ok: true, events: [], skipped: [] };
    return fromEvent(body, options);
  });
}

function fromEvent(event: unknown, options: AdapterOptions): AdapterResult {
  const result = mapEvent(event, options);
  if (result.ok) assignIds(result.events, vkIdentity(event));
  return result;
}

/** VK's event_id (Callback API, and Long Poll since 5.103) is unique per community; older payloads fall back to the message's own id. */
function vkIdentity(event: unknown): string | undefined {
  const groupId = id(event, "group_id") ?? "";
  const eventId = id(event, "event_id");
  if (eventId !== undefined) return `event:${groupId}:${eventId}`;
  const object = obj(event, "object");
  const message = obj(object, "message") ?? object;
  const messageId = id(message, "id");
  const peerId = id(message, "peer_id") ?? "";
  if (str(event, "type") === "message_new" && messageId !== undefined && messageId !== "0") return `message:${groupId}:${peerId}:${messageId}`;
  return undefined;
}

function mapEvent(event: unknown, options: AdapterOptions): AdapterResult {
  const type = str(event, "type");
  if (type === undefined) return failure("vk: an event needs a string type");
  const botId = options.botId ?? id(event, "group_id");
  const object = obj(event, "object");
  switch (type) {
    case "message_new": {
      // API ≥ 5.103 nests the message in object.message; older versions put it in object.
      const message = obj(object, "message") ?? object;
      return message ? fromMessage(message, botId) : failure("vk: message_new without object.message");
    }
    case "message_event": {
      const userId = id(object, "user_id");
      if (userId === undefined) return failure("vk: message_event without object.user_id");
      const properties: Properties = { payload: clip(payloadText(object?.["payload"]) ?? "") };
      return { ok: true, events: [{ channel: "vk", botId, userId, type: "button_clicked", properties }], skipped: [] };
    }
    case "message_allow":
    case "message_deny": {
      const userId = id(object, "user_id");
      if (userId === undefined) return failure(`vk: ${type} without object.user_id`);
      const properties: Properties = {};
      const key = str(object, "key");
      if (key !== undefined) properties["key"] = clip(key);
      return { ok: true, events: [{ channel: "vk", botId, userId, type: type === "message_allow" ? "subscribed" : "unsubscribed", properties }], skipped: [] };
    }
    default:
      return { ok: true, events: [], skipped: [] };
  }
}

function fromMessage(message: Json, botId: string | undefined): AdapterResult {
  const userId = id(message, "from_id");
  if (userId === undefined) return failure("vk: message without from_id");
  // Messages the community itself sends come back with out = 1 (or a negative from_id).
  if (num(message, "out") === 1 || userId.startsWith("-")) return { ok: true, events: [], skipped: ["outgoing message"] };
  const common = { channel: "vk" as const, botId, userId, timestamp: unixSecondsToIso(message["date"]) };
  // ref_source is a string in current API versions and was a number in older ones.
  const ref = id(message, "ref");
  const refSource = id(message, "ref_source");
  const source = ref || refSource ? refToSource(ref, refSource) : undefined;
  const payload = payloadText(message["payload"]);
  const properties: Properties = { peerType: Number(message["peer_id"]) >= 2e9 ? "chat" : "user" };
  if (source || isStartPayload(payload)) return { ok: true, events: [{ ...common, type: "bot_started", source, properties }], skipped: [] };
  if (payload !== undefined) return { ok: true, events: [{ ...common, type: "button_clicked", properties: { ...properties, payload: clip(payload) } }], skipped: [] };
  return { ok: true, events: [{ ...common, type: "message_received", properties }], skipped: [] };
}

function refToSource(ref: string | undefined, refSource: string | undefined): Source {
  const source: Source = ref ? parseStartPayload(ref) : {};
  if (refSource) source.source = refSource.slice(0, 256);
  return source;
}

function payloadText(payload: unknown): string | undefined {
  if (payload === undefined || payload === null) return undefined;
  return typeof payload === "string" ? payload : JSON.stringify(payload);
}

function isStartPayload(payload: string | undefined): boolean {
  if (payload === undefined) return false;
  try {
    const parsed: unknown = JSON.parse(payload);
    return isObject(parsed) && parsed["command"] === "start";
  } catch {
    return false;
  }
}
