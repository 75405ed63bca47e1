import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "@chatfunnel/core";
import { WebhookScheduler, verifyWebhookSignature } from "@chatfunnel/ingest";
import { WebhookPayloadSchema, type Event } from "@chatfunnel/schemas";
import { createProject, freshDatabase, testConfig, waitFor } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

/** Short durations so retries, give-ups and auto-disable happen within a test. */
const FAST = {
  WEBHOOK_RETRY_BASE_MS: "100",
  WEBHOOK_RETRY_MAX_MS: "400",
  WEBHOOK_RETRY_FOR_MS: "60000",
  WEBHOOK_POLL_MS: "50",
  WEBHOOK_SWEEP_MS: "1000",
  WEBHOOK_TIMEOUT_MS: "1000",
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(overrides: Record<string, string> = {}) {
  const storage = await freshDatabase();
  const project = await createProject(storage);
  const config = testConfig({ ...FAST, ...overrides });
  const testApp: TestApp = createTestApp(storage, { ...FAST, ...overrides });
  const scheduler = new WebhookScheduler(storage, config, createLogger("silent", "test"));
  const receiver = await new WebhookReceiver().start();
  cleanups.push(async () => {
    await scheduler.stop();
    await testApp.close();
    await receiver.stop();
  });
  const api = {
    create: (body: object) => request(testApp.app).post("/api/v1/webhooks").set("Authorization", `Bearer ${project.manageKey}`).send(body),
    list: () => request(testApp.app).get("/api/v1/webhooks").set("Authorization", `Bearer ${project.readKey}`),
    remove: (id: string) => request(testApp.app).delete(`/api/v1/webhooks/${id}`).set("Authorization", `Bearer ${project.manageKey}`),
    test: (id: string) => request(testApp.app).post(`/api/v1/webhooks/${id}/test`).set("Authorization", `Bearer ${project.manageKey}`),
    deliveries: (id: string) => request(testApp.app).get(`/api/v1/webhooks/${id}/deliveries`).set("Authorization", `Bearer ${project.readKey}`),
    ingest: (events: Event[]) => request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events }),
  };
  return { storage, project, scheduler, receiver, api, app: testApp.app };
}

const lead = (overrides: Partial<Event> = {}) => makeEvent({ type: "lead", timestamp: new Date().toISOString(), properties: { phone: "+79990000000" }, ...overrides });

