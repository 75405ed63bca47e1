import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { telegramUpdateToEvents, updateEventId, uuidV5, vkUpdateToEvents, whatsappWebhookToEvents } from "@chatfunnel/sdk";
import { sha1 } from "../../../sdk/src/uuid.js";

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("deterministic event ids", () => {
  it("computes SHA-1 exactly like node:crypto, across block boundaries", () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
      expect(hex(sha1(bytes))).toBe(createHash("sha1").update(bytes).digest("hex"));
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => hex(sha1(bytes)) === createHash("sha1").update(bytes).digest("hex")));
  });

  it("gives RFC 9562 version-5 UUIDs (the RFC's DNS example)", () => {
    // RFC 9562 appendix A.4 (and Python's uuid.uuid5): www.example.com in the DNS namespace.
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
  });

  it("encodes any name as UTF-8 exactly like the RFC's reference (node:crypto over TextEncoder)", () => {
    const reference = (name: string, namespace: string) => {
      const bytes = createHash("sha1").update(Buffer.from(namespace.replace(/-/g, ""), "hex")).update(new TextEncoder().encode(name)).digest();
      bytes[6] = (bytes[6]! & 0x0f) | 0x50;
      bytes[8] = (bytes[8]! & 0x3f) | 0x80;
      const h = bytes.subarray(0, 16).toString("hex");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    };
    const namespaces = ["6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6f1d7c3e-0b8a-4c52-9e41-3a7d2f5b8c90"];
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), fc.constantFrom(...namespaces), (name, namespace) => uuidV5(name, namespace) === reference(name, namespace)),
      { numRuns: 2000 },
    );
    // Lone surrogates become U+FFFD, as TextEncoder encodes them.
    expect(uuidV5("a\ud800b", namespaces[0]!)).toBe(reference("a\ud800b", namespaces[0]!));
    expect(uuidV5("x".repeat(5000), namespaces[1]!)).toBe(reference("x".repeat(5000), namespaces[1]!));
  });

  it("is stable for the same update and distinct across update, bot, type and ordinal", () => {
    const a = updateEventId("telegram", "shop_bot", "update:1", "bot_started");
    expect(a).toMatch(UUID_V5);
    expect(updateEventId("telegram", "shop_bot", "update:1", "bot_started")).toBe(a);
    const others = [
      updateEventId("telegram", "shop_bot", "update:2", "bot_started"),
      updateEventId("telegram", "other_bot", "update:1", "bot_started"),
      updateEventId("vk", "shop_bot", "update:1", "bot_started"),
      updateEventId("telegram", "shop_bot", "update:1", "message_received"),
      updateEventId("telegram", "shop_bot", "update:1", "bot_started", 1),
    ];
    expect(new Set([a, ...others]).size).toBe(6);
    const ids = new Set(Array.from({ length: 20_000 }, (_, i) => updateEventId("telegram", "b", `update:${i}`, "message_received")));
    expect(ids.size).toBe(20_000);
  });

  it("maps a re-forwarded update to the same ids in every adapter", () => {
    const tg = { update_id: 10, message: { message_id: 1, date: 1777629600, chat: { id: 5, type: "private" }, from: { id: 5, is_bot: false, first_name: "A" }, text: "hi" } };
    const first = telegramUpdateToEvents(tg, { botId: "b" });
    const again = telegramUpdateToEvents(structuredClone(tg), { botId: "b" });
    const otherBot = telegramUpdateToEvents(tg, { botId: "c" });
    if (!first.ok || !again.ok || !otherBot.ok) throw new Error("mapping failed");
    expect(first.events[0]!.id).toMatch(UUID_V5);
    expect(again.events[0]!.id).toBe(first.events[0]!.id);
    expect(otherBot.events[0]!.id).not.toBe(first.events[0]!.id);

    const status = (state: string) => ({
      object: "whatsapp_business_account",
      entry: [{ id: "1", changes: [{ field: "messages", value: { metadata: { phone_number_id: "99" }, statuses: [{ id: "wamid.X", status: state, timestamp: "1777629600", recipient_id: "7", pricing: { category: "marketing" } }] } }] }],
    });
    const delivered = whatsappWebhookToEvents(status("delivered"));
    const read = whatsappWebhookToEvents(status("read"));
    if (!delivered.ok || !read.ok) throw new Error("mapping failed");
    expect(delivered.events[0]!.id).toBe((whatsappWebhookToEvents(status("delivered")) as typeof delivered).events[0]!.id);
    expect(delivered.events[0]!.id).not.toBe(read.events[0]!.id);

    const vk = { type: "message_allow", event_id: "abc123", group_id: 42, object: { user_id: 7, key: "k" } };
    const v1 = vkUpdateToEvents(vk);
    const v2 = vkUpdateToEvents({ ...vk, event_id: "abc124" });
    if (!v1.ok || !v2.ok) throw new Error("mapping failed");
    expect(v1.events[0]!.id).toBe((vkUpdateToEvents(structuredClone(vk)) as typeof v1).events[0]!.id);
    expect(v1.events[0]!.id).not.toBe(v2.events[0]!.id);
  });
});
