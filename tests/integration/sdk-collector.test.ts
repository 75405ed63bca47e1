import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Storage } from "@chatfunnel/core";
import { Chatfunnel, type DropReason, type QueuedEvent, type RejectedEvent } from "@chatfunnel/sdk";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

/** The SDK against the real collector (embedded default on chDB) listening on an ephemeral port. */
describe("SDK → real collector", () => {
  let storage: Storage;
  let testApp: TestApp;
  let server: Server;
  let url: string;
  let project: Awaited<ReturnType<typeof createProject>>;

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    testApp = createTestApp(storage);
    server = testApp.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await testApp.close();
  });

  const stored = async (where = "1") => {
    const result = await storage.client.query({
      query: `SELECT count() AS n, uniqExact(event_id) AS ids FROM ${storage.database}.events FINAL WHERE project_id = {p:String} AND ${where}`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
    });
    const [row] = await result.json<{ n: string | number; ids: string | number }>();
    return { n: Number(row?.n), ids: Number(row?.ids) };
  };

  it("delivers every tracked event exactly once, in batches of at most 1000", async () => {
    const cf = new Chatfunnel({ writeKey: project.writeKey, endpoint: url, channel: "telegram", botId: "shop_bot", maxBatchEvents: 1000, maxQueueSize: 5000 });
    const ids = new Set<string>();
    for (let i = 0; i < 2500; i++) {
      const userId = `u${i % 300}`;
      const id =
        i % 5 === 0
          ? cf.botStarted({ userId, source: { campaign: "spring", source: "vk" } })
          : i % 5 === 1
            ? cf.lead({ userId })
            : i % 5 === 2
              ? cf.order({ userId, revenue: 990, currency: "RUB", properties: { sku: "A-1" } })
              : cf.track({ type: "custom_thing", userId, channel: "whatsapp", properties: { n: i } });
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      ids.add(id!);
    }
    const result = await cf.flush();
    expect(result).toEqual({ accepted: 2500, rejected: [], dropped: 0, droppedByReason: {} });
    expect(await stored()).toEqual({ n: 2500, ids: 2500 });
    expect(await stored("type = 'order' AND revenue = 990")).toEqual({ n: 500, ids: 500 });
    expect(cf.stats()).toMatchObject({ queued: 0, inFlight: 0, tracked: 2500, accepted: 2500, dropped: 0, retries: 0 });
    // 2500 events at ≤ 1000 per batch need at least 3 requests.
    expect(cf.stats().requests).toBeGreaterThanOrEqual(3);
    await cf.shutdown();
  });

  it("reports events the collector rejects with the server's reasons, and keeps their neighbours", async () => {
    const before = await stored();
    const rejectedSeen: RejectedEvent[] = [];
    const cf = new Chatfunnel({ writeKey: project.writeKey, endpoint: url, channel: "vk", botId: "b", onRejected: (r) => rejectedSeen.push(...r) });
    cf.messageReceived({ userId: "fine-1" });
    // Passes the SDK's cheap checks, fails the server's: a timestamp a year ahead and an oversized property key.
    const future = cf.messageReceived({ userId: "future", timestamp: new Date(Date.now() + 365 * 86_400_000) });
    const badSource = cf.track({ type: "lead", userId: "x", source: { campaign: "c".repeat(300) } });
    cf.messageReceived({ userId: "fine-2" });
    const result = await cf.flush();
    expect(result.accepted).toBe(2);
    expect(result.rejected.map((r) => r.event.id).sort()).toEqual([future, badSource].sort());
    expect(rejectedSeen).toHaveLength(2);
    const futureErrors = rejectedSeen.find((r) => r.event.id === future)!.errors;
    expect(futureErrors[0]!.path).toBe("timestamp");
    expect(futureErrors[0]!.message).toContain("future");
    expect(rejectedSeen.find((r) => r.event.id === badSource)!.errors[0]!.path).toBe("source.campaign");
    expect((await stored()).n).toBe(before.n + 2);
    await cf.shutdown();
  });

  it("does not retry a 4xx: a wrong write key drops the batch once, with the reason", async () => {
    const drops: { events: QueuedEvent[]; reason: DropReason; detail: string }[] = [];
    const errors: Error[] = [];
    const cf = new Chatfunnel({
      writeKey: "cf_w_not_a_real_key_0000",
      endpoint: url,
      channel: "telegram",
      botId: "b",
      retryBaseDelayMs: 1,
      onDrop: (events, reason, detail) => drops.push({ events, reason, detail }),
      onError: (error) => errors.push(error),
    });
    cf.lead({ userId: "nobody" });
    cf.lead({ userId: "nobody-2" });
    const result = await cf.flush();
    expect(result.dropped).toBe(2);
    expect(cf.stats().requests).toBe(1);
    expect(cf.stats().retries).toBe(0);
    expect(drops).toHaveLength(1);
    expect(drops[0]!.reason).toBe("client_error");
    expect(drops[0]!.detail).toContain("401");
    expect(errors[0]!.message).toContain("unknown write key");
  });

  it("stores what the Telegram adapter and grammY middleware produce", async () => {
    const cf = new Chatfunnel({ writeKey: project.writeKey, endpoint: url, botId: "grammy_bot" });
    const middleware = cf.telegram.grammy();
    let nextCalls = 0;
    const date = Math.floor(Date.now() / 1000) - 60;
    await middleware(
      { update: { update_id: 1, message: { message_id: 1, date, chat: { id: 77, type: "private" }, from: { id: 77, is_bot: false, first_name: "A" }, text: "/start src-tg_cmp-spring-sale_med-cpc" } } },
      async () => {
        nextCalls++;
      },
    );
    await middleware({ update: { update_id: 2, callback_query: { id: "q", from: { id: 77, is_bot: false, first_name: "A" }, chat_instance: "1", data: "buy:1" } } }, async () => {
      nextCalls++;
    });
    // Not an update at all: tracking reports it, the bot's chain still runs.
    await middleware({ update: "garbage" }, async () => {
      nextCalls++;
    });
    expect(nextCalls).toBe(3);
    await cf.flush();
    const result = await storage.client.query({
      query: `SELECT type, bot_id, user_id, source_campaign, source_medium FROM ${storage.database}.events FINAL WHERE project_id = {p:String} AND bot_id = 'grammy_bot' ORDER BY type`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
    });
    expect(await result.json()).toEqual([
      { type: "bot_started", bot_id: "grammy_bot", user_id: "77", source_campaign: "spring-sale", source_medium: "cpc" },
      { type: "button_clicked", bot_id: "grammy_bot", user_id: "77", source_campaign: "", source_medium: "" },
    ]);
  });
});
