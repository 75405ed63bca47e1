import type { Properties, Source, TrackInput } from "../types.js";
import { arr, clip, id, isObject, obj, str, unixSecondsToIso, type Json } from "./read.js";
import { assignIds } from "./ids.js";
import { failure, guard, type AdapterOptions, type AdapterResult } from "./result.js";

const STATUS_EVENTS = { sent: "broadcast_sent", delivered: "broadcast_delivered", read: "broadcast_read" } as const;

/**
 * Maps one WhatsApp Cloud API webhook body (developers.facebook.com/docs/whatsapp/cloud-api/webhooks)
 * to events:
 * - messages[] → message_received (properties.kind = the message type; text is never sent);
 *   interactive button/list replies and template quick-reply buttons → button_clicked;
 *   a message carrying a click-to-WhatsApp ad `referral` (only the first one after the ad does)
 *   → bot_started with source {source: 'meta_ads'|'meta', medium: 'click_to_whatsapp',
 *   campaign: headline, content: source_id, payload: ctwa_clid or source_id}, then message_received
 *   with the same source; `request_welcome` (a user opening the chat) → bot_started.
 * - statuses[] sent / delivered / read → broadcast_sent / broadcast_delivered / broadcast_read
 *   (failed statuses produce no event).
 * botId defaults to metadata.phone_number_id.
 */
export function whatsappWebhookToEvents(body: unknown, options: AdapterOptions = {}): AdapterResult {
  return guard("whatsapp", () => {
    if (!isObject(body) || str(body, "object") !== "whatsapp_business_account") {
      return failure('whatsapp: not a Cloud API webhook (object "whatsapp_business_account" expected)');
    }
    const entries = arr(body, "entry");
    if (!entries) return failure("whatsapp: entry must be an array");
    const events: TrackInput[] = [];
    const skipped: string[] = [];
    for (const entry of entries) {
      for (const change of arr(entry, "changes") ?? []) {
        if (str(change, "field") !== "messages") continue;
        const value = obj(change, "value");
        if (!value) {
          skipped.push("change without value");
          continue;
        }
        const botId = options.botId ?? str(obj(value, "metadata"), "phone_number_id");
        for (const message of arr(value, "messages") ?? []) {
          const mapped: TrackInput[] = [];
          fromMessage(message, botId, mapped, skipped);
          const messageId = str(message, "id");
          assignIds(mapped, messageId === undefined ? undefined : `message:${messageId}`);
          events.push(...mapped);
        }
        for (const status of arr(value, "statuses") ?? []) {
          const mapped: TrackInput[] = [];
          fromStatus(status, botId, mapped, skipped);
          const statusId = str(status, "id");
          assignIds(mapped, statusId === undefined ? undefined : `status:${statusId}:${str(status, "status")}`);
          events.push(...mapped);
        }
      }
    }
    return { ok: true, events, skipped };
  });
}

function fromMessage(message: unknown, botId: string | undefined, events: TrackInput[], skipped: string[]): void {
  const userId = id(message, "from");
  if (!isObject(message) || userId === undefined) {
    skipped.push("message without from");
    return;
  }
  const common = { channel: "whatsapp" as const, botId, userId, timestamp: unixSecondsToIso(message["timestamp"]) };
  const kind = str(message, "type") ?? "unknown";
  const properties: Properties = { kind };
  const messageId = str(message, "id");
  if (messageId !== undefined) properties["messageId"] = clip(messageId);
  const source = referralSource(obj(message, "referral"));
  if (kind === "request_welcome") {
    events.push({ ...common, type: "bot_started", properties });
    return;
  }
  if (source) events.push({ ...common, type: "bot_started", source, properties: { kind: "ad_referral" } });
  const button = buttonReply(message, kind);
  if (button) {
    events.push({ ...common, type: "button_clicked", source, properties: { ...properties, ...button } });
    return;
  }
  events.push({ ...common, type: "message_received", source, properties });
}

function buttonReply(message: Json, kind: string): Properties | undefined {
  if (kind === "interactive") {
    const interactive = obj(message, "interactive");
    const reply = obj(interactive, "button_reply") ?? obj(interactive, "list_reply");
    if (!reply) return undefined;
    return { buttonId: clip(str(reply, "id") ?? ""), title: clip(str(reply, "title") ?? "") };
  }
  if (kind === "button") {
    const button = obj(message, "button");
    return { payload: clip(str(button, "payload") ?? ""), title: clip(str(button, "text") ?? "") };
  }
  return undefined;
}

function referralSource(referral: Json | undefined): Source | undefined {
  if (!referral) return undefined;
  const source: Source = {
    source: str(referral, "source_type") === "ad" ? "meta_ads" : "meta",
    medium: "click_to_whatsapp",
  };
  const headline = str(referral, "headline");
  if (headline) source.campaign = headline.slice(0, 256);
  const sourceId = str(referral, "source_id");
  if (sourceId) source.content = sourceId.slice(0, 256);
  const payload = str(referral, "ctwa_clid") ?? sourceId;
  if (payload) source.payload = payload.slice(0, 512);
  return source;
}

function fromStatus(status: unknown, botId: string | undefined, events: TrackInput[], skipped: string[]): void {
  const userId = id(status, "recipient_id");
  const state = str(status, "status");
  if (userId === undefined || state === undefined) {
    skipped.push("status without recipient_id or status");
    return;
  }
  if (!(state in STATUS_EVENTS)) return;
  const properties: Properties = {};
  const messageId = str(status, "id");
  if (messageId !== undefined) properties["messageId"] = clip(messageId);
  const category = str(obj(status, "pricing"), "category");
  if (category !== undefined) properties["category"] = category;
  events.push({
    channel: "whatsapp",
    botId,
    userId,
    type: STATUS_EVENTS[state as keyof typeof STATUS_EVENTS],
    timestamp: unixSecondsToIso((status as Json)["timestamp"]),
    properties,
  });
}
