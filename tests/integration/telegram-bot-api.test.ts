import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendTelegramMessage, sendTelegramPhoto, escapeTelegramHtml, TELEGRAM_MESSAGE_MAX } from "../../api/src/notify/telegram-bot-api.js";
import { DeliverTargetSchema, TelegramBotTokenSchema } from "@chatfunnel/schemas";
import { TelegramBotApiStandIn } from "../support/telegram-bot-api-stand-in.js";

// The Bot API docs' own example token shape.
const target = { botToken: "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", chatId: -1001234567890 };
// The smallest valid PNG: the 8-byte signature is all the stand-in needs to see the bytes arrive intact.
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

describe("Telegram Bot API client against a local stand-in", () => {
  const api = new TelegramBotApiStandIn();
  const config = () => ({ TELEGRAM_API_URL: api.url, TELEGRAM_TIMEOUT_MS: 500 });
  beforeAll(() => api.start());
  afterAll(() => api.stop());

  it("sends a message to the chat with the token in the path", async () => {
    const result = await sendTelegramMessage(config(), target, { text: "<b>Leads</b> 12", parseMode: "HTML" });
    expect(result).toMatchObject({ ok: true, statusCode: 200, error: null });
    const call = api.callsOf("sendMessage").at(-1);
    expect(call?.token).toBe(target.botToken);
    expect(call?.fields).toMatchObject({ chat_id: target.chatId, text: "<b>Leads</b> 12", parse_mode: "HTML" });
  });

  it("cuts a text past Telegram's limit instead of having it refused", async () => {
    await sendTelegramMessage(config(), target, { text: "я".repeat(TELEGRAM_MESSAGE_MAX + 50) });
    const text = String(api.callsOf("sendMessage").at(-1)?.fields.text);
    expect([...text]).toHaveLength(TELEGRAM_MESSAGE_MAX);
    expect(text.endsWith("…")).toBe(true);
  });

  it("uploads a photo as multipart with its caption", async () => {
    const result = await sendTelegramPhoto(config(), target, { png: PNG, fileName: "digest.png", caption: "Week" });
    expect(result.ok).toBe(true);
    const call = api.callsOf("sendPhoto").at(-1);
    expect(call?.fields).toMatchObject({ chat_id: String(target.chatId), caption: "Week" });
    expect(call?.files.photo?.type).toBe("image/png");
    expect([...(call?.files.photo?.bytes ?? [])]).toEqual([...PNG]);
  });

  it("reports Telegram's refusal and its retry_after, never throwing", async () => {
    api.respond = () => ({ status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } } });
    const result = await sendTelegramMessage(config(), target, { text: "x" });
    expect(result).toMatchObject({ ok: false, statusCode: 429, error: "Too Many Requests: retry after 7", retryAfterS: 7 });
    api.respond = (index) => ({ status: 200, body: { ok: true, result: { message_id: index } } });
  });

  it("reports no answer within the deadline, without the token in the error", async () => {
    api.respond = () => ({ status: 200, body: { ok: true }, delayMs: 2000 });
    const result = await sendTelegramMessage(config(), target, { text: "x" });
    expect(result.ok).toBe(false);
    expect(result.statusCode).toBeNull();
    expect(result.error).toContain("500 ms");
    expect(result.error).not.toContain(target.botToken);
    api.respond = (index) => ({ status: 200, body: { ok: true, result: { message_id: index } } });
  });

  it("reports an unreachable Bot API", async () => {
    const result = await sendTelegramMessage({ TELEGRAM_API_URL: "http://127.0.0.1:1", TELEGRAM_TIMEOUT_MS: 500 }, target, { text: "x" });
    expect(result).toMatchObject({ ok: false, statusCode: null });
    expect(result.error).toMatch(/not reachable/);
  });
});

describe("delivery target schema", () => {
  it("takes the documented token shape and refuses others naming the field", () => {
    expect(TelegramBotTokenSchema.safeParse(target.botToken).success).toBe(true);
    for (const bad of ["123456", "abc:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "123456:short", "123456:has space in it 1234567890123456789"]) {
      expect(TelegramBotTokenSchema.safeParse(bad).success).toBe(false);
    }
    const refused = DeliverTargetSchema.safeParse({ telegram: { botToken: "nope", chatId: 5 } });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.path).toEqual(["telegram", "botToken"]);
  });

  it("needs exactly one of telegram or webhook, and only http(s) webhooks", () => {
    expect(DeliverTargetSchema.safeParse({}).success).toBe(false);
    expect(DeliverTargetSchema.safeParse({ telegram: target, webhook: { url: "https://crm.example/hook" } }).success).toBe(false);
    expect(DeliverTargetSchema.safeParse({ webhook: { url: "ftp://crm.example/hook" } }).error?.issues[0]?.path).toEqual(["webhook", "url"]);
    expect(DeliverTargetSchema.safeParse({ telegram: { ...target, chatId: "@my_channel" } }).success).toBe(true);
  });

  it("escapes the three characters HTML parse mode needs", () => {
    expect(escapeTelegramHtml("a<b & c>d")).toBe("a&lt;b &amp; c&gt;d");
  });
});