describe("webhooks: delivery to a local receiver standing in for the CRM", () => {
  it("POSTs each stored event of the chosen types once, signed with the secret, in the contract's shape", async () => {
    const { api, receiver, scheduler } = await setup();
    const created = await api.create({ url: receiver.url, events: ["lead", "order"], secret: "0123456789abcdef-secret" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), secret: "0123456789abcdef-secret", status: "active", events: ["lead", "order"] });
    await scheduler.start();

    const wanted = lead({ source: { campaign: "black_friday" }, sessionId: "s1" });
    const other = makeEvent({ type: "message_received", timestamp: new Date().toISOString() });
    const order = makeEvent({ type: "order", revenue: 990, currency: "RUB", timestamp: new Date().toISOString() });
    expect((await api.ingest([wanted, other, order])).body).toMatchObject({ accepted: 3 });

    await waitFor(async () => receiver.received.length, (n) => n >= 2, 15_000, 50);
    // Nothing else arrives later (the non-matching type, a second copy).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.map((d) => d.body.event.type).sort()).toEqual(["lead", "order"]);
    for (const delivery of receiver.received) {
      expect(verifyWebhookSignature("0123456789abcdef-secret", delivery.raw, delivery.headers["x-chatfunnel-signature"] as string)).toBe(true);
      expect(verifyWebhookSignature("another-secret-0123456", delivery.raw, delivery.headers["x-chatfunnel-signature"] as string)).toBe(false);
      expect(WebhookPayloadSchema.safeParse(delivery.body).success).toBe(true);
      expect(delivery.headers["x-chatfunnel-delivery"]).toBe(delivery.body.deliveryId);
    }
    const got = receiver.deliveriesOf(wanted.id)[0]!.body.event;
    expect(got).toMatchObject({ id: wanted.id, type: "lead", channel: "telegram", botId: "bot-1", userId: "user-1", sessionId: "s1", source: { campaign: "black_friday" }, properties: { phone: "+79990000000" } });
    expect(new Date(got.receivedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(receiver.deliveriesOf(order.id)[0]!.body.event).toMatchObject({ revenue: 990, currency: "RUB" });

    const log = await waitFor(async () => (await api.deliveries(created.body.id)).body.deliveries as Array<{ state: string }>, (d) => d.length === 2 && d.every((x) => x.state === "delivered"));
    expect(log).toHaveLength(2);
    const listed = (await api.list()).body.webhooks;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: created.body.id, status: "active", lastDelivery: { state: "delivered", statusCode: 200 } });
    expect(listed[0]).not.toHaveProperty("secret");
  });

  it("retries through receiver errors with the same deliveryId and delivers once", async () => {
    const { api, receiver, scheduler } = await setup();
    receiver.respond = (index) => ({ status: index < 3 ? 500 : 200 });
    const { body: webhook } = await api.create({ url: receiver.url, events: ["lead"] });
    await scheduler.start();
    const event = lead();
    await api.ingest([event]);
    await waitFor(async () => receiver.received.length, (n) => n >= 4, 15_000, 50);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const copies = receiver.deliveriesOf(event.id);
    expect(copies).toHaveLength(4);
    expect(new Set(copies.map((d) => d.body.deliveryId)).size).toBe(1);
    expect(copies.map((d) => d.headers["x-chatfunnel-attempt"])).toEqual(["1", "2", "3", "4"]);
    // Backoff: each retry waits longer than the one before it (100 ms base, doubling, half of it jitter).
    const gaps = copies.slice(1).map((d, i) => d.atMs - copies[i]!.atMs);
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[2]!).toBeGreaterThanOrEqual(195);
    type Logged = { state: string; attempts: number; log: Array<{ statusCode: number | null; error: string | null }> };
    const [delivery] = await waitFor(async () => (await api.deliveries(webhook.id)).body.deliveries as Logged[], (d) => d[0]?.state === "delivered");
    expect(delivery!.attempts).toBe(4);
    expect(delivery!.log.map((a) => a.statusCode)).toEqual([200, 500, 500, 500]);
    expect(delivery!.log[1]!.error).toBe("HTTP 500 Internal Server Error");
  });

  it("keeps retrying while the receiver is down and delivers when it is back", async () => {
    const { api, receiver, scheduler } = await setup();
    await api.create({ url: receiver.url, events: ["lead"] });
    await receiver.stop();
    await scheduler.start();
    const event = lead();
    await api.ingest([event]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received).toHaveLength(0);
    await receiver.start();
    await waitFor(async () => receiver.deliveriesOf(event.id).length, (n) => n >= 1, 15_000, 50);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(receiver.deliveriesOf(event.id)).toHaveLength(1);
  });

  it("counts a receiver slower than WEBHOOK_TIMEOUT_MS as no answer and retries it", async () => {
    const { api, receiver, scheduler } = await setup({ WEBHOOK_TIMEOUT_MS: "300" });
    receiver.respond = (index) => ({ status: 200, delayMs: index < 2 ? 2000 : 0 });
    const { body: webhook } = await api.create({ url: receiver.url, events: ["lead"] });
    await scheduler.start();
    await api.ingest([lead()]);
    type Logged = { state: string; attempts: number; log: Array<{ error: string | null; statusCode: number | null; durationMs: number }> };
    const [delivery] = await waitFor(async () => (await api.deliveries(webhook.id)).body.deliveries as Logged[], (d) => d[0]?.state === "delivered", 20_000, 100);
    expect(delivery!.attempts).toBe(3);
    expect(delivery!.log.slice(1).map((a) => a.error)).toEqual(["no answer within 300 ms", "no answer within 300 ms"]);
    expect(delivery!.log[2]!.durationMs).toBeLessThan(1500);
  });

  it("sends a resent event once: the deliveryId is derived from the webhook and the event id", async () => {
    const { api, receiver, scheduler } = await setup();
    await api.create({ url: receiver.url, events: ["lead"] });
    await scheduler.start();
    const event = lead();
    await api.ingest([event]);
    await waitFor(async () => receiver.received.length, (n) => n >= 1, 15_000, 50);
    // The SDK resends (it never heard the 200): same event id; the scheduler restarted in between, so
    // only the stored attempt log knows the delivery is done.
    await scheduler.stop();
    await scheduler.start();
    await api.ingest([event]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.deliveriesOf(event.id)).toHaveLength(1);
  });

  it("a slow receiver never slows ingest", async () => {
    const { api, receiver, scheduler } = await setup({ WEBHOOK_TIMEOUT_MS: "20000" });
    receiver.respond = () => ({ status: 200, delayMs: 10_000 });
    await api.create({ url: receiver.url, events: ["lead"] });
    await scheduler.start();
    await api.ingest([lead()]);
    await waitFor(async () => receiver.received.length, (n) => n >= 1, 15_000, 50);
    // Every concurrency slot of the webhook is now held by a receiver that answers in 10 s.
    await api.ingest(Array.from({ length: 20 }, () => lead()));
    await waitFor(async () => receiver.received.length, (n) => n >= 8, 15_000, 50);
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const answer = await api.ingest(Array.from({ length: 50 }, () => lead()));
      timings.push(Date.now() - started);
      expect(answer.body).toMatchObject({ accepted: 50 });
    }
    expect(Math.max(...timings)).toBeLessThan(2000);
  });

  it("gives a delivery up after the retry window and disables the webhook after repeated give-ups, with the reason in the list", async () => {
    const { api, receiver, scheduler } = await setup({ WEBHOOK_RETRY_FOR_MS: "600", WEBHOOK_DISABLE_AFTER_FAILURES: "2" });
    receiver.respond = () => ({ status: 503 });
    const { body: webhook } = await api.create({ url: receiver.url, events: ["lead"] });
    await scheduler.start();
    await api.ingest([lead(), lead()]);
    type Listed = { status: string; disabledReason: string | null; disabledAt: string | null };
    const listed = await waitFor(async () => (await api.list()).body.webhooks[0] as Listed, (w) => w.status === "disabled", 15_000, 100);
    expect(listed.disabledReason).toMatch(/^2 deliveries in a row got no 2xx answer for 600 ms; last: HTTP 503/);
    expect(listed.disabledAt).toEqual(expect.any(String));
    // The attempt log is written within a second of the attempts.
    const log = await waitFor(async () => (await api.deliveries(webhook.id)).body.deliveries as Array<{ state: string }>, (d) => d.length === 2 && d.every((x) => x.state === "failed"), 10_000, 100);
    expect(log.map((d) => d.state)).toEqual(["failed", "failed"]);
    // Disabled: later events are not sent.
    const before = receiver.received.length;
    await api.ingest([lead()]);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(receiver.received.length).toBe(before);
  });

  it("delivers a burst larger than a poll's page, and a backlog larger than the queue, each lead once", { timeout: 120_000 }, async () => {
    const { api, receiver, scheduler } = await setup({ WEBHOOK_MAX_QUEUED: "500", WEBHOOK_CONCURRENCY: "32", WEBHOOK_SWEEP_MS: "600000" });
    await api.create({ url: receiver.url, events: ["lead"] });
    await scheduler.start();
    // 12 requests of 1000 at once: the writer folds them into few inserts whose rows share an enqueue time.
    const leads = Array.from({ length: 12_000 }, () => lead());
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => api.ingest(leads.slice(i * 1000, (i + 1) * 1000))));
    expect(answers.map((a) => a.body.accepted)).toEqual(Array(12).fill(1000));
    await waitFor(async () => new Set(receiver.received.map((d) => d.body.event.id)).size, (n) => n === leads.length, 90_000, 200);
    expect(receiver.received).toHaveLength(leads.length);
  });

  it("with WEBHOOK_ALLOW_PRIVATE=false also refuses to send to a private address a webhook already has, logging why", async () => {
    const { api, receiver, storage } = await setup();
    const { body: webhook } = await api.create({ url: receiver.url, events: ["lead"] });
    const strict = new WebhookScheduler(storage, testConfig({ ...FAST, WEBHOOK_ALLOW_PRIVATE: "false" }), createLogger("silent", "test"));
    cleanups.push(() => strict.stop());
    await strict.start();
    await api.ingest([lead()]);
    type Logged = { state: string; log: Array<{ error: string | null; statusCode: number | null }> };
    const [delivery] = await waitFor(async () => (await api.deliveries(webhook.id)).body.deliveries as Logged[], (d) => d[0]?.state === "retrying", 15_000, 100);
    expect(delivery!.log[0]).toMatchObject({ statusCode: null, error: expect.stringContaining("WEBHOOK_ALLOW_PRIVATE=false") });
    expect(receiver.received).toHaveLength(0);
  });

  it("counts give-ups towards auto-disable across a restart of the scheduler", async () => {
    const { api, receiver, scheduler, storage } = await setup({ WEBHOOK_RETRY_FOR_MS: "400", WEBHOOK_DISABLE_AFTER_FAILURES: "3" });
    receiver.respond = () => ({ status: 500 });
    const { body: webhook } = await api.create({ url: receiver.url, events: ["lead"] });
    await scheduler.start();
    await api.ingest([lead(), lead()]);
    type Logged = { state: string };
    await waitFor(async () => (await api.deliveries(webhook.id)).body.deliveries as Logged[], (d) => d.length === 2 && d.every((x) => x.state === "failed"), 15_000, 100);
    await scheduler.stop();
    const before = receiver.received.length;
    const again = new WebhookScheduler(storage, testConfig({ ...FAST, WEBHOOK_RETRY_FOR_MS: "400", WEBHOOK_DISABLE_AFTER_FAILURES: "3" }), createLogger("silent", "test"));
    cleanups.push(() => again.stop());
    await again.start();
    await api.ingest([lead()]);
    const listed = await waitFor(async () => (await api.list()).body.webhooks[0] as { status: string; disabledReason: string | null }, (w) => w.status === "disabled", 15_000, 100);
    expect(listed.disabledReason).toMatch(/^3 deliveries in a row/);
    // The two given up before the restart were not sent again by the new scheduler: only the third lead was.
    expect(new Set(receiver.received.slice(before).map((d) => d.body.event.id)).size).toBe(1);
  });

  it("stops delivering to a deleted webhook", async () => {
    const { api, receiver, scheduler } = await setup();
    const { body: webhook } = await api.create({ url: receiver.url, events: ["lead"] });
    expect((await api.remove(webhook.id)).status).toBe(204);
    expect((await api.remove(webhook.id)).status).toBe(404);
    await scheduler.start();
    await api.ingest([lead()]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.received).toHaveLength(0);
    expect((await api.list()).body.webhooks).toEqual([]);
  });

  it("the test endpoint sends a signed sample now and answers what the receiver said", async () => {
    const { api, receiver } = await setup();
    receiver.respond = () => ({ status: 422, body: '{"error":"phone is required"}' });
    const { body: webhook } = await api.create({ url: receiver.url, events: ["lead"] });
    const answer = await api.test(webhook.id);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ delivered: false, statusCode: 422, error: "HTTP 422 Unprocessable Entity", responseBody: '{"error":"phone is required"}' });
    expect(receiver.received).toHaveLength(1);
    expect(verifyWebhookSignature(webhook.secret, receiver.received[0]!.raw, receiver.received[0]!.headers["x-chatfunnel-signature"] as string)).toBe(true);
    expect(receiver.received[0]!.body.event).toMatchObject({ type: "lead", properties: { test: "true" } });
    expect((await api.test("wh_nope")).status).toBe(404);
  });
});

