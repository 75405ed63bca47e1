import type { Properties, Source, TrackInput } from "../types.js";
import { buttonClickEvents, parseBroadcastButton } from "./broadcast-button.js";
import { assignIds } from "./ids.js";
import { MAX_ID_LENGTH, MAX_SOURCE_PAYLOAD_LENGTH, WHATSAPP_REF_PATTERN } from "@chatfunnel/contract";
import { parseStartPayload } from "./payload.js";
import { arr, clip, id, isObject, num, obj, str, unixSecondsToIso, type Json } from "./read.js";
import { failure, guard, type AdapterOptions, type AdapterResult } from "./result.js";

const STATUS_EVENTS = { sent: "broadcast_sent", delivered: "broadcast_delivered", read: "broadcast_read", failed: "broadcast_failed" } as const;
/** Pricing categories of marketing templates: the only sends that are broadcasts by themselves. */
const BROADCAST_CATEGORIES = new Set(["marketing", "marketing_lite"]);
/**
 * The convention that marks a send as a broadcast whatever its pricing: the business sets
 * `biz_opaque_callback_data: "broadcast:<broadcastId>"` when sending, and WhatsApp echoes it on
 * every status of that message, including failed ones (which carry no pricing). A status names no
 * template and no campaign: `pricing.category` says only that it was marketing, and `conversation.id`
 * is the user's 24-hour window, shared with other sends. Meta documents the field as an arbitrary
 * string (≤ 512 characters) Cloud API does not process and returns in the statuses of that message:
 * developers.facebook.com/docs/whatsapp/cloud-api/reference/messages ("biz_opaque_callback_data") and
 * developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components ("statuses").
 */
const BROADCAST_MARKER = new RegExp(`^broadcast:(.{1,${MAX_ID_LENGTH}})$`, "s");
/** Message types that are a user's request to the bot (anything they wrote or sent). */
const CONTENT_TYPES = new Set(["text", "image", "video", "audio", "voice", "document", "sticker", "location", "contacts"]);
/** Message types that never count as a request, and why. */
const NOT_REQUESTS: Record<string, string> = {
  edit: "the user edited an earlier message",
  revoke: "the user deleted a message",
  reaction: "a reaction to a message, not a request",
  system: "a system notice (the user changed number or identity)",
  unsupported: "a message type WhatsApp does not deliver (unsupported)",
  unknown: "a message of unknown type",
  ephemeral: "a disappearing-message notice",
};

