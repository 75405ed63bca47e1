import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WHATSAPP_REF_PATTERN, whatsappPrefilledText } from "@chatfunnel/schemas";
import { buildStartPayload, parseStartPayload, whatsappWebhookToEvents } from "@chatfunnel/sdk";
import { WHATSAPP_REF_PATTERN as SDK_WHATSAPP_REF_PATTERN } from "../../../sdk/src/adapters/payload.js";

describe("deep-link payload convention", () => {
  it("reads the compact form", () => {
    expect(parseStartPayload("src-vk_med-cpc_cmp-spring-sale_cnt-banner-2_trm-shoes")).toEqual({
      source: "vk",
      medium: "cpc",
      campaign: "spring-sale",
      content: "banner-2",
      term: "shoes",
      payload: "src-vk_med-cpc_cmp-spring-sale_cnt-banner-2_trm-shoes",
    });
  });

  it("reads base64url query strings, with or without utm_ prefixes", () => {
    const encoded = Buffer.from("source=tg&campaign=осень").toString("base64url");
    expect(parseStartPayload(encoded)).toEqual({ source: "tg", campaign: "осень", payload: encoded });
  });

  it("keeps anything else as the raw payload only", () => {
    expect(parseStartPayload("ref12345")).toEqual({ payload: "ref12345" });
    expect(parseStartPayload("src-vk_unknown-key")).toEqual({ payload: "src-vk_unknown-key" });
    expect(parseStartPayload("abcd")).toEqual({ payload: "abcd" });
    expect(parseStartPayload("  ")).toEqual({});
  });

  it("round-trips: what buildStartPayload writes, parseStartPayload reads back", () => {
    const value = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() === s && s.length > 0);
    fc.assert(
      fc.property(fc.record({ source: value, medium: value, campaign: value }, { requiredKeys: ["campaign"] }), (fields) => {
        let payload: string;
        try {
          payload = buildStartPayload(fields, 512);
        } catch {
          return; // over the length limit: refused loudly, which is the contract
        }
        expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
        const { payload: raw, ...parsed } = parseStartPayload(payload);
        expect(raw).toBe(payload);
        expect(parsed).toEqual(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
      }),
    );
  });

  it("refuses payloads over Telegram's 64 characters", () => {
    expect(buildStartPayload({ source: "vk", campaign: "spring" })).toBe("src-vk_cmp-spring");
    expect(() => buildStartPayload({ campaign: "x".repeat(70) })).toThrow(RangeError);
    expect(() => buildStartPayload({})).toThrow(RangeError);
  });

  it("finds a tracked link's code in a WhatsApp prefilled text, with the same pattern as the links API", () => {
    expect(SDK_WHATSAPP_REF_PATTERN.source).toBe(WHATSAPP_REF_PATTERN.source);
    const body = (text: string) => ({
      object: "whatsapp_business_account",
      entry: [{ id: "1", changes: [{ field: "messages", value: { metadata: { phone_number_id: "99" }, messages: [{ from: "4915112345678", id: "wamid.r1", timestamp: "1777629600", type: "text", text: { body: text } }] } }] }],
    });
    const result = whatsappWebhookToEvents(body(whatsappPrefilledText("Ab3_x-9")));
    expect(result.ok && result.events.map((e) => [e.type, e.source])).toEqual([
      ["bot_started", { payload: "Ab3_x-9" }],
      ["message_received", { payload: "Ab3_x-9" }],
    ]);
    const plain = whatsappWebhookToEvents(body("Hello! [ref: not a code]"));
    expect(plain.ok && plain.events.map((e) => [e.type, e.source])).toEqual([["message_received", undefined]]);
  });
});