describe("webhooks: bad input", () => {
  it("answers 400 naming the field, never a 500", async () => {
    const { api } = await setup();
    for (const [body, path] of [
      [{ url: "ftp://crm.example.com/hook", events: ["lead"] }, "url"],
      [{ url: "javascript:alert(1)", events: ["lead"] }, "url"],
      [{ url: "not a url", events: ["lead"] }, "url"],
      [{ events: ["lead"] }, "url"],
      [{ url: "https://crm.example.com/hook", events: [] }, "events"],
      [{ url: "https://crm.example.com/hook", events: ["Lead!"] }, "events.0"],
      [{ url: "https://crm.example.com/hook", events: ["lead"], secret: "short" }, "secret"],
      [{ url: "https://crm.example.com/hook", events: ["lead"], extra: 1 }, "extra"],
    ] as const) {
      const answer = await api.create(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      expect(answer.body.error.message).toContain(`'${path}'`);
    }
  });

  it("answers 400 for a body that is not JSON, 404 for an unknown webhook's log, and documents every route in openapi.json", async () => {
    const { api, project, app } = await setup();
    const broken = await request(app).post("/api/v1/webhooks").set("Authorization", `Bearer ${project.manageKey}`).set("Content-Type", "application/json").send('{"url": ');
    expect(broken.status).toBe(400);
    expect((await api.deliveries("wh_missing")).status).toBe(404);
    expect((await request(app).get("/api/v1/webhooks/wh_missing/deliveries?limit=0").set("Authorization", `Bearer ${project.readKey}`)).status).toBe(400);
    const doc = (await request(app).get("/api/v1/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths["/api/v1/webhooks"]!).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/api/v1/webhooks/{id}"]!)).toEqual(["delete"]);
    expect(Object.keys(doc.paths["/api/v1/webhooks/{id}/test"]!)).toEqual(["post"]);
    expect(Object.keys(doc.paths["/api/v1/webhooks/{id}/deliveries"]!)).toEqual(["get"]);
  });

  it("with WEBHOOK_ALLOW_PRIVATE=false refuses loopback and private addresses naming url; allows them by default", async () => {
    const strict = await setup({ WEBHOOK_ALLOW_PRIVATE: "false" });
    for (const url of ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://192.168.0.10/hook", "http://[::1]/hook"]) {
      const answer = await strict.api.create({ url, events: ["lead"] });
      expect(answer.status, url).toBe(400);
      expect(answer.body.error.details[0].path).toBe("url");
    }
    const open = await setup();
    expect((await open.api.create({ url: "http://127.0.0.1:9/hook", events: ["lead"] })).status).toBe(201);
  });
});