/**
 * Maps one WhatsApp Cloud API webhook body (developers.facebook.com/docs/whatsapp/cloud-api/webhooks)
 * to events. README "Messenger adapters" lists every rule; in short:
 * - messages: content → message_received, button/list replies and template buttons → button_clicked
 *   (and broadcast_clicked with broadcastId for a reply id or payload written `cf:b=<id>;…`),
 *   `order` → order (revenue Σ item_price × quantity), `request_welcome` → bot_started, a
 *   click-to-WhatsApp `referral` → bot_started first (source.payload = the ad's source_id);
 *   edits, revokes, reactions, system notices and unsupported types are skipped with a reason;
 * - statuses of broadcasts (marketing pricing, or biz_opaque_callback_data "broadcast:<id>") →
 *   broadcast_sent / _delivered / _read / _failed (properties.reason); statuses of other sends
 *   (replies, utility and authentication templates) are skipped: they are not broadcasts;
 * - user_preferences marketing opt-out / opt-in → unsubscribed / subscribed.
 * The user is the phone number when WhatsApp gives one, else the business-scoped user id (BSUID);
 * in groups the participant, never the group. botId defaults to metadata.phone_number_id.
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
        const field = str(change, "field");
        const value = obj(change, "value");
        if (!value) {
          skipped.push(`a "${field ?? "?"}" change without a value`);
          continue;
        }
        const botId = options.botId ?? str(obj(value, "metadata"), "phone_number_id");
        const contacts = (arr(value, "contacts") ?? []).filter(isObject);
        for (const error of arr(value, "errors") ?? []) skipped.push(`a webhook error from WhatsApp: ${errorText(error)}`);
        if (field === "messages") {
          for (const message of arr(value, "messages") ?? []) collect(events, skipped, fromMessage(message, botId, contacts), messageIdentity(message));
          for (const status of arr(value, "statuses") ?? []) collect(events, skipped, fromStatus(status, botId), statusIdentity(status));
        } else if (field === "user_preferences") {
          for (const preference of arr(value, "user_preferences") ?? []) collect(events, skipped, fromPreference(preference, botId), preferenceIdentity(preference));
        } else {
          skipped.push(`the "${field ?? "?"}" webhook field carries no user event`);
        }
      }
    }
    if (events.length === 0 && skipped.length === 0) skipped.push("a webhook body with no message, status or preference in it");
    return { ok: true, events, skipped };
  });
}

type Mapped = { events: TrackInput[]; skipped?: string };

function collect(events: TrackInput[], skipped: string[], mapped: Mapped, identity: string | undefined): void {
  assignIds(mapped.events, identity);
  events.push(...mapped.events);
  if (mapped.skipped !== undefined) skipped.push(mapped.skipped);
}

function messageIdentity(message: unknown): string | undefined {
  const messageId = str(message, "id");
  return messageId === undefined ? undefined : `message:${messageId}`;
}

function statusIdentity(status: unknown): string | undefined {
  const statusId = str(status, "id");
  return statusId === undefined ? undefined : `status:${statusId}:${str(status, "status")}`;
}

function preferenceIdentity(preference: unknown): string | undefined {
  const user = id(preference, "wa_id") ?? id(preference, "user_id");
  const at = id(preference, "timestamp");
  return user === undefined || at === undefined ? undefined : `preference:${user}:${str(preference, "category")}:${str(preference, "value")}:${at}`;
}

/** The user who sent a message: phone number, else BSUID, else the only contact's. */
function sender(message: Json, contacts: Json[]): string | undefined {
  const from = id(message, "from") ?? id(message, "from_user_id");
  if (from !== undefined) return from;
  if (contacts.length === 1) return id(contacts[0], "wa_id") ?? id(contacts[0], "user_id");
  return undefined;
}

function fromMessage(message: unknown, botId: string | undefined, contacts: Json[]): Mapped {
  if (!isObject(message)) return { events: [], skipped: "a message that is not an object" };
  const kind = str(message, "type") ?? "unknown";
  const userId = sender(message, contacts);
  if (userId === undefined) return { events: [], skipped: `a ${kind} message without a sender (no from or from_user_id)` };
  const notRequest = NOT_REQUESTS[kind];
  if (notRequest !== undefined) return { events: [], skipped: notRequest };
  const common = { channel: "whatsapp" as const, botId, userId, timestamp: unixSecondsToIso(message["timestamp"]) };
  const properties: Properties = { kind };
  const messageId = str(message, "id");
  if (messageId !== undefined) properties["messageId"] = clip(messageId);
  const groupId = str(message, "group_id");
  if (groupId !== undefined) properties["groupId"] = clip(groupId);
  if (kind === "request_welcome") return { events: [{ ...common, type: "bot_started", properties }] };

  const events: TrackInput[] = [];
  const referral = obj(message, "referral");
  // A tracked wa.me link opens the chat with "[ref:CODE]" typed in: that first text is the start.
  const refCode = referral ? undefined : WHATSAPP_REF_PATTERN.exec(str(obj(message, "text"), "body") ?? "")?.[1];
  const source = referral ? referralSource(referral) : refCode !== undefined ? parseStartPayload(refCode) : undefined;
  if (referral) events.push({ ...common, type: "bot_started", source, properties: { ...properties, ...referralProperties(referral) } });
  if (refCode !== undefined) events.push({ ...common, type: "bot_started", source, properties: { ...properties, kind: "link_ref" } });
  if (kind === "order") return withOrder(events, message, common, source, properties);
  if (kind === "interactive" || kind === "button") {
    const button = buttonReply(message, kind);
    if (button) {
      const raw = button["button"];
      events.push(...buttonClickEvents({ ...common, source, properties: { ...properties, ...button } }, typeof raw === "string" ? parseBroadcastButton(raw) : undefined));
      return { events };
    }
    const interactive = obj(message, "interactive");
    // WhatsApp sends an interactive message with no content when it could not read the reply (error 131000).
    if (!interactive) return { events, skipped: `an ${kind} message without its content` };
    const subtype = str(interactive, "type") ?? "unknown";
    events.push({ ...common, type: "message_received", source, properties: { ...properties, kind: `interactive:${subtype}` } });
    return { events };
  }
  if (!CONTENT_TYPES.has(kind)) return { events, skipped: `a message of type "${kind}" is not a request` };
  events.push({ ...common, type: "message_received", source, properties });
  return { events };
}

