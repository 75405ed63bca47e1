import type { Properties, TrackInput } from "../types.js";
import { buttonClickEvents, parseBroadcastButton } from "./broadcast-button.js";
import { assignIds } from "./ids.js";
import { parseStartPayload } from "./payload.js";
import { arr, clip, id, isObject, num, obj, str, unixSecondsToIso, type Json } from "./read.js";
import { failure, guard, type AdapterOptions, type AdapterResult } from "./result.js";

/** Currencies whose Bot API amounts have no minor units (core.telegram.org/bots/payments#supported-currencies). */
const ZERO_DECIMAL = new Set(["CLP", "ISK", "JPY", "KRW", "PYG", "UGX", "VND", "XTR"]);
const START = /^\/start(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/;
/** Message kinds that are something a user sent: only these count as requests. The text itself is never sent (privacy). */
const CONTENT_KINDS = [
  "text",
  "photo",
  "video",
  "voice",
  "video_note",
  "audio",
  "document",
  "sticker",
  "animation",
  "contact",
  "location",
  "venue",
  "poll",
  "dice",
  "story",
  "game",
  "paid_media",
  "checklist",
  "web_app_data",
] as const;
/** Telegram's fixed accounts: GroupAnonymousBot (anonymous group admins) and the service account that auto-forwards channel posts. */
const GROUP_ANONYMOUS_BOT = "1087968824";
const TELEGRAM_SERVICE = "777000";
/** Update kinds with no analytics meaning, and why. */
const SKIPPED_KINDS: Record<string, string> = {
  edited_message: "an edit of an earlier message",
  edited_business_message: "an edit of an earlier message",
  channel_post: "a channel post (no user sent it to the bot)",
  edited_channel_post: "an edit of a channel post",
  inline_query: "an inline query (typing @bot in another chat)",
  chosen_inline_result: "a chosen inline result",
  shipping_query: "a shipping query (the payment arrives as successful_payment)",
  pre_checkout_query: "a pre-checkout query (the payment arrives as successful_payment)",
  poll: "a poll's state changed",
  message_reaction: "a reaction to a message, not a request",
  message_reaction_count: "anonymous reaction counts",
  chat_member: "a member's status in a group or channel changed",
  chat_join_request: "a request to join a group or channel",
  chat_boost: "a chat boost",
  removed_chat_boost: "a chat boost removed",
  business_connection: "a business account connected or disconnected",
  deleted_business_messages: "messages deleted in a business chat",
  purchased_paid_media: "paid media bought (the update carries no amount)",
};

/**
 * Maps one Telegram Bot API Update (core.telegram.org/bots/api#update) to events; README
 * "Messenger adapters" lists every rule:
 * - a user's message: "/start [payload]" → bot_started (payload parsed per the deep-link
 *   convention), successful_payment → payment, any other content → message_received;
 *   a business_message counts like a message;
 * - callback_query → button_clicked (and broadcast_clicked with broadcastId for data written
 *   `cf:b=<broadcastId>;…`, see broadcast-button.ts); poll_answer → survey_answered;
 * - my_chat_member in a private chat: blocked → blocked, unblocked → subscribed.
 * Service messages (members joining or leaving, pins, topics, giveaways…), messages on behalf of
 * a chat (anonymous group admins, channels), bots' messages, edits and the other update kinds
 * produce no event and name their reason in `skipped`.
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

type Base = Pick<TrackInput, "channel" | "botId">;

function skip(reason: string): AdapterResult {
  return { ok: true, events: [], skipped: [reason] };
}

function mapUpdate(update: Json, base: Base): AdapterResult {
  const message = obj(update, "message");
  if (message) return fromMessage(message, base);
  const business = obj(update, "business_message");
  if (business) return fromMessage(business, base, { business: true });
  const callback = obj(update, "callback_query");
  if (callback) return fromCallback(callback, base);
  const member = obj(update, "my_chat_member");
  if (member) return fromMyChatMember(member, base);
  const pollAnswer = obj(update, "poll_answer");
  if (pollAnswer) return fromPollAnswer(pollAnswer, base);
  const kind = Object.keys(update).find((key) => key !== "update_id");
  if (kind === undefined) return skip("an update with no content");
  return skip(SKIPPED_KINDS[kind] ?? `a "${kind}" update carries no analytics event`);
}

function fromMessage(message: Json, base: Base, extra: Properties = {}): AdapterResult {
  const from = obj(message, "from");
  const userId = id(from, "id");
  // Anonymous group admins all share GroupAnonymousBot's id, channels post as the chat itself:
  // counting them would merge every such sender into one "user".
  if (obj(message, "sender_chat") || userId === GROUP_ANONYMOUS_BOT) return skip("a message sent on behalf of a chat (anonymous group admin or channel)");
  // Outside channels (channel_post) the Bot API always names a sender, a fake one for chats: a
  // message without one is not an Update Telegram sends.
  if (userId === undefined) return failure("telegram: message.from.id is missing");
  if (userId === TELEGRAM_SERVICE || message["is_automatic_forward"] === true) return skip("a channel post forwarded automatically into its discussion group");
  if (from?.["is_bot"] === true) return skip("a message from a bot");
  const timestamp = unixSecondsToIso(message["date"]);
  const chatType = str(obj(message, "chat"), "type");
  const common = { ...base, userId, timestamp };
  const payment = obj(message, "successful_payment");
  if (payment) {
    const currency = str(payment, "currency");
    const total = num(payment, "total_amount");
    if (!currency || total === undefined) return failure("telegram: successful_payment needs currency and total_amount");
    const revenue = ZERO_DECIMAL.has(currency) ? total : total / 100;
    const properties: Properties = { chatType: chatType ?? null, ...extra };
    const invoice = str(payment, "invoice_payload");
    if (invoice !== undefined) properties["invoicePayload"] = clip(invoice);
    if (payment["is_recurring"] === true) properties["recurring"] = true;
    return { ok: true, events: [{ ...common, type: "payment", revenue, currency, properties }], skipped: [] };
  }
  const kind = CONTENT_KINDS.find((key) => message[key] !== undefined);
  if (kind === undefined) {
    const service = Object.keys(message).find((key) => !MESSAGE_ENVELOPE.has(key));
    return skip(service === undefined ? "a message with no content" : `a service message (${service})`);
  }
  const text = str(message, "text");
  // A forwarded "/start" is someone else's command, not this user opening the bot.
  const forwarded = message["forward_origin"] !== undefined || message["forward_from"] !== undefined || message["forward_from_chat"] !== undefined || message["forward_date"] !== undefined;
  const start = text === undefined || forwarded ? null : START.exec(text);
  if (start) {
    const payload = start[1]?.trim() ?? "";
    const source = payload === "" ? undefined : parseStartPayload(payload);
    return { ok: true, events: [{ ...common, type: "bot_started", source, properties: { chatType: chatType ?? null, ...extra } }], skipped: [] };
  }
  const properties: Properties = { chatType: chatType ?? null, kind, ...extra };
  const command = text !== undefined && isCommand(message) ? /^\/([A-Za-z0-9_]+)/.exec(text)?.[1] : undefined;
  if (command) properties["command"] = command;
  if (forwarded) properties["forwarded"] = true;
  return { ok: true, events: [{ ...common, type: "message_received", properties }], skipped: [] };
}

/** Fields every message has or may have beside its content: anything else is a service message's own field. */
const MESSAGE_ENVELOPE = new Set([
  "message_id",
  "message_thread_id",
  "direct_messages_topic",
  "from",
  "sender_chat",
  "sender_boost_count",
  "sender_business_bot",
  "sender_tag",
  "date",
  "business_connection_id",
  "chat",
  "forward_origin",
  "forward_from",
  "forward_from_chat",
  "forward_from_message_id",
  "forward_signature",
  "forward_sender_name",
  "forward_date",
  "is_topic_message",
  "is_automatic_forward",
  "reply_to_message",
  "external_reply",
  "quote",
  "reply_to_story",
  "reply_to_checklist_task_id",
  "via_bot",
  "edit_date",
  "has_protected_content",
  "is_from_offline",
  "is_paid_post",
  "media_group_id",
  "author_signature",
  "paid_star_count",
  "entities",
  "caption",
  "caption_entities",
  "show_caption_above_media",
  "has_media_spoiler",
  "link_preview_options",
  "effect_id",
  "reply_markup",
  "suggested_post_info",
]);

function isCommand(message: Json): boolean {
  const entities = arr(message, "entities") ?? [];
  return entities.some((entity) => str(entity, "type") === "bot_command" && num(entity, "offset") === 0);
}

function fromCallback(callback: Json, base: Base): AdapterResult {
  const userId = id(obj(callback, "from"), "id");
  if (userId === undefined) return failure("telegram: callback_query.from.id is missing");
  const properties: Properties = {};
  const data = str(callback, "data");
  if (data !== undefined) {
    properties["button"] = clip(data);
    properties["data"] = clip(data);
  }
  const gameName = str(callback, "game_short_name");
  if (gameName !== undefined) properties["game"] = clip(gameName);
  const chatType = str(obj(obj(callback, "message"), "chat"), "type");
  if (chatType !== undefined) properties["chatType"] = chatType;
  // A callback query carries no date: the SDK stamps it when tracked, which is when it arrived.
  return { ok: true, events: buttonClickEvents({ ...base, userId, properties }, data === undefined ? undefined : parseBroadcastButton(data)), skipped: [] };
}

function fromPollAnswer(answer: Json, base: Base): AdapterResult {
  const userId = id(obj(answer, "user"), "id");
  if (userId === undefined) return skip("an anonymous poll answer (voted on behalf of a chat)");
  const options = (arr(answer, "option_ids") ?? []).filter((option) => typeof option === "number");
  if (options.length === 0) return skip("a retracted poll vote");
  const pollId = str(answer, "poll_id") ?? "";
  return { ok: true, events: [{ ...base, type: "survey_answered", userId, properties: { question: clip(`poll:${pollId}`), answer: options.join(",") } }], skipped: [] };
}

function fromMyChatMember(member: Json, base: Base): AdapterResult {
  const userId = id(obj(member, "from"), "id");
  if (userId === undefined) return failure("telegram: my_chat_member.from.id is missing");
  // Only a private chat's status is the user's relation to the bot; groups are about the group.
  if (str(obj(member, "chat"), "type") !== "private") return skip("the bot's membership in a group or channel changed");
  const before = str(obj(member, "old_chat_member"), "status");
  const after = str(obj(member, "new_chat_member"), "status");
  const timestamp = unixSecondsToIso(member["date"]);
  if (after === "kicked") return { ok: true, events: [{ ...base, type: "blocked", userId, timestamp }], skipped: [] };
  if (after === "member" && before === "kicked") return { ok: true, events: [{ ...base, type: "subscribed", userId, timestamp, properties: { subscription: "bot" } }], skipped: [] };
  return skip(`the bot's status in a private chat changed from ${before ?? "?"} to ${after ?? "?"}`);
}
