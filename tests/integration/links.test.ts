import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { createEventWriter, linkCatalogFor } from "@chatfunnel/ingest";
import { toEventRows } from "@chatfunnel/warehouse";
import { type Storage } from "@chatfunnel/core";
import { LINK_CODE_PATTERN, LinkSchema, LinksResponseSchema, type Link } from "@chatfunnel/schemas";
import { createProject, freshDatabase, testConfig, waitFor } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";

const BOT = "shop_bot";
const DAY = "2026-05-01";
const RANGE = "from=2026-05-01&to=2026-05-02";
const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

const telegramStart = (updateId: number, userId: number, payload: string, at = "2026-05-01T09:00:00Z") => ({
  update_id: updateId,
  message: { message_id: updateId, date: unix(at), chat: { id: userId, type: "private" }, from: { id: userId, is_bot: false, first_name: "U" }, text: `/start ${payload}` },
});
const vkMessage = (eventId: string, userId: number, ref: string) => ({
  group_id: 218123456,
  type: "message_new",
  event_id: eventId,
  v: "5.199",
  object: { message: { date: unix("2026-05-01T09:00:00Z"), from_id: userId, id: 1, out: 0, peer_id: userId, text: "Начать", ref, ref_source: "vk_ads" } },
});
const whatsappText = (messageId: string, from: string, text: string, referral?: object) => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: "102290129340398",
      changes: [
        {
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "15550001111", phone_number_id: "106540352242922" },
            contacts: [{ profile: { name: "K" }, wa_id: from }],
            messages: [{ from, id: messageId, timestamp: String(unix("2026-05-01T09:00:00Z")), type: "text", text: { body: text }, ...(referral ? { referral } : {}) }],
          },
        },
      ],
    },
  ],
});