function withOrder(events: TrackInput[], message: Json, common: Pick<TrackInput, "channel" | "botId" | "userId" | "timestamp">, source: Source | undefined, properties: Properties): Mapped {
  const order = obj(message, "order");
  const items = (arr(order, "product_items") ?? []).filter(isObject);
  const catalogId = str(order, "catalog_id");
  const orderProperties: Properties = { ...properties, items: items.length };
  if (catalogId !== undefined) orderProperties["catalogId"] = clip(catalogId);
  const total = orderTotal(items);
  if (total === undefined) {
    events.push({ ...common, type: "order", source, properties: orderProperties });
    return { events, skipped: "order total unknown (an item without a numeric price, quantity or one currency)" };
  }
  events.push({ ...common, type: "order", source, revenue: total.revenue, currency: total.currency, properties: orderProperties });
  return { events };
}

/** Σ item_price × quantity when every item has numbers and all share one ISO currency. */
function orderTotal(items: Json[]): { revenue: number; currency: string } | undefined {
  if (items.length === 0) return undefined;
  let revenue = 0;
  let currency: string | undefined;
  for (const item of items) {
    const price = numeric(item["item_price"]);
    const quantity = numeric(item["quantity"]);
    const itemCurrency = str(item, "currency");
    if (price === undefined || quantity === undefined || itemCurrency === undefined || !/^[A-Z]{3}$/.test(itemCurrency)) return undefined;
    if (currency !== undefined && currency !== itemCurrency) return undefined;
    currency = itemCurrency;
    revenue += price * quantity;
  }
  // Prices are decimals: round away binary noise (0.1 × 3) at the contract's 4 decimal places.
  return { revenue: Math.round(revenue * 10_000) / 10_000, currency: currency! };
}

function numeric(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : undefined;
}

function buttonReply(message: Json, kind: string): Properties | undefined {
  if (kind === "interactive") {
    const interactive = obj(message, "interactive");
    const reply = obj(interactive, "button_reply") ?? obj(interactive, "list_reply");
    if (reply) {
      const buttonId = clip(str(reply, "id") ?? "");
      return { button: buttonId, buttonId, title: clip(str(reply, "title") ?? "") };
    }
    // The user tapped "allow" or "decline" on a call-permission request the business sent.
    const permission = obj(interactive, "call_permission_reply");
    if (permission) return { button: clip(`call_permission:${str(permission, "response") ?? "unknown"}`) };
    return undefined;
  }
  const button = obj(message, "button");
  if (!button) return undefined;
  const payload = clip(str(button, "payload") ?? "");
  return { button: payload, payload, title: clip(str(button, "text") ?? "") };
}

/**
 * Click-to-WhatsApp attribution: the ad's source_id is the payload tracked links match (`adId`).
 * The ad's headline is copy, not a campaign name: it goes to properties, never to campaign.
 */
function referralSource(referral: Json): Source {
  const source: Source = { source: str(referral, "source_type") === "ad" ? "meta_ads" : "meta", medium: "click_to_whatsapp" };
  const sourceId = str(referral, "source_id");
  if (sourceId) source.payload = sourceId.slice(0, MAX_SOURCE_PAYLOAD_LENGTH);
  return source;
}

