import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { EventSchema } from "@chatfunnel/schemas";
import { telegramUpdateToEvents, vkUpdateToEvents, whatsappWebhookToEvents, type AdapterResult, type TrackInput } from "@chatfunnel/sdk";

const fixturesDir = path.join(import.meta.dirname, "fixtures");
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(fixturesDir, name), "utf8"));

function adapterFor(name: string): (body: unknown) => AdapterResult {
  if (name.startsWith("telegram-")) return (body) => telegramUpdateToEvents(body, { botId: "shop_bot" });
  if (name.startsWith("whatsapp-")) return (body) => whatsappWebhookToEvents(body);
  if (name.startsWith("vk-")) return (body) => vkUpdateToEvents(body);
  throw new Error(`no adapter for fixture ${name}`);
}

/** What each fixture must produce: `error` (a substring) for a failure, else the events' key fields. */
type Expected = { error: string } | { events: Partial<TrackInput>[]; skipped?: number };

const T0 = "2026-05-01T10:00:00.000Z";
const tg = { channel: "telegram", botId: "shop_bot", userId: "123456789" } as const;
const wa = { channel: "whatsapp", botId: "106540352242922", userId: "16315551181" } as const;
const vk = { channel: "vk", botId: "218123456" } as const;

const EXPECTED: Record<string, Expected> = {
  "telegram-start-compact.json": {
    events: [{ ...tg, type: "bot_started", timestamp: T0, source: { source: "tg", medium: "cpc", campaign: "spring-sale", payload: "src-tg_med-cpc_cmp-spring-sale" } }],
  },
  "telegram-start-base64.json": {
    events: [{ ...tg, type: "bot_started", source: { source: "vk", campaign: "весна", payload: "dXRtX3NvdXJjZT12ayZ1dG1fY2FtcGFpZ2490LLQtdGB0L3QsA" } }],
  },
  "telegram-start-plain.json": { events: [{ ...tg, type: "bot_started", source: undefined }] },
  "telegram-start-raw-payload.json": { events: [{ ...tg, type: "bot_started", source: { payload: "ref12345" } }] },
  "telegram-message-text.json": { events: [{ ...tg, type: "message_received", timestamp: "2026-05-01T10:01:00.000Z", properties: { chatType: "private", kind: "text" } }] },
  "telegram-command.json": { events: [{ ...tg, type: "message_received", properties: { chatType: "private", kind: "text", command: "help" } }] },
  "telegram-message-photo-group.json": { events: [{ ...tg, userId: "555", type: "message_received", properties: { chatType: "supergroup", kind: "photo" } }] },
  "telegram-callback-query.json": { events: [{ ...tg, type: "button_clicked", timestamp: undefined, properties: { data: "buy:sku-42", chatType: "private" } }] },
  "telegram-successful-payment.json": { events: [{ ...tg, type: "payment", revenue: 1499, currency: "RUB", properties: { chatType: "private", invoicePayload: "order-1001" } }] },
  "telegram-payment-stars.json": { events: [{ ...tg, type: "payment", revenue: 50, currency: "XTR" }] },
  "telegram-my-chat-member-kicked.json": { events: [{ ...tg, type: "blocked" }] },
  "telegram-edited-message.json": { events: [], skipped: 1 },
  "telegram-malformed-no-update-id.json": { error: "update_id" },
  "telegram-malformed-message-no-from.json": { error: "message.from.id" },
  "telegram-malformed-callback-no-from.json": { error: "callback_query.from.id" },
  "telegram-malformed-not-object.json": { error: "not a Bot API Update" },

  "whatsapp-text.json": { events: [{ ...wa, type: "message_received", timestamp: T0, properties: { kind: "text", messageId: "wamid.ABGGFlA5Fpa" } }] },
  "whatsapp-ad-referral.json": {
    events: [
      {
        ...wa,
        type: "bot_started",
        // The ad id is the payload tracked links match; the headline is ad copy, never the campaign.
        source: { source: "meta_ads", medium: "click_to_whatsapp", payload: "120215463284990123" },
        properties: { adHeadline: "Spring sale -30%", ctwaClid: "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-ZABe" },
      },
      { ...wa, type: "message_received", source: { source: "meta_ads", medium: "click_to_whatsapp", payload: "120215463284990123" } },
    ],
  },
  "whatsapp-interactive-button.json": { events: [{ ...wa, type: "button_clicked", properties: { kind: "interactive", buttonId: "order-now", title: "Order now" } }] },
  "whatsapp-template-button.json": { events: [{ ...wa, type: "button_clicked", properties: { kind: "button", payload: "STOP_PROMOS", title: "Stop promotions" } }] },
  "whatsapp-statuses.json": {
    // Marketing pricing makes sent/delivered broadcasts; the read status carries no pricing and the
    // failed one neither (nor a broadcast marker), so neither can be told from a reply's: skipped.
    events: [
      { ...wa, type: "broadcast_sent", properties: { messageId: "wamid.bcast1", category: "marketing" } },
      { ...wa, type: "broadcast_delivered" },
    ],
    skipped: 2,
  },
  "whatsapp-partly-malformed.json": { events: [{ ...wa, userId: "16315551182", type: "message_received", properties: { kind: "image" } }], skipped: 1 },
  "whatsapp-malformed-object.json": { error: "whatsapp_business_account" },
  "whatsapp-malformed-entry.json": { error: "entry must be an array" },

  "vk-message-new-ref.json": {
    events: [{ ...vk, userId: "98765432", type: "bot_started", timestamp: T0, source: { source: "vk_ads", medium: "target", campaign: "spring", payload: "med-target_cmp-spring" } }],
  },
  "vk-message-new-start-button.json": { events: [{ ...vk, userId: "98765433", type: "bot_started", source: undefined }] },
  "vk-message-new-keyboard-button.json": { events: [{ ...vk, userId: "98765433", type: "button_clicked", properties: { peerType: "user", payload: '{"button":"catalog"}' } }] },
  "vk-message-new-plain.json": { events: [{ ...vk, userId: "98765432", type: "message_received", properties: { peerType: "user" } }] },
  "vk-message-new-old-api.json": { events: [{ ...vk, userId: "98765434", type: "bot_started", source: { source: "7", payload: "promo" } }] },
  "vk-message-event.json": { events: [{ ...vk, userId: "98765432", type: "button_clicked", properties: { payload: '{"action":"buy","sku":42}' } }] },
  "vk-message-allow.json": { events: [{ ...vk, userId: "98765435", type: "subscribed", properties: { key: "landing" } }] },
  "vk-message-deny.json": { events: [{ ...vk, userId: "98765435", type: "unsubscribed" }] },
  "vk-confirmation.json": { events: [], skipped: 1 },
  "vk-longpoll.json": {
    events: [
      { ...vk, userId: "98765436", type: "message_received" },
      { ...vk, userId: "98765436", type: "button_clicked", properties: { payload: '{"b":1}' } },
    ],
    skipped: 1,
  },
  "vk-longpoll-failed.json": { events: [], skipped: 1 },
  "vk-malformed-no-type.json": { error: "string type" },
  "vk-malformed-no-from.json": { events: [], skipped: 1 },
  "vk-malformed-not-object.json": { error: "JSON object" },
};

