import type { Properties, Source, TrackInput } from "../types.js";
import { buttonClickEvents, parseBroadcastPayload } from "./broadcast-button.js";
import { assignIds } from "./ids.js";
import { MAX_SOURCE_FIELD_LENGTH } from "@chatfunnel/contract";
import { parseStartPayload } from "./payload.js";
import { arr, clip, id, isObject, num, obj, str, unixSecondsToIso, type Json } from "./read.js";
import { failure, guard, type AdapterOptions, type AdapterResult } from "./result.js";

/** Event types with no analytics meaning, and why (anything else unknown gets a generic reason). */
const SKIPPED_TYPES: Record<string, string> = {
  confirmation: "a Callback API server confirmation request",
  message_reply: "an outgoing message (message_reply)",
  message_edit: "an edit of a message",
  message_typing_state: "a typing indicator",
  message_read: "a read receipt",
};

/**
 * Maps a VK Callback API event (dev.vk.com/ru/api/community-events/json-schema) or a Bots Long
 * Poll answer (`{ts, updates: [...]}`) to events; README "Messenger adapters" lists every rule:
 * - message_new with `ref` (a vk.me/…?ref=…&ref_source=… link) or the Start button
 *   (payload {"command":"start"}) → bot_started; source.payload = ref, source.source = ref_source,
 *   and a ref written in the deep-link convention fills medium/campaign/… as for Telegram;
 * - message_new with a keyboard button payload → button_clicked (and broadcast_clicked with broadcastId
 *   for a payload carrying "cf_b", see broadcast-button.ts); other incoming messages →
 *   message_received; service actions (chat_invite_user, chat_kick_user, pins…) and outgoing or
 *   community messages are skipped;
 * - message_event (callback button) → button_clicked (the same for "cf_b");
 * - message_allow / message_deny → subscribed / unsubscribed (properties.subscription = "messages");
 *   group_join / group_leave → subscribed / unsubscribed (properties.subscription = "community");
 * - poll_vote_new → survey_answered.
 * Every other type is skipped with a reason. botId defaults to group_id.
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
      if (updates.length === 0) skipped.push("a Long Poll answer with no updates");
      return { ok: true, events, skipped };
    }
    if (num(body, "failed") !== undefined) return skip("a Long Poll answer asking for a new key or ts");
    return fromEvent(body, options);
  });
}

function skip(reason: string): AdapterResult {
  return { ok: true, events: [], skipped: [reason] };
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
  const peerId = id(message, "peer_id") ?? "";
  const messageId = id(message, "id");
  if (str(event, "type") !== "message_new") return undefined;
  if (messageId !== undefined && messageId !== "0") return `message:${groupId}:${peerId}:${messageId}`;
  const inConversation = id(message, "conversation_message_id");
  return inConversation === undefined ? undefined : `message:${groupId}:${peerId}:c${inConversation}`;
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
      return message && Object.keys(message).length > 0 ? fromMessage(message, botId) : skip("a message_new event without a message");
    }
    case "message_event": {
      const userId = id(object, "user_id");
      if (userId === undefined) return skip("a message_event without user_id");
      const payload = clip(payloadText(object?.["payload"]) ?? "");
      const properties: Properties = { button: payload, payload, peerType: peerType(object?.["peer_id"]) };
      return { ok: true, events: buttonClickEvents({ channel: "vk", botId, userId, properties }, parseBroadcastPayload(payload)), skipped: [] };
    }
    case "message_allow":
    case "message_deny": {
      const userId = id(object, "user_id");
      if (userId === undefined) return skip(`a ${type} event without user_id`);
      const properties: Properties = { subscription: "messages" };
      const key = str(object, "key");
      if (key) properties["key"] = clip(key);
      return { ok: true, events: [{ channel: "vk", botId, userId, type: type === "message_allow" ? "subscribed" : "unsubscribed", properties }], skipped: [] };
    }
    case "group_join":
    case "group_leave": {
      const userId = id(object, "user_id");
      if (userId === undefined) return skip(`a ${type} event without user_id`);
      const properties: Properties = { subscription: "community" };
      const joinType = str(object, "join_type");
      if (joinType !== undefined) properties["joinType"] = joinType;
      if (type === "group_leave") properties["self"] = num(object, "self") === 1;
      return { ok: true, events: [{ channel: "vk", botId, userId, type: type === "group_join" ? "subscribed" : "unsubscribed", properties }], skipped: [] };
    }
    case "poll_vote_new": {
      const userId = id(object, "user_id");
      if (userId === undefined) return skip("a poll vote without user_id");
      const properties: Properties = { question: clip(`poll:${id(object, "poll_id") ?? ""}`), answer: id(object, "option_id") ?? "" };
      return { ok: true, events: [{ channel: "vk", botId, userId, type: "survey_answered", properties }], skipped: [] };
    }
    default:
      return skip(SKIPPED_TYPES[type] ?? `a "${type}" event carries no analytics event`);
  }
}

function peerType(peerId: unknown): string {
  return Number(peerId) >= 2e9 ? "chat" : "user";
}

function fromMessage(message: Json, botId: string | undefined): AdapterResult {
  const userId = id(message, "from_id");
  if (userId === undefined) return skip("a message without from_id");
  // Messages the community itself sends come back with out = 1 (or a negative from_id).
  if (num(message, "out") === 1 || userId.startsWith("-")) return skip("an outgoing message or one from a community");
  const action = str(obj(message, "action"), "type");
  if (action !== undefined) return skip(`a service action in a conversation (${action})`);
  const common = { channel: "vk" as const, botId, userId, timestamp: unixSecondsToIso(message["date"]) };
  // ref_source is a string in current API versions and was a number in older ones.
  const ref = id(message, "ref");
  const refSource = id(message, "ref_source");
  const source = ref || refSource ? refToSource(ref, refSource) : undefined;
  const payload = payloadText(message["payload"]);
  const properties: Properties = { peerType: peerType(message["peer_id"]), kind: messageKind(message) };
  if (source || isStartPayload(payload)) return { ok: true, events: [{ ...common, type: "bot_started", source, properties }], skipped: [] };
  if (payload !== undefined) {
    const button = clip(payload);
    return { ok: true, events: buttonClickEvents({ ...common, properties: { ...properties, button, payload: button } }, parseBroadcastPayload(button)), skipped: [] };
  }
  return { ok: true, events: [{ ...common, type: "message_received", properties }], skipped: [] };
}

/** "text", or the first attachment's type (photo, audio_message, …). The text itself is never sent. */
function messageKind(message: Json): string {
  const attachment = arr(message, "attachments")?.[0];
  return str(attachment, "type") ?? (str(message, "text") ? "text" : (arr(message, "fwd_messages")?.length ?? 0) > 0 ? "forward" : "other");
}

function refToSource(ref: string | undefined, refSource: string | undefined): Source {
  const source: Source = ref ? parseStartPayload(ref) : {};
  if (refSource) source.source = refSource.slice(0, MAX_SOURCE_FIELD_LENGTH);
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
