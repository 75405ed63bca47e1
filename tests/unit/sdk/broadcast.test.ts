import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EventSchema } from "@chatfunnel/schemas";
import { Chatfunnel, broadcastButtonData, broadcastPayload, parseBroadcastButton, parseBroadcastPayload, telegramUpdateToEvents, vkUpdateToEvents, whatsappWebhookToEvents } from "@chatfunnel/sdk";
import { scriptedFetch } from "./fake-fetch.js";

const fixtures = path.resolve(import.meta.dirname, "../../fixtures");
const fixture = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(fixtures, file), "utf8"));

function client() {
  const fake = scriptedFetch();
  const cf = new Chatfunnel({ writeKey: "cf_w_test_key_1234567", endpoint: "http://127.0.0.1:1", channel: "telegram", botId: "b1", fetch: fake.fetch, onDrop: () => {} });
  return { cf, requests: fake.requests };
}

describe("cf.broadcast(): a bot's own broadcast", () => {
  it("tracks every stage with the broadcast's id, and a failure with its reason", async () => {
    const { cf, requests } = client();
    const friday = cf.broadcast("fri-sale");
    friday.sent({ userId: "1" });
    friday.delivered({ userId: "1" });
    friday.read({ userId: "1", channel: "whatsapp" });
    friday.clicked({ userId: "1", properties: { link: "catalog" } });
    friday.failed("bot was blocked by the user", { userId: "2", properties: { code: 403 } });
    await cf.flush();
    expect(requests[0]!.events).toMatchObject([
      { type: "broadcast_sent", userId: "1", broadcastId: "fri-sale" },
      { type: "broadcast_delivered", userId: "1", broadcastId: "fri-sale" },
      { type: "broadcast_read", userId: "1", broadcastId: "fri-sale", channel: "whatsapp" },
      { type: "broadcast_clicked", userId: "1", broadcastId: "fri-sale", properties: { link: "catalog" } },
      { type: "broadcast_failed", userId: "2", broadcastId: "fri-sale", properties: { code: 403, reason: "bot was blocked by the user" } },
    ]);
    for (const event of requests[0]!.events) expect(EventSchema.safeParse(event).success).toBe(true);
  });

  it("names its own broadcast even when the input names another", async () => {
    const { cf, requests } = client();
    cf.broadcast("a").sent({ userId: "1", broadcastId: "b" });
    await cf.flush();
    expect(requests[0]!.events[0]).toMatchObject({ broadcastId: "a" });
  });

  it("works bound to a user, as ctx.chatfunnel and forUser() are", async () => {
    const { cf, requests } = client();
    const user = cf.forUser({ channel: "vk", botId: "club1", userId: "42" });
    user.broadcast("promo").delivered();
    user.broadcast("promo").failed("chat not found");
    await cf.flush();
    expect(requests[0]!.events).toMatchObject([
      { type: "broadcast_delivered", channel: "vk", botId: "club1", userId: "42", broadcastId: "promo" },
      { type: "broadcast_failed", channel: "vk", botId: "club1", userId: "42", broadcastId: "promo", properties: { reason: "chat not found" } },
    ]);
  });
});

describe("operator replies and handoffs", () => {
  it("operatorReply is message_sent with sender operator, whatever the input's properties say", async () => {
    const { cf, requests } = client();
    cf.operatorReply({ userId: "1", properties: { sender: "bot", node: "support" } });
    cf.forUser({ channel: "telegram", userId: "2" }).operatorReply();
    cf.handoffTo("asked for a human", { userId: "1" });
    cf.forUser({ channel: "telegram", userId: "2" }).handoffTo("complaint", { properties: { node: "support" } });
    cf.messageSent({ userId: "1" });
    await cf.flush();
    const events = requests[0]!.events as unknown as { type: string; userId: string; properties?: Record<string, unknown> }[];
    expect(events).toMatchObject([
      { type: "message_sent", userId: "1", properties: { sender: "operator", node: "support" } },
      { type: "message_sent", userId: "2", properties: { sender: "operator" } },
      { type: "handoff", userId: "1", properties: { reason: "asked for a human" } },
      { type: "handoff", userId: "2", properties: { reason: "complaint", node: "support" } },
      { type: "message_sent", userId: "1" },
    ]);
    expect(events[4]!.properties).toBeUndefined();
    for (const event of events) expect(EventSchema.safeParse(event).success).toBe(true);
  });
});

