import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, type Storage } from "@chatfunnel/core";
import { AlertScheduler } from "@chatfunnel/api";
import { verifyWebhookSignature } from "@chatfunnel/ingest";
import { AlertCreatedSchema, AlertRunSchema, AlertWebhookPayloadSchema, SavedFunnelSchema, type Event } from "@chatfunnel/schemas";
import { recordAlertRun, type AlertRunRecord } from "@chatfunnel/warehouse";
import { createProject, freshDatabase, loadEventsInTwoParts, testConfig } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import { TelegramBotApiStandIn } from "../support/telegram-bot-api-stand-in.js";
import { createTestApp } from "../support/test-app.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

/**
 * Alerts and saved funnels against the real engine (chDB), with a local Bot API stand-in (TELEGRAM_API_URL) and a
 * local receiver for webhook targets. Evaluations look at the last full period: `check` uses the real clock (daily
 * alerts in UTC look at yesterday), the scheduler tests move a clock of their own.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TOKEN = "123456789:AAExampleSecretPartOfTheTokenAbcdEFGH";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(overrides: Record<string, string> = {}, shared?: { storage: Storage; telegram: TelegramBotApiStandIn }) {
  const storage = shared?.storage ?? (await freshDatabase());
  const telegram = shared?.telegram ?? (await new TelegramBotApiStandIn().start());
  const project = await createProject(storage);
  const env = { TELEGRAM_API_URL: telegram.url, WEBHOOK_TIMEOUT_MS: "2000", ...overrides };
  const testApp = createTestApp(storage, env);
  cleanups.push(async () => {
    await testApp.close();
    if (!shared) await telegram.stop();
  });
  const as = (key: string) => `Bearer ${key}`;
  const api = {
    create: (body: object, key = project.manageKey) => request(testApp.app).post("/api/v1/alerts").set("Authorization", as(key)).send(body),
    list: (key = project.readKey) => request(testApp.app).get("/api/v1/alerts").set("Authorization", as(key)),
    get: (id: string, key = project.readKey) => request(testApp.app).get(`/api/v1/alerts/${id}`).set("Authorization", as(key)),
    patch: (id: string, body: object, key = project.manageKey) => request(testApp.app).patch(`/api/v1/alerts/${id}`).set("Authorization", as(key)).send(body),
    remove: (id: string, key = project.manageKey) => request(testApp.app).delete(`/api/v1/alerts/${id}`).set("Authorization", as(key)),
    check: (id: string, key = project.manageKey) => request(testApp.app).post(`/api/v1/alerts/${id}/check`).set("Authorization", as(key)),
    history: (id: string, query = "", key = project.readKey) => request(testApp.app).get(`/api/v1/alerts/${id}/history${query}`).set("Authorization", as(key)),
    saveFunnel: (body: object, key = project.manageKey) => request(testApp.app).post("/api/v1/funnels").set("Authorization", as(key)).send(body),
    funnels: (key = project.readKey) => request(testApp.app).get("/api/v1/funnels").set("Authorization", as(key)),
    funnel: (id: string, key = project.readKey) => request(testApp.app).get(`/api/v1/funnels/${id}`).set("Authorization", as(key)),
    putFunnel: (id: string, body: object, key = project.manageKey) => request(testApp.app).put(`/api/v1/funnels/${id}`).set("Authorization", as(key)).send(body),
    deleteFunnel: (id: string, key = project.manageKey) => request(testApp.app).delete(`/api/v1/funnels/${id}`).set("Authorization", as(key)),
    spend: (rows: object[]) => request(testApp.app).post("/api/v1/spend").set("Authorization", as(project.manageKey)).send({ rows }),
    project: (body: object) => request(testApp.app).patch("/api/v1/project").set("Authorization", as(project.manageKey)).send(body),
  };
  const load = (events: Event[]) => loadEventsInTwoParts(storage, project.projectId, events);
  return { storage, telegram, project, api, load, config: testConfig(env) };
}

/** `n` events of `type` by different users at `atMs`. */
const many = (n: number, type: string, atMs: number, overrides: Partial<Event> = {}) =>
  Array.from({ length: n }, (_, i) => makeEvent({ type, userId: `${type}-${atMs}-${i}`, timestamp: new Date(atMs + i * 1000).toISOString(), ...overrides }));

