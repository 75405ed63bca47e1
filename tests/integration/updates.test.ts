import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { EventSchema } from "@chatfunnel/schemas";
import { telegramUpdateToEvents, vkUpdateToEvents, whatsappWebhookToEvents, type AdapterResult } from "@chatfunnel/sdk";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

const fixturesDir = path.join(import.meta.dirname, "../unit/adapters/fixtures");
/** The corpus of real payloads (tests/fixtures/<channel>/<source>/*.json), named by path relative to it. */
const corpusDir = path.join(import.meta.dirname, "../fixtures");
const corpusNames = fs.existsSync(corpusDir)
  ? fs.readdirSync(corpusDir, { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".json")).map((name) => `corpus:${name}`)
  : [];
const fixtureNames = [...fs.readdirSync(fixturesDir).filter((name) => name.endsWith(".json")), ...corpusNames];
const fixturePath = (name: string) => (name.startsWith("corpus:") ? path.join(corpusDir, name.slice("corpus:".length)) : path.join(fixturesDir, name));
/** Read once, up front: every case then sees the same bodies. */
const fixtureTexts = new Map(fixtureNames.map((name) => [name, fs.readFileSync(fixturePath(name), "utf8")]));
const fixture = (name: string): unknown => JSON.parse(fixtureTexts.get(name)!);
const channelOf = (name: string) => name.replace(/^corpus:/, "").split(/[-/]/)[0] as "telegram" | "whatsapp" | "vk";
const BOT = "shop_bot";

/** What the SDK's own adapter makes of a fixture: the server must agree with it exactly. */
function sdkMapping(name: string, botId?: string): AdapterResult {
  const body = fixture(name);
  const channel = channelOf(name);
  if (channel === "telegram") return telegramUpdateToEvents(body, { botId: botId ?? BOT });
  if (channel === "whatsapp") return whatsappWebhookToEvents(body, botId === undefined ? {} : { botId });
  return vkUpdateToEvents(body, botId === undefined ? {} : { botId });
}