describe("buttons under a broadcast (cf:b=<id>;<data>)", () => {
  it("writes and reads the convention, and refuses an id it could not read back", () => {
    expect(broadcastButtonData("fri-sale", "buy:42")).toBe("cf:b=fri-sale;buy:42");
    expect(broadcastButtonData("fri-sale")).toBe("cf:b=fri-sale");
    expect(parseBroadcastButton("cf:b=fri-sale;buy:42;x")).toEqual({ broadcastId: "fri-sale", data: "buy:42;x" });
    expect(parseBroadcastButton("cf:b=fri-sale")).toEqual({ broadcastId: "fri-sale", data: "" });
    for (const raw of ["buy:42", "cf:b=", "cf:b=;buy", "CF:B=x", `cf:b=${"x".repeat(129)}`]) expect(parseBroadcastButton(raw)).toBeUndefined();
    expect(() => broadcastButtonData("a;b")).toThrow(RangeError);
    expect(() => broadcastButtonData("")).toThrow(RangeError);
    const { cf } = client();
    expect(cf.broadcast("fri-sale").buttonData("buy")).toBe("cf:b=fri-sale;buy");
  });

  it("Telegram: the real callback query, its data written in the convention, is a click of that broadcast", () => {
    const update = fixture("telegram/core-telegram-org/callback-query.json");
    const original = telegramUpdateToEvents(update, { botId: "fixture_bot" });
    expect(original.ok && original.events.map((e) => [e.type, e.broadcastId])).toEqual([["button_clicked", undefined]]);
    const query = update["callback_query"] as Record<string, unknown>;
    const marked = telegramUpdateToEvents({ ...update, callback_query: { ...query, data: broadcastButtonData("fri-sale", String(query["data"])) } }, { botId: "fixture_bot" });
    if (!marked.ok || !original.ok) throw new Error("not mapped");
    expect(marked.events.map((e) => [e.type, e.broadcastId, e.properties?.["button"]])).toEqual([
      ["button_clicked", "fri-sale", original.events[0]!.properties?.["button"]],
      ["broadcast_clicked", "fri-sale", original.events[0]!.properties?.["button"]],
    ]);
    // The click's id is still the update's, so a re-forward counts once; the two events differ by type.
    expect(marked.events[0]!.id).toBe(original.events[0]!.id);
    expect(new Set(marked.events.map((e) => e.id)).size).toBe(2);
  });

  it("WhatsApp: real quick-reply and reply-button clicks written in the convention carry the broadcast", () => {
    for (const [file, mark] of [
      ["whatsapp/pywa/callback-button-quick-reply.json", (m: Record<string, any>) => (m["button"].payload = broadcastButtonData("wa-promo", m["button"].payload))],
      ["whatsapp/netflie/can-build-a-button-reply-notification.json", (m: Record<string, any>) => (m["interactive"].button_reply.id = broadcastButtonData("wa-promo", m["interactive"].button_reply.id))],
    ] as const) {
      const body = fixture(file) as { entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[] };
      const original = whatsappWebhookToEvents(structuredClone(body));
      mark(body.entry[0]!.changes[0]!.value.messages[0]!);
      const marked = whatsappWebhookToEvents(body);
      if (!marked.ok || !original.ok) throw new Error(`${file} not mapped`);
      expect(marked.events.map((e) => [e.type, e.broadcastId]), file).toEqual([
        ["button_clicked", "wa-promo"],
        ["broadcast_clicked", "wa-promo"],
      ]);
      expect(marked.events[0]!.properties?.["button"], file).toBe(original.events[0]!.properties?.["button"]);
    }
  });

  it("VK: a callback button's and a keyboard button's payload carrying cf_b are clicks of that broadcast", () => {
    expect(parseBroadcastPayload('{"action":"buy","cf_b":"vk-promo"}')).toEqual({ broadcastId: "vk-promo", data: '{"action":"buy"}' });
    expect(parseBroadcastPayload('{"cf_b":"vk-promo"}')).toEqual({ broadcastId: "vk-promo", data: "" });
    for (const raw of ['{"action":"buy"}', '{"cf_b":1}', '{"cf_b":""}', '["cf_b"]', "cf_b", '"cf_b"']) expect(parseBroadcastPayload(raw), raw).toBeUndefined();
    const { cf } = client();
    expect(cf.broadcast("vk-promo").vkPayload({ action: "buy" })).toEqual(broadcastPayload("vk-promo", { action: "buy" }));

    // The hand-written message_event (VK's public corpus has no callback button) and a real message_new given a keyboard payload.
    const callback = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../adapters/fixtures/vk-message-event.json"), "utf8")) as { object: Record<string, unknown> };
    const plain = vkUpdateToEvents(structuredClone(callback));
    callback.object["payload"] = broadcastPayload("vk-promo", callback.object["payload"] as Record<string, unknown>);
    const marked = vkUpdateToEvents(callback);
    if (!plain.ok || !marked.ok) throw new Error("not mapped");
    expect(marked.events.map((e) => [e.type, e.broadcastId, e.properties?.["button"]])).toEqual([
      ["button_clicked", "vk-promo", plain.events[0]!.properties?.["button"]],
      ["broadcast_clicked", "vk-promo", plain.events[0]!.properties?.["button"]],
    ]);
    const message = fixture("vk/vkwave/test-message-new-event-message-new.json") as { object: { message: Record<string, unknown> } };
    message.object.message["payload"] = JSON.stringify(broadcastPayload("vk-promo", { button: "catalog" }));
    const keyboard = vkUpdateToEvents(message);
    expect(keyboard.ok && keyboard.events.map((e) => [e.type, e.broadcastId, e.properties?.["button"]])).toEqual([
      ["button_clicked", "vk-promo", '{"button":"catalog"}'],
      ["broadcast_clicked", "vk-promo", '{"button":"catalog"}'],
    ]);
  });

  it("WhatsApp: a marketing template's statuses are broadcast events, with the id only when the send carried the marker", () => {
    const body = fixture("whatsapp/meta-docs/status-delivered-marketing-to-phone.json") as { entry: { changes: { value: { statuses: Record<string, unknown>[] } }[] }[] };
    const plain = whatsappWebhookToEvents(structuredClone(body));
    expect(plain.ok && plain.events.map((e) => [e.type, e.broadcastId])).toEqual([["broadcast_delivered", undefined]]);
    body.entry[0]!.changes[0]!.value.statuses[0]!["biz_opaque_callback_data"] = "broadcast:fri-sale";
    const marked = whatsappWebhookToEvents(body);
    expect(marked.ok && marked.events.map((e) => [e.type, e.broadcastId])).toEqual([["broadcast_delivered", "fri-sale"]]);
  });
});