const telegramTarget = { telegram: { botToken: TOKEN, chatId: -1001234567890 } };
const todayUtc = () => Math.floor(Date.now() / DAY) * DAY;
/** Midday of yesterday (the last full UTC day) and of the day before. */
const yesterday = () => todayUtc() - DAY / 2;
const dayBefore = () => todayUtc() - DAY - DAY / 2;

describe("alerts: conditions, check now and history", () => {
  it("decides each condition on both sides of its threshold and at exactly it, and sends only what fired", async () => {
    const { api, load, telegram } = await setup();
    await load([...many(10, "lead", yesterday()), ...many(8, "lead", dayBefore()), ...many(8, "order", yesterday()), ...many(10, "order", dayBefore())]);
    const created = await api.create({ name: "Leads", metric: "leads", condition: { op: "below", value: 11 }, schedule: "daily", deliver: telegramTarget });
    expect(created.status).toBe(201);
    const alert = AlertCreatedSchema.parse(created.body);
    expect(alert).toMatchObject({ metric: "leads", filters: {}, schedule: "daily", deliver: { telegram: { botId: "123456789", chatId: -1001234567890 } }, webhookSecret: null, lastRun: null });
    expect(JSON.stringify(created.body)).not.toContain("AAExampleSecret");

    // leads: 10 yesterday, 8 the day before (+25 %); orders: 8 and 10 (−20 %).
    const cases: Array<[string, { op: string; value: number }, boolean]> = [
      ["leads", { op: "below", value: 11 }, true],
      ["leads", { op: "below", value: 10 }, false], // exactly at: below is strict
      ["leads", { op: "below", value: 9 }, false],
      ["leads", { op: "above", value: 9 }, true],
      ["leads", { op: "above", value: 10 }, false], // exactly at: above is strict
      ["leads", { op: "above", value: 11 }, false],
      ["leads", { op: "rises_by_pct", value: 24.9 }, true],
      ["leads", { op: "rises_by_pct", value: 25 }, true], // exactly at: the % ops fire on reaching it
      ["leads", { op: "rises_by_pct", value: 25.1 }, false],
      ["leads", { op: "drops_by_pct", value: 1 }, false],
      ["orders", { op: "drops_by_pct", value: 19.9 }, true],
      ["orders", { op: "drops_by_pct", value: 20 }, true], // exactly at
      ["orders", { op: "drops_by_pct", value: 20.1 }, false],
      ["orders", { op: "rises_by_pct", value: 1 }, false],
    ];
    let sent = 0;
    for (const [metric, condition, fires] of cases) {
      expect((await api.patch(alert.id, { metric, condition })).status).toBe(200);
      const checked = await api.check(alert.id);
      expect(checked.status).toBe(200);
      const run = AlertRunSchema.parse(checked.body);
      expect({ metric, condition, fired: run.fired }).toEqual({ metric, condition, fired: fires });
      expect(run).toMatchObject({ trigger: "check", tz: "UTC", currency: null, period: { from: new Date(todayUtc() - DAY).toISOString(), to: new Date(todayUtc()).toISOString() } });
      expect(run.value).toBe(metric === "leads" ? 10 : 8);
      expect(run.previousValue).toBe(metric === "leads" ? 8 : 10);
      expect(run.changePct).toBe(metric === "leads" ? 25 : -20);
      if (fires) {
        sent += 1;
        expect(run.delivery).toMatchObject({ state: "sent", statusCode: 200, error: null });
      } else expect(run.delivery).toBeNull();
      expect(telegram.callsOf("sendMessage")).toHaveLength(sent);
    }
    const last = telegram.callsOf("sendMessage").at(-1)!;
    expect(last.token).toBe(TOKEN);
    expect(last.fields.chat_id).toBe(-1001234567890);
    expect(String(last.fields.text)).toContain("Orders: 8 — dropped by at least 20 %");
    expect(String(last.fields.text)).toContain("Previous day: 10 (-20 %)");

    // The history holds what fired, newest first, each with its delivery; the list shows the latest run.
    const history = (await api.history(alert.id)).body.runs as Array<{ fired: boolean; value: number; delivery: { state: string } }>;
    expect(history).toHaveLength(sent);
    expect(history.every((run) => run.fired && run.delivery.state === "sent")).toBe(true);
    expect(history[0]!.value).toBe(8);
    expect((await api.history(alert.id, "?limit=2")).body.runs).toHaveLength(2);
    const listed = (await api.list()).body.alerts;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: alert.id, metric: "orders", lastRun: { fired: false } });
    expect((await api.get(alert.id)).body).toMatchObject({ id: alert.id, condition: { op: "rises_by_pct", value: 1 } });
  });

  it("a previous period of 0 gives no % change and does not fire; a figure without a value (CPL without leads) does not fire", async () => {
    const { api, load, telegram } = await setup();
    await load(many(5, "lead", yesterday()));
    const rise = AlertCreatedSchema.parse((await api.create({ name: "Rise", metric: "leads", condition: { op: "rises_by_pct", value: 10 }, schedule: "daily", deliver: telegramTarget })).body);
    const run = AlertRunSchema.parse((await api.check(rise.id)).body);
    expect(run).toMatchObject({ value: 5, previousValue: 0, changePct: null, fired: false, reason: "the previous period is 0: no % change" });
    const cpl = AlertCreatedSchema.parse((await api.create({ name: "CPL", metric: "cpl", condition: { op: "below", value: 1e9 }, schedule: "daily", deliver: telegramTarget })).body);
    // No spend: yesterday's 5 leads cost 0 each; the day before had no leads, so no CPL at all.
    const cplRun = AlertRunSchema.parse((await api.check(cpl.id)).body);
    expect(cplRun).toMatchObject({ value: 0, previousValue: null, fired: true });
    const orders = AlertCreatedSchema.parse((await api.create({ name: "CPO", metric: "cpo", condition: { op: "below", value: 1e9 }, schedule: "daily", deliver: telegramTarget })).body);
    const cpoRun = AlertRunSchema.parse((await api.check(orders.id)).body);
    expect(cpoRun).toMatchObject({ value: null, fired: false, delivery: null });
    expect(telegram.callsOf("sendMessage")).toHaveLength(1);
  });

  it("watches CPL of one channel through filters, in the spend's currency", async () => {
    const { api, load } = await setup();
    const date = new Date(yesterday()).toISOString().slice(0, 10);
    expect((await api.spend([{ date, channel: "telegram", amount: 1000, currency: "RUB" }, { date, channel: "vk", amount: 500, currency: "RUB" }])).status).toBe(200);
    await load([...many(10, "lead", yesterday()), ...many(1, "lead", yesterday(), { channel: "vk" })]);
    const body = { name: "VK CPL", metric: "cpl", condition: { op: "above", value: 300 }, schedule: "daily", deliver: telegramTarget };
    const vk = AlertCreatedSchema.parse((await api.create({ ...body, filters: { channel: ["vk"] } })).body);
    expect(vk.filters).toEqual({ channel: ["vk"] });
    expect(AlertRunSchema.parse((await api.check(vk.id)).body)).toMatchObject({ value: 500, currency: "RUB", fired: true });
    const all = AlertCreatedSchema.parse((await api.create(body)).body);
    expect(AlertRunSchema.parse((await api.check(all.id)).body)).toMatchObject({ value: 136.3636, currency: "RUB", fired: false });
  });

  it("writes the message in the project's language setting", async () => {
    const { api, load, telegram } = await setup();
    await load(many(3, "lead", yesterday()));
    const alert = AlertCreatedSchema.parse((await api.create({ name: "Leads", metric: "leads", condition: { op: "above", value: 1 }, schedule: "daily", deliver: telegramTarget })).body);
    expect((await api.check(alert.id)).status).toBe(200);
    expect(String(telegram.calls.at(-1)!.fields.text)).toContain("Leads");
    expect((await api.project({ language: "ru" })).status).toBe(200);
    expect((await api.check(alert.id)).status).toBe(200);
    expect(String(telegram.calls.at(-1)!.fields.text)).toContain("Заявки");
  });

  it("alerts on a saved funnel's conversion first → last, and stops firing once the funnel is deleted", async () => {
    const { api, load, telegram } = await setup();
    const saved = await api.saveFunnel({ name: "Start → lead", definition: { steps: ["bot_started", { type: "lead" }], window: "1d" } });
    expect(saved.status).toBe(201);
    const funnel = SavedFunnelSchema.parse(saved.body);
    expect(funnel.definition).toEqual({ steps: ["bot_started", '{"type":"lead"}'], window: "1d" });
    // Yesterday 4 users start and 1 leads (25 %); the day before 2 start and both lead (100 %).
    const start = (user: string, atMs: number) => makeEvent({ type: "bot_started", userId: user, timestamp: new Date(atMs).toISOString() });
    const lead = (user: string, atMs: number) => makeEvent({ type: "lead", userId: user, timestamp: new Date(atMs + 60_000).toISOString() });
    await load([
      ...["a", "b", "c", "d"].map((u) => start(u, yesterday())),
      lead("a", yesterday()),
      ...["e", "f"].map((u) => start(u, dayBefore())),
      ...["e", "f"].map((u) => lead(u, dayBefore())),
    ]);
    const created = AlertCreatedSchema.parse((await api.create({ name: "Funnel broke", metric: `funnel:${funnel.id}`, condition: { op: "drops_by_pct", value: 50 }, schedule: "daily", deliver: telegramTarget })).body);
    const run = AlertRunSchema.parse((await api.check(created.id)).body);
    expect(run).toMatchObject({ value: 0.25, previousValue: 1, changePct: -75, fired: true, delivery: { state: "sent" } });
    expect(String(telegram.calls.at(-1)!.fields.text)).toContain("Conversion of the funnel “Start → lead”: 25%");

    // A new definition applies at the next evaluation.
    expect((await api.putFunnel(funnel.id, { name: "Start → lead", definition: { steps: ["bot_started", "message_received"] } })).status).toBe(200);
    expect(AlertRunSchema.parse((await api.check(created.id)).body)).toMatchObject({ value: 0, previousValue: 0, fired: false });

    expect((await api.deleteFunnel(funnel.id)).status).toBe(204);
    const gone = AlertRunSchema.parse((await api.check(created.id)).body);
    expect(gone).toMatchObject({ value: null, fired: false, reason: `the saved funnel ${funnel.id} no longer exists` });
  });

  it("records a Telegram refusal and a webhook receiver's error in the run, never as an error of the API", async () => {
    const { api, load, telegram } = await setup();
    await load(many(3, "lead", yesterday()));
    telegram.respond = () => ({ status: 400, body: { ok: false, error_code: 400, description: "Bad Request: chat not found" } });
    const tg = AlertCreatedSchema.parse((await api.create({ name: "Any leads", metric: "leads", condition: { op: "above", value: 0 }, schedule: "daily", deliver: telegramTarget })).body);
    const refused = await api.check(tg.id);
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ fired: true, delivery: { state: "failed", statusCode: 400, error: "Bad Request: chat not found" } });
    expect((await api.history(tg.id)).body.runs[0]).toMatchObject({ delivery: { state: "failed", error: "Bad Request: chat not found" } });
    await telegram.stop();
    const down = await api.check(tg.id);
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ fired: true, delivery: { state: "failed", statusCode: null } });
    expect(down.body.delivery.error).toMatch(/Bot API not reachable/);
  });

  it("POSTs a fired alert to a webhook target signed with the secret answered at creation", async () => {
    const { api, load } = await setup();
    const receiver = await new WebhookReceiver().start();
    cleanups.push(() => receiver.stop());
    await load(many(3, "lead", yesterday()));
    const created = AlertCreatedSchema.parse((await api.create({ name: "Leads to CRM", metric: "leads", condition: { op: "above", value: 2 }, schedule: "daily", deliver: { webhook: { url: receiver.url } } })).body);
    expect(created.deliver).toEqual({ webhook: { url: receiver.url } });
    expect(created.webhookSecret).toMatch(/^whsec_/);
    const run = AlertRunSchema.parse((await api.check(created.id)).body);
    expect(run.delivery).toMatchObject({ state: "sent", statusCode: 200 });
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(verifyWebhookSignature(created.webhookSecret!, got.raw, got.headers["x-chatfunnel-signature"] as string)).toBe(true);
    const payload = AlertWebhookPayloadSchema.parse(JSON.parse(got.raw));
    expect(payload).toMatchObject({ alert: { id: created.id, metric: "leads" }, run: { value: 3, fired: true, runId: run.runId } });
    expect(got.headers["x-chatfunnel-delivery"]).toBe(payload.deliveryId);
    expect(payload.text).toContain("Leads: 3 — above 2");
    expect((await api.list()).body.alerts[0]).not.toHaveProperty("webhookSecret");

    receiver.respond = () => ({ status: 503 });
    expect((await api.check(created.id)).body).toMatchObject({ fired: true, delivery: { state: "failed", statusCode: 503, error: "HTTP 503 Service Unavailable" } });
  });
});