describe("tracked links against the real engine", () => {
  let storage: Storage;
  let testApp: TestApp;
  let project: Awaited<ReturnType<typeof createProject>>;

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const api = () => ({
    create: (body: object, key = project.manageKey) => request(testApp.app).post("/api/v1/links").set("Authorization", `Bearer ${key}`).send(body),
    list: (query = RANGE) => request(testApp.app).get(`/api/v1/links?${query}`).set("Authorization", `Bearer ${project.readKey}`),
    remove: (id: string) => request(testApp.app).delete(`/api/v1/links/${id}`).set("Authorization", `Bearer ${project.manageKey}`),
    update: (channel: string, body: object, query = "") =>
      request(testApp.app).post(`/v1/updates/${channel}${query}`).set("Authorization", `Bearer ${project.writeKey}`).send(body),
    events: (events: object[]) => request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events }),
    get: (path: string) => request(testApp.app).get(path).set("Authorization", `Bearer ${project.readKey}`),
  });

  const create = async (body: object): Promise<Link> => {
    const res = await api().create(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return LinkSchema.parse(res.body);
  };

  const storedSource = async (userId: string) => {
    const result = await storage.client.query({
      query: `SELECT type, source_source, source_medium, source_campaign, source_content, source_payload FROM ${storage.database}.events FINAL
              WHERE project_id = {p:String} AND user_id = {u:String} ORDER BY ts, type`,
      query_params: { p: project.projectId, u: userId },
      format: "JSONEachRow",
    });
    return result.json<{ type: string; source_source: string; source_medium: string; source_campaign: string; source_content: string; source_payload: string }>();
  };

  it("creates links whose codes fit Telegram's start parameter and whose URLs open the bot with them", async () => {
    const tg = await create({ channel: "telegram", target: "@shop_bot", campaign: "black_friday", source: "vk_ads", medium: "cpc", name: "BF banner" });
    expect(tg.code).toMatch(LINK_CODE_PATTERN);
    expect(tg.url).toBe(`https://t.me/shop_bot?start=${tg.code}`);
    expect(tg).toMatchObject({ channel: "telegram", target: "shop_bot", campaign: "black_friday", source: "vk_ads", medium: "cpc", content: null, term: null, name: "BF banner", adId: null });
    const vk = await create({ channel: "vk", target: "shop_club", campaign: "spring" });
    expect(vk.url).toBe(`https://vk.me/shop_club?ref=${vk.code}`);
    expect((await create({ channel: "vk", target: "218123456", campaign: "spring" })).url).toMatch(/^https:\/\/vk\.me\/club218123456\?ref=/);
    const wa = await create({ channel: "whatsapp", target: "+79991234567", campaign: "wa_promo" });
    expect(wa.url).toBe(`https://wa.me/79991234567?text=${encodeURIComponent(`Hello! [ref:${wa.code}]`)}`);
    const codes = new Set([tg.code, vk.code, wa.code]);
    expect(codes.size).toBe(3);
  });

  it("answers 400 naming the field for a bad target per channel, a missing campaign or an unknown field", async () => {
    const cases: Array<[object, string]> = [
      [{ channel: "telegram", target: "shop", campaign: "x" }, "target"],
      [{ channel: "telegram", target: "https://t.me/shop_bot", campaign: "x" }, "target"],
      [{ channel: "whatsapp", target: "call me", campaign: "x" }, "target"],
      [{ channel: "vk", target: "vk.com/shop club", campaign: "x" }, "target"],
      [{ channel: "viber", target: "x", campaign: "x" }, "channel"],
      [{ channel: "vk", target: "shop" }, "campaign"],
      [{ channel: "vk", target: "shop", campaign: "x", utm: "y" }, "utm"],
      // Text the engine cannot store (a name cut in the middle of an emoji) is refused, not a 500.
      [{ channel: "vk", target: "shop", campaign: "spring \ud83d" }, "campaign"],
      [{ channel: "vk", target: "shop", campaign: "x", name: "\udc00" }, "name"],
    ];
    for (const [body, field] of cases) {
      const res = await api().create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(body)).toContain(field);
    }
    expect((await api().create({ channel: "vk", target: "shop", campaign: "x" }, project.writeKey)).status).toBe(401);
  });

  it("gives a Telegram start payload and a VK ref the link's campaign, so costs by campaign and CPL see it", async () => {
    const tg = await create({ channel: "telegram", target: BOT, campaign: "tg_cmp", source: "tg_ads", medium: "cpc", content: "banner_a" });
    const vk = await create({ channel: "vk", target: "shop_club", campaign: "vk_cmp", source: "vk_ads" });
    expect((await api().update("telegram", telegramStart(5001, 111, tg.code), `?botId=${BOT}`)).body.accepted).toBe(1);
    expect((await api().update("telegram", telegramStart(5002, 112, tg.code), `?botId=${BOT}`)).body.accepted).toBe(1);
    expect((await api().update("vk", vkMessage("ev-1", 221, vk.code))).body.accepted).toBeGreaterThan(0);
    const later = { timestamp: "2026-05-01T10:00:00Z" };
    await api().events([
      makeEvent({ ...later, userId: "111", botId: BOT, type: "lead" }),
      makeEvent({ ...later, userId: "111", botId: BOT, type: "order", revenue: 1000, currency: "RUB" }),
      makeEvent({ ...later, userId: "112", botId: BOT, type: "lead" }),
      makeEvent({ ...later, channel: "vk", botId: "218123456", userId: "221", type: "lead" }),
    ]);
    const [started] = await storedSource("111");
    expect(started).toMatchObject({ type: "bot_started", source_campaign: "tg_cmp", source_source: "tg_ads", source_medium: "cpc", source_content: "banner_a", source_payload: tg.code });
    const vkAttributed = (await storedSource("221")).filter((row) => row.source_payload !== "");
    expect(vkAttributed.length).toBeGreaterThan(0);
    expect(vkAttributed.every((row) => row.source_campaign === "vk_cmp" && row.source_payload === vk.code)).toBe(true);

    await request(testApp.app)
      .post("/api/v1/spend")
      .set("Authorization", `Bearer ${project.manageKey}`)
      .send({ rows: [{ date: DAY, channel: "telegram", campaign: "tg_cmp", amount: 500, currency: "RUB" }, { date: DAY, channel: "vk", campaign: "vk_cmp", amount: 300, currency: "RUB" }] })
      .expect(200);
    const costs = (await api().get(`/api/v1/costs?by=campaign&${RANGE}`)).body;
    const tgRow = costs.rows.find((row: { key: string }) => row.key === "tg_cmp");
    expect(tgRow).toMatchObject({ leads: 2, orders: 1, spend: { amount: 500 }, cpl: { amount: 250, currency: "RUB" } });
    expect(costs.rows.find((row: { key: string }) => row.key === "vk_cmp")).toMatchObject({ leads: 1, cpl: { amount: 300 } });
    // The campaign filter (first touch) sees the link's campaign too.
    expect((await api().get(`/api/v1/overview?campaign=tg_cmp&${RANGE}`)).body.current.leads).toBe(2);

    const report = LinksResponseSchema.parse((await api().list()).body);
    const tgReport = report.links.find((link) => link.id === tg.id)!;
    expect(tgReport).toMatchObject({ users: 2, leads: 2, orders: 1, revenue: { amount: 1000, currency: "RUB" }, spend: { amount: 500, currency: "RUB" }, cpl: { amount: 250 }, cpo: { amount: 500 } });
    expect(report.links.find((link) => link.id === vk.id)).toMatchObject({ users: 1, leads: 1, orders: 0, spend: { amount: 300 }, cpl: { amount: 300 }, cpo: null });
    // Outside the range nothing counts.
    const before = LinksResponseSchema.parse((await api().list("from=2026-04-01&to=2026-04-02")).body);
    expect(before.links.find((link) => link.id === tg.id)).toMatchObject({ users: 0, leads: 0, spend: { amount: 0 }, cpl: null });
  });

  it("attributes the WhatsApp prefilled code and a click-to-WhatsApp ad id", async () => {
    const wa = await create({ channel: "whatsapp", target: "15550001111", campaign: "wa_text" });
    const ad = await create({ channel: "whatsapp", target: "15550001111", campaign: "wa_ad", source: "meta", medium: "ctwa", adId: "120215463284990777" });
    await api().update("whatsapp", whatsappText("wamid.link1", "4915112345678", `Hello! [ref:${wa.code}]`));
    await api().update(
      "whatsapp",
      whatsappText("wamid.link2", "4915187654321", "Can I get more info?", { source_url: "https://fb.me/x", source_id: "120215463284990777", source_type: "ad", headline: "Sale -30%", ctwa_clid: "ARAkLk" }),
    );
    expect((await storedSource("4915112345678")).some((row) => row.source_campaign === "wa_text" && row.source_payload === wa.code)).toBe(true);
    expect((await storedSource("4915187654321")).some((row) => row.source_campaign === "wa_ad" && row.source_medium === "ctwa")).toBe(true);
    const report = LinksResponseSchema.parse((await api().list()).body);
    expect(report.links.find((link) => link.id === wa.id)?.users).toBe(1);
    expect(report.links.find((link) => link.id === ad.id)?.users).toBe(1);
    // One ad id belongs to one link.
    const again = await api().create({ channel: "whatsapp", target: "15550001111", campaign: "other", adId: "120215463284990777" });
    expect(again.status).toBe(400);
    expect(again.body.error.details[0].path).toBe("adId");
  });

  it("keeps an event's own campaign, and keeps a payload that matches no link as it is", async () => {
    const link = await create({ channel: "telegram", target: BOT, campaign: "link_cmp" });
    await api().events([
      makeEvent({ userId: "own", botId: BOT, type: "bot_started", source: { campaign: "own_cmp", payload: link.code } }),
      makeEvent({ userId: "nomatch", botId: BOT, type: "bot_started", source: { payload: "zzUnknownCode" } }),
    ]);
    expect((await storedSource("own"))[0]).toMatchObject({ source_campaign: "own_cmp", source_payload: link.code });
    expect((await storedSource("nomatch"))[0]).toMatchObject({ source_campaign: "", source_source: "", source_payload: "zzUnknownCode" });
  });

  it("does not re-attribute events stored before the link, and stops attributing once it is deleted", async () => {
    // An ad's events arrive before anyone made a link for its ad id: they keep no campaign.
    await api().events([makeEvent({ channel: "whatsapp", userId: "early", type: "bot_started", source: { payload: "ad-early-1" } })]);
    const link = await create({ channel: "whatsapp", target: "15550001111", campaign: "late", adId: "ad-early-1" });
    await api().events([makeEvent({ channel: "whatsapp", userId: "late", type: "bot_started", source: { payload: "ad-early-1" } })]);
    expect((await storedSource("early"))[0]?.source_campaign).toBe("");
    expect((await storedSource("late"))[0]?.source_campaign).toBe("late");

    expect((await api().remove(link.id)).status).toBe(204);
    expect((await api().remove(link.id)).status).toBe(404);
    expect((await api().remove("no-such-link")).status).toBe(404);
    expect(LinksResponseSchema.parse((await api().list()).body).links.some((row) => row.id === link.id)).toBe(false);
    await api().events([makeEvent({ channel: "whatsapp", userId: "after_delete", type: "bot_started", source: { payload: link.code } })]);
    expect((await storedSource("after_delete"))[0]).toMatchObject({ source_campaign: "", source_payload: link.code });
  });

  it("is in openapi.json: 201 on create, 204 and a path parameter on delete", async () => {
    const doc = (await request(testApp.app).get("/api/v1/openapi.json")).body;
    expect(doc.paths["/api/v1/links"].post.responses["201"].content["application/json"].schema.properties).toHaveProperty("url");
    expect(doc.paths["/api/v1/links"].post.requestBody.content["application/json"].schema.required).toEqual(expect.arrayContaining(["channel", "target", "campaign"]));
    expect(doc.paths["/api/v1/links"].get.responses["200"]).toBeDefined();
    const del = doc.paths["/api/v1/links/{id}"].delete;
    expect(Object.keys(del.responses)).toEqual(expect.arrayContaining(["204", "404"]));
    expect(del.parameters).toEqual([{ name: "id", in: "path", required: true, schema: { type: "string" } }]);
  });

  it("reaches a writer in another process (the Kafka consumer) through the links table within seconds", async () => {
    const link = await create({ channel: "vk", target: "shop_club", campaign: "elsewhere" });
    // Another process: its own storage handle, so its own catalog, reading the same database.
    const consumerStorage: Storage = { ...storage.withDatabase(storage.database), close: async () => {} };
    expect(linkCatalogFor(consumerStorage)).not.toBe(linkCatalogFor(storage));
    const writer = createEventWriter(consumerStorage, testConfig());
    try {
      await writer.write(toEventRows(project.projectId, [makeEvent({ channel: "vk", userId: "via_consumer", type: "bot_started", source: { payload: link.code } })], new Date()));
      expect((await storedSource("via_consumer"))[0]?.source_campaign).toBe("elsewhere");
      // A link made after that catalog loaded arrives with its next refresh.
      const later = await create({ channel: "vk", target: "shop_club", campaign: "elsewhere_later" });
      await waitFor(
        async () => {
          await writer.write(toEventRows(project.projectId, [makeEvent({ channel: "vk", userId: "via_consumer_2", type: "bot_started", source: { payload: later.code } })], new Date()));
          return (await storedSource("via_consumer_2")).map((row) => row.source_campaign);
        },
        (campaigns) => campaigns.includes("elsewhere_later"),
        10_000,
        500,
      );
    } finally {
      await writer.close();
    }
  });
});