describe("messenger adapters on documented payloads", () => {
  const files = fs.readdirSync(fixturesDir).filter((f) => f.endsWith(".json")).sort();

  it("has an expectation for every fixture and a fixture for every expectation", () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`maps ${file}`, () => {
      const expected = EXPECTED[file]!;
      const result = adapterFor(file)(fixture(file));
      if ("error" in expected) {
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error).toContain(expected.error);
        return;
      }
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (!result.ok) return;
      expect(result.events).toHaveLength(expected.events.length);
      expected.events.forEach((want, i) => {
        const got = result.events[i]!;
        for (const [key, value] of Object.entries(want)) {
          if (key === "source") expect(got.source, `source of event ${i}`).toEqual(value);
          else if (value !== null && typeof value === "object") expect(got[key as keyof TrackInput], `${key} of event ${i}`).toMatchObject(value);
          else expect(got[key as keyof TrackInput], `${key} of event ${i}`).toEqual(value);
        }
      });
      expect(result.skipped).toHaveLength(expected.skipped ?? 0);
      // Completed the way the SDK completes them, every event satisfies the collector's schema.
      for (const event of result.events) {
        const full = { ...event, id: randomUUID(), botId: event.botId ?? "default-bot", timestamp: event.timestamp ?? new Date().toISOString() };
        const clean = Object.fromEntries(Object.entries(full).filter(([, v]) => v !== undefined));
        const parsed = EventSchema.safeParse(clean);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      }
    });
  }

  it("never throws, whatever arrives", () => {
    const junk: unknown[] = [null, undefined, 0, "", [], {}, { update_id: "1" }, { update_id: 1, message: null }, { update_id: 1, message: { from: { id: {} } } },
      { object: "whatsapp_business_account", entry: [null, { changes: [null, { field: "messages", value: { messages: [null, 1], statuses: [{}] } }] }] },
      { type: "message_new", object: null }, { updates: [null, 1, { type: 5 }] }, { type: "message_event", object: { user_id: null } }];
    const proxyThatThrows = new Proxy({}, { get: () => { throw new Error("hostile getter"); }, has: () => { throw new Error("hostile has"); } });
    for (const body of [...junk, proxyThatThrows]) {
      for (const adapter of [telegramUpdateToEvents, whatsappWebhookToEvents, vkUpdateToEvents]) {
        expect(() => adapter(body)).not.toThrow();
      }
    }
    expect(telegramUpdateToEvents(proxyThatThrows).ok).toBe(false);
  });
});