function referralProperties(referral: Json): Properties {
  const properties: Properties = { kind: "ad_referral" };
  for (const [key, name] of [
    ["source_type", "adSourceType"],
    ["source_url", "adSourceUrl"],
    ["ctwa_clid", "ctwaClid"],
    ["headline", "adHeadline"],
    ["media_type", "adMediaType"],
  ] as const) {
    const value = str(referral, key);
    if (value !== undefined) properties[name] = clip(value);
  }
  return properties;
}

function fromStatus(status: unknown, botId: string | undefined): Mapped {
  if (!isObject(status)) return { events: [], skipped: "a status that is not an object" };
  const state = str(status, "status");
  // In a group the recipient is the group; the reader is the participant.
  const inGroup = str(status, "recipient_type") === "group";
  const userId = inGroup ? (id(status, "recipient_participant_id") ?? id(status, "recipient_participant_user_id")) : (id(status, "recipient_id") ?? id(status, "recipient_user_id"));
  if (state === undefined) return { events: [], skipped: "a status without a status value" };
  if (userId === undefined) return { events: [], skipped: inGroup ? "a group status without a participant" : "a status without a recipient" };
  if (!(state in STATUS_EVENTS)) return { events: [], skipped: `a "${state}" status has no event` };
  const category = str(obj(status, "pricing"), "category");
  const marker = BROADCAST_MARKER.exec(str(status, "biz_opaque_callback_data") ?? "");
  const broadcastId = marker?.[1];
  const reason = state === "failed" ? errorText(arr(status, "errors")?.[0]) : undefined;
  if (broadcastId === undefined && (category === undefined || !BROADCAST_CATEGORIES.has(category))) {
    const what = category === undefined ? "without pricing" : `priced as ${category}`;
    if (state === "failed") return { events: [], skipped: `a failed send of a message that is not a known broadcast (${what}): ${reason}` };
    return { events: [], skipped: `a "${state}" status of a message that is not a broadcast (${what})` };
  }
  const properties: Properties = {};
  const messageId = str(status, "id");
  if (messageId !== undefined) properties["messageId"] = clip(messageId);
  if (category !== undefined) properties["category"] = category;
  if (inGroup) properties["groupId"] = clip(id(status, "recipient_id") ?? "");
  if (reason !== undefined) {
    properties["reason"] = clip(reason);
    const code = num(arr(status, "errors")?.[0], "code");
    if (code !== undefined) properties["errorCode"] = code;
  }
  const event: TrackInput = {
    channel: "whatsapp",
    botId,
    userId,
    type: STATUS_EVENTS[state as keyof typeof STATUS_EVENTS],
    timestamp: unixSecondsToIso(status["timestamp"]),
    properties,
  };
  if (broadcastId !== undefined) event.broadcastId = broadcastId;
  return { events: [event] };
}

function errorText(error: unknown): string {
  const title = str(error, "title") ?? str(error, "message") ?? "unknown error";
  const code = num(error, "code");
  return code === undefined ? title : `${title} (code ${code})`;
}

/** Marketing-message preferences (user_preferences webhook): stop → unsubscribed, resume or signup → subscribed. */
function fromPreference(preference: unknown, botId: string | undefined): Mapped {
  const userId = id(preference, "wa_id") ?? id(preference, "user_id");
  const category = str(preference, "category");
  const value = str(preference, "value");
  if (userId === undefined) return { events: [], skipped: "a user preference without a user" };
  if (category !== "marketing_messages") return { events: [], skipped: `a "${category ?? "?"}" preference has no event` };
  const type = value === "stop" ? "unsubscribed" : value === "resume" || value === "signup" ? "subscribed" : undefined;
  if (type === undefined) return { events: [], skipped: `a marketing preference "${value ?? "?"}" has no event` };
  return {
    events: [{ channel: "whatsapp", botId, userId, type, timestamp: unixSecondsToIso((preference as Json)["timestamp"]), properties: { subscription: "marketing_messages", preference: value! } }],
  };
}