describe("alerts and saved funnels: bad input, keys, projects", () => {
  it("answers every bad input with a 400 naming the field", async () => {
    const { api } = await setup();
    const good = { name: "Leads", metric: "leads", condition: { op: "below", value: 1 }, schedule: "hourly", deliver: telegramTarget };
    const bad: Array<[object, string]> = [
      [{ ...good, metric: "likes" }, "metric"],
      [{ ...good, metric: "funnel:fn_nope" }, "metric"],
      [{ ...good, metric: "funnel:" }, "metric"],
      [{ ...good, name: " " }, "name"],
      [{ ...good, condition: { op: "equals", value: 1 } }, "condition.op"],
      [{ ...good, condition: { op: "drops_by_pct", value: 0 } }, "condition.value"],
      [{ ...good, condition: { op: "below" } }, "condition.value"],
      [{ ...good, schedule: "weekly" }, "schedule"],
      [{ ...good, filters: { plan: "pro" } }, "filters.plan"],
      [{ ...good, filters: { channel: ["icq"] } }, "filters.channel.0"],
      [{ ...good, deliver: { telegram: { botToken: "not-a-token", chatId: 1 } } }, "deliver.telegram.botToken"],
      [{ ...good, deliver: { telegram: { botToken: TOKEN, chatId: "chat" } } }, "deliver.telegram.chatId"],
      [{ ...good, deliver: { webhook: { url: "ftp://crm.example.com/hook" } } }, "deliver.webhook.url"],
      [{ ...good, deliver: { ...telegramTarget, webhook: { url: "https://crm.example.com" } } }, "deliver"],
      [{ ...good, deliver: {} }, "deliver"],
      [{ ...good, extra: 1 }, "extra"],
    ];
    for (const [body, field] of bad) {
      const answer = await api.create(body);
      expect({ field, status: answer.status }).toEqual({ field, status: 400 });
      expect(answer.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      expect(answer.body.error.message).toContain(`'${field}'`);
    }
    const alert = AlertCreatedSchema.parse((await api.create(good)).body);
    const patched = await api.patch(alert.id, { condition: { op: "rises_by_pct", value: -5 } });
    expect(patched.status).toBe(400);
    expect(patched.body.error.details[0].path).toBe("condition.value");
    expect((await api.patch(alert.id, {})).status).toBe(400);
    expect((await api.patch(alert.id, { metric: "funnel:fn_nope" })).body.error.details[0].path).toBe("metric");
    expect((await api.history(alert.id, "?limit=0")).body.error.details[0].path).toBe("limit");
    expect((await api.check("al_nope")).status).toBe(404);
    expect((await api.remove("al_nope")).status).toBe(404);
    expect((await api.get("al_nope")).status).toBe(404);

    const funnelBad: Array<[object, string]> = [
      [{ name: "F", definition: { steps: ["bot_started", "Bad Type!"] } }, "definition.steps.1"],
      [{ name: "F", definition: { steps: ["bot_started"] } }, "definition.steps"],
      [{ name: "F", definition: { steps: ["bot_started", "lead"], window: "91d" } }, "definition.window"],
      [{ name: "F", definition: { steps: ["bot_started", "lead"], mode: "loose" } }, "definition.mode"],
      [{ name: "F", definition: { steps: ["bot_started", "lead"], exclude: ["handoff:1-3"] } }, "definition.exclude.0"],
      [{ name: "F", definition: { steps: ["bot_started", "lead"], breakdown: "properties.plan", breakdownAttribution: "step:3" } }, "definition.breakdownAttribution"],
      [{ name: "F", definition: { steps: ["bot_started", "lead"], from: "2026-01-01" } }, "definition.from"],
      [{ definition: { steps: ["bot_started", "lead"] } }, "name"],
      [{ name: "F" }, "definition"],
    ];
    for (const [body, field] of funnelBad) {
      const answer = await api.saveFunnel(body);
      expect({ field, status: answer.status }).toEqual({ field, status: 400 });
      expect(answer.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    expect((await api.funnels()).body.funnels).toEqual([]);
    expect((await api.putFunnel("fn_nope", { name: "F", definition: { steps: ["a_b", "c_d"] } })).status).toBe(404);
  });

  it("refuses a private webhook address with WEBHOOK_ALLOW_PRIVATE=false, naming it", async () => {
    const { api } = await setup({ WEBHOOK_ALLOW_PRIVATE: "false" });
    const answer = await api.create({ name: "Local", metric: "leads", condition: { op: "above", value: 1 }, schedule: "hourly", deliver: { webhook: { url: "http://127.0.0.1:9/hook" } } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].path).toBe("deliver.webhook.url");
  });

  it("takes the manage key for every change and the read key for reading (403 otherwise)", async () => {
    const { api, project } = await setup();
    const body = { name: "Leads", metric: "leads", condition: { op: "below", value: 1 }, schedule: "hourly", deliver: telegramTarget };
    expect((await api.create(body, project.readKey)).status).toBe(403);
    const alert = AlertCreatedSchema.parse((await api.create(body)).body);
    expect((await api.patch(alert.id, { name: "x" }, project.readKey)).status).toBe(403);
    expect((await api.check(alert.id, project.readKey)).status).toBe(403);
    expect((await api.remove(alert.id, project.readKey)).status).toBe(403);
    expect((await api.list(project.readKey)).status).toBe(200);
    expect((await api.get(alert.id, project.readKey)).status).toBe(200);
    expect((await api.history(alert.id, "", project.readKey)).status).toBe(200);
    expect((await api.list(project.writeKey)).status).toBe(401);
    const funnel = { name: "F", definition: { steps: ["bot_started", "lead"] } };
    expect((await api.saveFunnel(funnel, project.readKey)).status).toBe(403);
    const saved = SavedFunnelSchema.parse((await api.saveFunnel(funnel)).body);
    expect((await api.putFunnel(saved.id, funnel, project.readKey)).status).toBe(403);
    expect((await api.deleteFunnel(saved.id, project.readKey)).status).toBe(403);
    expect((await api.funnel(saved.id, project.readKey)).body).toEqual(saved);
    expect((await api.remove(alert.id)).status).toBe(204);
    expect((await api.list()).body.alerts).toEqual([]);
    expect((await api.get(alert.id)).status).toBe(404);
  });

  it("keeps two projects apart: alerts, saved funnels, their figures", async () => {
    const a = await setup();
    const b = await setup({}, { storage: a.storage, telegram: a.telegram });
    await a.load(many(2, "lead", yesterday()));
    await b.load(many(7, "lead", yesterday()));
    const funnel = SavedFunnelSchema.parse((await a.api.saveFunnel({ name: "F", definition: { steps: ["bot_started", "lead"] } })).body);
    const body = { name: "Leads", metric: "leads", condition: { op: "above", value: 0 }, schedule: "daily", deliver: telegramTarget };
    const alertA = AlertCreatedSchema.parse((await a.api.create(body)).body);
    expect((await b.api.list()).body.alerts).toEqual([]);
    expect((await b.api.funnels()).body.funnels).toEqual([]);
    expect((await b.api.get(alertA.id)).status).toBe(404);
    expect((await b.api.check(alertA.id)).status).toBe(404);
    expect((await b.api.history(alertA.id)).status).toBe(404);
    expect((await b.api.patch(alertA.id, { name: "mine" })).status).toBe(404);
    expect((await b.api.remove(alertA.id)).status).toBe(404);
    expect((await b.api.funnel(funnel.id)).status).toBe(404);
    expect((await b.api.deleteFunnel(funnel.id)).status).toBe(404);
    expect((await b.api.create({ ...body, metric: `funnel:${funnel.id}` })).body.error.details[0].path).toBe("metric");
    expect(AlertRunSchema.parse((await a.api.check(alertA.id)).body).value).toBe(2);
    const alertB = AlertCreatedSchema.parse((await b.api.create(body)).body);
    expect(AlertRunSchema.parse((await b.api.check(alertB.id)).body).value).toBe(7);
  });
});

describe("the alert scheduler", () => {
  it("evaluates each period once after it ends, in the project's zone, and neither re-fires nor skips across restarts", async () => {
    const { api, load, storage, telegram, config, project } = await setup();
    // Asia/Kolkata is UTC+5:30: its hours start at :30 UTC, which a UTC hour would get wrong.
    expect((await api.project({ timezone: "Asia/Kolkata" })).status).toBe(200);
    const hourly = AlertCreatedSchema.parse((await api.create({ name: "Hourly leads", metric: "leads", condition: { op: "above", value: 2 }, schedule: "hourly", deliver: telegramTarget })).body);
    // H: the start of the second local hour after now (so the alert exists before the hour H − 1h … H ends).
    const offset = 5.5 * HOUR;
    const H = Math.floor((Date.now() + offset) / HOUR) * HOUR - offset + 2 * HOUR;
    // 20 minutes before a local hour's end: in that local hour, but in a UTC hour that has not ended yet.
    await load([...many(3, "lead", H - 20 * 60_000), ...many(1, "lead", H - HOUR - 20 * 60_000), ...many(5, "lead", H + 60_000)]);
    let now = H + 90_000;
    const runs: AlertRunRecord[] = [];
    const scheduler = (name: string) => {
      const started = new AlertScheduler(storage, config, createLogger("silent", name), { now: () => now, pollMs: 3_600_000, onRun: (run) => runs.push(run) });
      cleanups.push(() => started.stop());
      return started;
    };

    const first = scheduler("first");
    const [run] = await first.tick();
    expect(run).toMatchObject({ alertId: hourly.id, trigger: "schedule", periodStartMs: H - HOUR, periodEndMs: H, value: 3, previousValue: 1, fired: true, deliveryState: "sent", tz: "Asia/Kolkata" });
    expect(telegram.callsOf("sendMessage")).toHaveLength(1);
    expect(String(telegram.calls[0]!.fields.text)).toContain("(Asia/Kolkata)");
    expect(await first.tick()).toEqual([]);
    now = H + 30 * 60_000;
    expect(await first.tick()).toEqual([]);
    await first.stop();

    // A restart within the period: nothing again.
    const second = scheduler("second");
    expect(await second.tick()).toEqual([]);
    await second.stop();

    // Down while the next hour ended: the restart evaluates it, once.
    now = H + HOUR + 5 * 60_000;
    const third = scheduler("third");
    const [next] = await third.tick();
    expect(next).toMatchObject({ periodStartMs: H, value: 5, previousValue: 3, fired: true });
    expect(await third.tick()).toEqual([]);
    expect(telegram.callsOf("sendMessage")).toHaveLength(2);

    // Within the settle time after an hour ends nothing is evaluated yet; then the hour without leads is, without a message.
    now = H + 2 * HOUR + 30_000;
    expect(await third.tick()).toEqual([]);
    now = H + 2 * HOUR + 61_000;
    expect(await third.tick()).toMatchObject([{ periodStartMs: H + HOUR, value: 0, fired: false, deliveryState: "none" }]);
    expect(telegram.callsOf("sendMessage")).toHaveLength(2);

    // A send cut off by a crash (recorded `sending`) is not sent again: at most once per period.
    await recordAlertRun(storage, { ...next!, runId: `s_${H + 2 * HOUR}`, periodStartMs: H + 2 * HOUR, periodEndMs: H + 3 * HOUR, previousStartMs: H + HOUR, deliveryState: "sending" });
    now = H + 3 * HOUR + 61_000;
    expect(await scheduler("fourth").tick()).toEqual([]);
    expect(telegram.callsOf("sendMessage")).toHaveLength(2);

    // The history holds the scheduled runs that fired; a check does not count as the scheduler's run.
    const history = (await api.history(hourly.id)).body.runs as Array<{ trigger: string; period: { from: string } }>;
    expect(history.map((h) => [h.trigger, h.period.from])).toEqual([
      ["schedule", new Date(H + 2 * HOUR).toISOString()],
      ["schedule", new Date(H).toISOString()],
      ["schedule", new Date(H - HOUR).toISOString()],
    ]);
    expect(runs.every((r) => r.projectId === project.projectId)).toBe(true);
  });

  it("evaluates a daily alert once after each local day ends, its first day being the one it was created in", async () => {
    const { api, load, storage, telegram, config } = await setup();
    expect((await api.project({ timezone: "Europe/Moscow" })).status).toBe(200);
    const daily = AlertCreatedSchema.parse((await api.create({ name: "Daily", metric: "leads", condition: { op: "below", value: 100 }, schedule: "daily", deliver: telegramTarget })).body);
    const moscow = 3 * HOUR;
    const nextMidnight = Math.floor((Date.now() + moscow) / DAY) * DAY - moscow + DAY;
    await load(many(4, "lead", nextMidnight - HOUR));
    let now = nextMidnight - 10 * 60_000;
    const scheduler = new AlertScheduler(storage, config, createLogger("silent", "daily"), { now: () => now, pollMs: 3_600_000 });
    cleanups.push(() => scheduler.stop());
    // Yesterday (Moscow) ended before the alert existed: not evaluated.
    expect(await scheduler.tick()).toEqual([]);
    now = nextMidnight + 90_000;
    expect(await scheduler.tick()).toMatchObject([{ alertId: daily.id, periodStartMs: nextMidnight - DAY, periodEndMs: nextMidnight, value: 4, fired: true }]);
    now = nextMidnight + 12 * HOUR;
    expect(await scheduler.tick()).toEqual([]);
    expect(await new AlertScheduler(storage, config, createLogger("silent", "restart"), { now: () => now }).tick()).toEqual([]);
    now = nextMidnight + DAY + 90_000;
    expect(await scheduler.tick()).toMatchObject([{ periodStartMs: nextMidnight, value: 0, previousValue: 4, fired: true }]);
    expect(telegram.callsOf("sendMessage")).toHaveLength(2);
    // A deleted alert is evaluated no more.
    expect((await api.remove(daily.id)).status).toBe(204);
    now = nextMidnight + 2 * DAY + 90_000;
    expect(await scheduler.tick()).toEqual([]);
  });
});