describe("POST /v1/updates/{channel} against the real engine", () => {
  let storage: Storage;
  let testApp: TestApp;
  let project: Awaited<ReturnType<typeof createProject>>;

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const post = (channel: string, body: unknown, query = "", key = project.writeKey) =>
    request(testApp.app).post(`/v1/updates/${channel}${query}`).set("Authorization", `Bearer ${key}`).send(body as object);

  const rows = async (where: string, params: Record<string, unknown> = {}) => {
    const result = await storage.client.query({
      query: `SELECT toString(event_id) AS id, type, channel, bot_id, user_id, source_payload, source_campaign FROM ${storage.database}.events FINAL
              WHERE project_id = {p:String} AND ${where} ORDER BY ts, id`,
      query_params: { p: project.projectId, ...params },
      format: "JSONEachRow",
    });
    return result.json<{ id: string; type: string; channel: string; bot_id: string; user_id: string; source_payload: string; source_campaign: string }>();
  };

  it("maps every well-formed fixture exactly as the SDK adapter does, and stores its events durably", async () => {
    // Payloads from different test suites reuse update ids: a bot of their own keeps their ids apart.
    for (const [n, name] of fixtureNames.entries()) {
      const botId = `fixture_bot_${n}`;
      const expected = sdkMapping(name, botId);
      if (!expected.ok) continue;
      const channel = channelOf(name);
      const res = await post(channel, fixture(name), `?botId=${botId}`);
      expect(res.status, name).toBe(200);
      // Events the contract refuses (a test suite's `date: 1`) are rejected by field, the rest stored.
      for (const refusal of res.body.rejected) expect(refusal.errors.map((e: { path: string }) => e.path), name).not.toContain("(root)");
      expect(res.body.accepted + res.body.rejected.length, name).toBe(expected.events.length);
      if (expected.events.length === 0) expect(res.body.skipped.length, `${name} says why it stored nothing`).toBeGreaterThan(0);
      for (const event of expected.events) {
        const valid = EventSchema.safeParse({ ...event, timestamp: event.timestamp instanceof Date ? event.timestamp.toISOString() : event.timestamp }).success;
        if (event.id === undefined || !valid) continue;
        const stored = await rows("event_id = toUUID({id:String})", { id: event.id });
        expect(stored.map((row) => [row.type, row.bot_id, row.user_id]), name).toEqual([[event.type, event.botId, event.userId]]);
      }
    }
  });

  it("counts a re-forwarded update once", async () => {
    const update = { ...(fixture("telegram-start-raw-payload.json") as object), update_id: 777001 };
    const first = await post("telegram", update, `?botId=${BOT}`);
    const again = await post("telegram", update, `?botId=${BOT}`);
    expect(first.body.accepted).toBe(1);
    expect(again.body.accepted).toBe(1);
    const stored = await rows("type = 'bot_started' AND bot_id = {bot:String}", { bot: BOT });
    const ids = stored.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    const vk = fixture("vk-message-new-plain.json");
    await post("vk", vk);
    await post("vk", vk);
    const wa = fixture("whatsapp-text.json");
    await post("whatsapp", wa);
    await post("whatsapp", wa);
    const counts = await rows("channel IN ('vk', 'whatsapp') AND type = 'message_received'");
    expect(new Set(counts.map((row) => row.id)).size).toBe(counts.length);
  });

  it("works for a forwarder like the README's aiogram one: one POST of the raw JSON text per update", async () => {
    // What aiogram's `update.model_dump_json(exclude_none=True)` posts: the Bot API Update as JSON text.
    const userId = 424242;
    const updates = [
      { update_id: 9001, message: { message_id: 1, date: 1777629600, chat: { id: userId, type: "private" }, from: { id: userId, is_bot: false, first_name: "A" }, text: "/start" } },
      { update_id: 9002, message: { message_id: 2, date: 1777629605, chat: { id: userId, type: "private" }, from: { id: userId, is_bot: false, first_name: "A" }, text: "price?" } },
      { update_id: 9003, callback_query: { id: "cq1", from: { id: userId, is_bot: false, first_name: "A" }, chat_instance: "x", data: "buy", message: { message_id: 3, date: 1777629610, chat: { id: userId, type: "private" } } } },
    ];
    for (const update of updates) {
      const res = await request(testApp.app)
        .post(`/v1/updates/telegram?botId=${BOT}`)
        .set("Authorization", `Bearer ${project.writeKey}`)
        .set("Content-Type", "application/json")
        .send(JSON.stringify(update));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ accepted: 1, skipped: [], rejected: [] });
    }
    const stored = await rows("user_id = {u:String}", { u: String(userId) });
    expect(stored.map((row) => row.type).sort()).toEqual(["bot_started", "button_clicked", "message_received"]);
  });

  it("takes an array of updates, naming skipped and refused ones by position", async () => {
    const res = await post(
      "telegram",
      [fixture("telegram-message-text.json"), fixture("telegram-edited-message.json"), fixture("telegram-malformed-message-no-from.json"), fixture("telegram-command.json")],
      `?botId=${BOT}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    expect(res.body.skipped.map((s: { index: number }) => s.index)).toEqual([1]);
    expect(typeof res.body.skipped[0].reason).toBe("string");
    expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual([2]);
    expect(res.body.rejected[0].errors[0].message).toMatch(/from/);
  });

  it("defaults botId to the WhatsApp phone_number_id and the VK group_id, and takes ?botId= over them", async () => {
    const cases = [
      { channel: "whatsapp", name: "whatsapp-interactive-button.json", payloadBot: "106540352242922", adapter: whatsappWebhookToEvents },
      { channel: "vk", name: "vk-message-event.json", payloadBot: "218123456", adapter: vkUpdateToEvents },
    ];
    for (const { channel, name, payloadBot, adapter } of cases) {
      for (const botId of [undefined, `${channel}_shop`]) {
        expect((await post(channel, fixture(name), botId === undefined ? "" : `?botId=${botId}`)).body.accepted).toBe(1);
        const mapped = adapter(fixture(name), botId === undefined ? {} : { botId });
        const id = mapped.ok ? mapped.events[0]?.id : undefined;
        expect((await rows("event_id = toUUID({id:String})", { id })).map((row) => row.bot_id), `${name} ${botId}`).toEqual([botId ?? payloadBot]);
      }
    }
  });

  it("answers 400 naming what is wrong when the body is not the channel's shape, never a 500", async () => {
    const wrongChannel = await post("telegram", fixture("whatsapp-text.json"), `?botId=${BOT}`);
    expect(wrongChannel.status).toBe(400);
    expect(wrongChannel.body.error.message).toMatch(/not a telegram update.*update_id/);
    const vkAsWhatsapp = await post("whatsapp", fixture("vk-message-new-plain.json"));
    expect(vkAsWhatsapp.status).toBe(400);
    expect(vkAsWhatsapp.body.error.message).toMatch(/whatsapp_business_account/);
    const allBad = await post("vk", [1, "x", null]);
    expect(allBad.status).toBe(400);
    expect(allBad.body.error.details).toHaveLength(3);
    expect((await post("vk", [])).status).toBe(400);
    const noBot = await post("telegram", fixture("telegram-message-text.json"));
    expect(noBot.status).toBe(400);
    expect(noBot.body.error.details).toEqual([{ path: "botId", message: expect.stringMatching(/required/) }]);
    const longBot = await post("telegram", fixture("telegram-message-text.json"), `?botId=${"b".repeat(129)}`);
    expect(longBot.status).toBe(400);
    const notJson = await request(testApp.app)
      .post(`/v1/updates/telegram?botId=${BOT}`)
      .set("Authorization", `Bearer ${project.writeKey}`)
      .set("Content-Type", "application/json")
      .send('{"update_id": ');
    expect(notJson.status).toBe(400);
    expect((await post("icq", {})).status).toBe(404);
  });

  it("refuses an update whose bytes are not UTF-8 by the field they land in, and keeps its neighbour", async () => {
    // A deep link cut by a broken client: 0xff can never appear in UTF-8. The update mapped from it
    // carries it in source.payload; stored as U+FFFD it would be a campaign nobody created.
    const update = (id: number, user: number, text: string) =>
      `{"update_id":${id},"message":{"message_id":1,"date":1777629600,"chat":{"id":${user},"type":"private"},"from":{"id":${user},"is_bot":false,"first_name":"A"},"text":"${text}"}}`;
    const [head, tail] = `[${update(9101, 515151, "/start ad_CUT")},${update(9102, 525252, "/start ad_ok")}]`.split("CUT");
    const body = Buffer.concat([Buffer.from(head!), Buffer.from([0xff]), Buffer.from(tail!)]);
    const res = await request(testApp.app)
      .post(`/v1/updates/telegram?botId=${BOT}`)
      .set("Authorization", `Bearer ${project.writeKey}`)
      .set("Content-Type", "application/json")
      .serialize((bytes: unknown) => bytes as string)
      .send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual([0]);
    expect(res.body.rejected[0].errors[0].path).toBe("source.payload");
    expect((await rows("user_id = {u:String}", { u: "525252" })).map((row) => row.source_payload)).toEqual(["ad_ok"]);
    expect(await rows("user_id = {u:String}", { u: "515151" })).toEqual([]);
  });

  it("asks for the write key and keeps /v1/events' size limit", async () => {
    expect((await post("telegram", fixture("telegram-message-text.json"), `?botId=${BOT}`, project.readKey)).status).toBe(401);
    expect((await request(testApp.app).post(`/v1/updates/telegram?botId=${BOT}`).send({ update_id: 1 })).status).toBe(401);
    const big = { update_id: 1, message: { text: "x".repeat(1_100_000) } };
    expect((await post("telegram", big, `?botId=${BOT}`)).status).toBe(413);
  });
});
