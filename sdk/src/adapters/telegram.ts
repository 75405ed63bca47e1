import type { Properties, TrackInput } from "../types.js";
import { parseStartPayload } from "./payload.js";
import { arr, clip, id, isObject, num, obj, str, unixSecondsToIso, type Json } from "./read.js";
import { assignIds } from "./ids.js";
import { failure, guard, type AdapterOptions, type AdapterResult } from "./result.js";

/** Currencies whose Bot API amounts have no minor units (core.telegram.org/bots/payments#supported-currencies). */
const ZERO_DECIMAL = new Set(["CLP", "ISK", "JPY", "KRW", "PYG", "UGX", "VND", "XTR"]);
const START = /^\/start(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/;
/** Message kinds worth telling apart in reports; the text itself is never sent (privacy). */
const MESSAGE_KINDS = ["text", "photo", "video", "voice", "video_note", "audio", "document", "sticker", "animation", "contact", "location", "venue", "poll", "dice"] as const;

/**
 * Maps one Telegram Bot API Update (core.telegram.org/bots/api#update) to events:
 * - message "/start [payload]" → bot_started, with the payload parsed per the deep-link convention;
 * - message with successful_payment → payment (revenue in major units);
 * - any other private or group message from a user → message_received;
 * - callback_query → button_clicked (properties.data);
 * - my_chat_member: the user blocked the bot → blocked, unblocked it → subscribed.
 * Other update kinds (edits, channel posts, inline queries…) produce no events.
 */
export function telegramUpdateToEvents(update: unknown, options: AdapterOptions = {}): AdapterResult {
  return guard("telegram", () => {
    if (!isObject(update) || num(update, "update_id") === undefined) {
      return failure("telegram: not a Bot API Update (an object with a numeric update_id expected)");
    }
    const result = mapUpdate(update, { channel: "telegram" as const, botId: options.botId });
    if (result.ok) assignIds(result.events, `update:${num(update, "update_id")}`);
    return result;
  });
}

function mapUpdate(update: Json, base: Base): AdapterResult {
  const message = obj(update, "message");
  if (message) return fromMessage(message, base);
  const callback = obj(update, "callback_query");
  if (callback) return fromCallback(callback, base);
  const member = obj(update, "my_chat_member");
  if (member) return fromMyChatMember(member, base);
  return { ok: true, events: [], skipped: [] };
}

type Base = Pick<TrackInput, "channel" | "botId">;

function fromMessage(message: Json, base: Base): AdapterResult {
  const userId = id(obj(message, "from"), "id");
  if (userId === undefined) {
    // Anonymous group admins and channel posts have no `from`: there is no user to count.
    if (obj(message, "sender_chat")) return { ok: true, events: [], skipped: ["message from a chat, not a user"] };
    return failure("telegram: message.from.id is missing");
  }
  const timestamp = unixSecondsToIso(message["date"]);
  const chatType = str(obj(message, "chat"), "type");
  const common = { ...base, userId, timestamp };
  const payment = obj(message, "successful_payment");
  if (payment) {
    const currency = str(payment, "currency");
    const total = num(payment, "total_amount");
    if (!currency || total === undefined) return failure("telegram: successful_payment needs currency and total_amount");
    const revenue = ZERO_DECIMAL.has(currency) ? total : total / 100;
    const properties: Properties = { chatType: chatType ?? null };
    const invoice = str(payment, "invoice_payload");
    if (invoice !== undefined) properties["invoicePayload"] = clip(invoice);
    return { ok: true, events: [{ ...common, type: "payment", revenue, currency, properties }], skipped: [] };
  }
  const text = str(message, "text");
  const start = text === undefined ? null : START.exec(text);
  if (start) {
    const payload = start[1]?.trim() ?? "";
    const source = payload === "" ? undefined : parseStartPayload(payload);
    return { ok: true, events: [{ ...common, type: "bot_started", source, properties: { chatType: chatType ?? null } }], skipped: [] };
  }
  const properties: Properties = { chatType: chatType ?? null, kind: MESSAGE_KINDS.find((kind) => message[kind] !== undefined) ?? "other" };
  const command = text !== undefined && isCommand(message) ? /^\/([A-Za-z0-9_]+)/.exec(text)?.[1] : undefined;
  if (command) properties["command"] = command;
  return { ok: true, events: [{ ...common, type: "message_received", properties }], skipped: [] };
}

function isCommand(message: Json): boolean {
  const entities = arr(message, "entities") ?? [];
  return entities.some((entity) => str(entity, "type") === "bot_command" && num(entity, "offset") === 0);
}

function fromCallback(callback: Json, base: Base): AdapterResult {
  const userId = id(obj(callback, "from"), "id");
  if (userId === undefined) return failure("telegram: callback_query.from.id is missing");
  const properties: Properties = {};
  const data = str(callback, "data");
  if (data !== undefined) properties["data"] = clip(data);
  const gameName = str(callback, "game_short_name");
  if (gameName !== undefined) properties["game"] = clip(gameName);
  const chatType = str(obj(obj(callback, "message"), "chat"), "type");
  if (chatType !== undefined) properties["chatType"] = chatType;
  // A callback query carries no date: the SDK stamps it when tracked, which is when it arrived.
  return { ok: true, events: [{ ...base, type: "button_clicked", userId, properties }], skipped: [] };
}

function fromMyChatMember(member: Json, base: Base): AdapterResult {
  const userId = id(obj(member, "from"), "id");
  if (userId === undefined) return failure("telegram: my_chat_member.from.id is missing");
  // Only a private chat's status is the user's relation to the bot; groups are about the group.
  if (str(obj(member, "chat"), "type") !== "private") return { ok: true, events: [], skipped: [] };
  const before = str(obj(member, "old_chat_member"), "status");
  const after = str(obj(member, "new_chat_member"), "status");
  const timestamp = unixSecondsToIso(member["date"]);
  if (after === "kicked") return { ok: true, events: [{ ...base, type: "blocked", userId, timestamp }], skipped: [] };
  if (after === "member" && before === "kicked") return { ok: true, events: [{ ...base, type: "subscribed", userId, timestamp }], skipped: [] };
  return { ok: true, events: [], skipped: [] };
}
