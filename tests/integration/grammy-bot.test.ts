/**
 * The README's grammY setup with the real `grammy` package: a Bot (fake token, botInfo given) whose
 * Bot API calls go to a local HTTP server standing in for api.telegram.org (grammY's
 * client.apiRoot), real updates from tests/fixtures fed through bot.handleUpdate, handlers calling
 * cf.lead / ctx.chatfunnel.*, and the events delivered to the real embedded collector on chDB,
 * then read back through the API.
 */
import fs from "node:fs";
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bot, type Context } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { FunnelResponseSchema, OverviewResponseSchema } from "@chatfunnel/schemas";
import { Chatfunnel, type ChatfunnelFlavor } from "@chatfunnel/sdk";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/telegram");
const fixture = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(fixtures, file), "utf8")) as Record<string, unknown>;
const BOT_INFO: UserFromGetMe = {
  id: 7000000001,
  is_bot: true,
  first_name: "Shop",
  username: "shop_test_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

/** A real update from the corpus, re-addressed to one user at one time (ids and date are all that change). */
function realUpdate(file: string, updateId: number, userId: number, dateSeconds: number, patch: Record<string, unknown> = {}): Record<string, unknown> {
  const update = structuredClone(fixture(file));
  update["update_id"] = updateId;
  const message = update["message"] as Record<string, unknown>;
  message["date"] = dateSeconds;
  message["from"] = { ...(message["from"] as object), id: userId };
  message["chat"] = { ...(message["chat"] as object), id: userId, type: "private" };
  Object.assign(message, patch);
  return update;
}

describe("a real grammY bot with the README's three-line setup", () => {
  let storage: Storage;
  let testApp: TestApp;
  let collector: Server;
  let telegram: Server;
  let collectorUrl: string;
  let telegramUrl: string;
  const apiCalls: string[] = [];

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
    collector = testApp.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => collector.once("listening", resolve));
    collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // Stands in for api.telegram.org: every method succeeds; sendMessage echoes a message.
    telegram = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const method = (req.url ?? "").split("/").pop() ?? "";
        apiCalls.push(method);
        const params = body.startsWith("{") ? (JSON.parse(body) as Record<string, unknown>) : {};
        const result =
          method === "sendMessage"
            ? { message_id: apiCalls.length, date: Math.floor(Date.now() / 1000), chat: { id: params["chat_id"], type: "private" }, text: params["text"] }
            : true;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: true, result }));
      });
    });
    telegram.listen(0, "127.0.0.1");
    await new Promise((resolve) => telegram.once("listening", resolve));
    telegramUrl = `http://127.0.0.1:${(telegram.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => collector.close(resolve));
    await new Promise((resolve) => telegram.close(resolve));
    await testApp.close();
  });

  it("counts every lead and payment, in the order they happened, down to the same second", async () => {
    const project = await createProject(storage);
    const drops: string[] = [];

    // The README's setup, as written: no botId, no channel.
    const cf = new Chatfunnel({ writeKey: project.writeKey, endpoint: collectorUrl, onDrop: (_events, reason, detail) => drops.push(`${reason}: ${detail}`) });
    const bot = new Bot<Context & ChatfunnelFlavor>("123456:TEST-TOKEN-not-real", { botInfo: BOT_INFO, client: { apiRoot: telegramUrl } });
    bot.use(cf.telegram.grammy());

    bot.command("start", (ctx) => ctx.reply("Hi! Share your phone to get a discount."));
    bot.on("message:contact", async (ctx) => {
      // Both documented idioms: the direct call (botId learned from ctx.me) and the ctx-bound helper.
      if (ctx.from.id % 2 === 0) cf.lead({ channel: "telegram", userId: String(ctx.from.id), properties: { form: "phone" } });
      else ctx.chatfunnel.lead({ properties: { form: "phone" } });
      await ctx.reply("Thanks! Pay here.");
    });
    // A payment confirmed outside Telegram (the bot's own provider), reported by the handler, as in the README.
    bot.callbackQuery("paid", (ctx) => ctx.chatfunnel.payment({ revenue: 990, currency: "RUB", properties: { provider: "external" } }));
    bot.on("message:successful_payment", (ctx) => ctx.reply("Paid, thank you!"));

    const users = Array.from({ length: 30 }, (_, i) => 500_000_000 + i);
    let updateId = 1;
    for (const userId of users) {
      // Everything of one user happens within one whole second: the adapter's update times are
      // that second's .000, the handler's lead is later in it.
      const second = Math.floor(Date.now() / 1000);
      await bot.handleUpdate(realUpdate("core-telegram-org/message-with-text.json", updateId++, userId, second, { text: "/start ad_black_friday", entities: [{ type: "bot_command", offset: 0, length: 6 }] }) as never);
      await bot.handleUpdate(realUpdate("opsdroid/test-contact-event.json", updateId++, userId, second, { message_id: 2, contact: { phone_number: "+79990000000", first_name: "A", user_id: userId } }) as never);
      if (userId % 3 === 0) {
        // Telegram's own payment: mapped by the middleware (no handler call needed), stamped .000 of the lead's second.
        await bot.handleUpdate(realUpdate("core-telegram-org/message-with-text.json", updateId++, userId, second, {
          message_id: 3,
          text: undefined,
          successful_payment: { currency: "RUB", total_amount: 99000, invoice_payload: `order-${userId}`, telegram_payment_charge_id: `c${userId}`, provider_payment_charge_id: `p${userId}` },
        }) as never);
      } else if (userId % 3 === 1) {
        const click = structuredClone(fixture("core-telegram-org/callback-query.json"));
        click["update_id"] = updateId++;
        click["callback_query"] = { ...(click["callback_query"] as object), id: `cb${userId}`, data: "paid", from: { ...((click["callback_query"] as Record<string, object>)["from"]), id: userId } };
        await bot.handleUpdate(click as never);
      }
    }
    const result = await cf.shutdown();
    expect(drops).toEqual([]);
    // Per user: bot_started, the contact as message_received, the lead; then a payment (Telegram's,
    // or a "paid" button click plus the handler's payment) for two thirds of them.
    expect(result.total).toMatchObject({ tracked: 30 * 3 + 10 * 1 + 10 * 2, accepted: 120, dropped: 0, rejected: 0 });
    expect(apiCalls.filter((m) => m === "sendMessage").length).toBe(30 * 2 + 10);

    const api = (url: string) => request(testApp.app).get(url).set("Authorization", `Bearer ${project.readKey}`);
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 3600_000).toISOString();
    const overview = OverviewResponseSchema.parse((await api(`/api/v1/overview?from=${from}&to=${to}`).expect(200)).body);
    expect(overview.current).toMatchObject({ users: 30, leads: 30 });
    expect(overview.current.revenue).toEqual({ amount: 20 * 990, currency: "RUB" });

    const funnel = FunnelResponseSchema.parse((await api(`/api/v1/funnel?from=${from}&to=${to}&steps=bot_started&steps=lead&steps=payment&botId=shop_test_bot`).expect(200)).body);
    expect(funnel.steps.map((step) => step.users)).toEqual([30, 30, 20]);

    // Per user, stored times never go back: bot_started < lead < payment even within one second.
    const rows = await storage.client.query({
      query: `SELECT user_id, groupArray(type) AS types FROM (SELECT user_id, type, ts FROM ${storage.database}.events FINAL WHERE project_id = {p:String} ORDER BY user_id, ts) GROUP BY user_id`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
    });
    const orders = await rows.json<{ user_id: string; types: string[] }>();
    expect(orders).toHaveLength(30);
    for (const { user_id, types } of orders) {
      const id = Number(user_id);
      const expected = { 0: ["payment"], 1: ["button_clicked", "payment"], 2: [] }[id % 3 as 0 | 1 | 2];
      expect(types, user_id).toEqual(["bot_started", "message_received", "lead", ...expected]);
    }
    // The campaign's start payload is kept for tracked links to match.
    const started = await storage.client.query({
      query: `SELECT DISTINCT source_payload AS payload, bot_id AS botId FROM ${storage.database}.events FINAL WHERE project_id = {p:String} AND type = 'bot_started'`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
    });
    expect(await started.json()).toEqual([{ payload: "ad_black_friday", botId: "shop_test_bot" }]);
  }, 60_000);

  it("counts a re-delivered update once: the event ids come from the update", async () => {
    const project = await createProject(storage);
    const cf = new Chatfunnel({ writeKey: project.writeKey, endpoint: collectorUrl });
    const bot = new Bot("123456:TEST-TOKEN-not-real", { botInfo: BOT_INFO, client: { apiRoot: telegramUrl } });
    bot.use(cf.telegram.grammy());
    const update = realUpdate("core-telegram-org/message-with-audio.json", 77, 600_000_001, Math.floor(Date.now() / 1000));
    // Telegram re-sends an update when the webhook answered too late; grammY hands it over twice.
    await bot.handleUpdate(structuredClone(update) as never);
    await bot.handleUpdate(structuredClone(update) as never);
    expect((await cf.shutdown()).total.accepted).toBe(2);
    const rows = await storage.client.query({
      query: `SELECT count() AS n FROM ${storage.database}.events FINAL WHERE project_id = {p:String}`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
    });
    expect(await rows.json()).toEqual([{ n: 1 }]);
  }, 60_000);
});
