import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "@chatfunnel/core";
import { AlertScheduler, DigestScheduler, addDays, localDateOf, nextSendTimeMs } from "@chatfunnel/api";
import { AlertCreatedSchema, DigestsResponseSchema, type AlertRun } from "@chatfunnel/schemas";
import { createDigestOutbox } from "../../api/src/digests/digest-outbox.js";
import type { TelegramRetryPolicy } from "../../api/src/notify/telegram-outbox.js";
import { ALERT_TABLES, unsettledOutboxEntries, writeOutboxEntry } from "@chatfunnel/warehouse";
import { createProject, freshDatabase, testConfig } from "../support/engine.js";
import { TelegramBotApiStandIn, type BotApiResponder } from "../support/telegram-bot-api-stand-in.js";
import { createTestApp } from "../support/test-app.js";

/**
 * Scheduled alerts and digests through Bot API outages, against the real engine (chDB) and the local Bot API
 * stand-in: 5xx, 429 with retry_after and a stand-in that is down are retried with backoff, also after a restart
 * (a new scheduler on the same storage); permanent refusals (400, 403) end at once with Telegram's reason; a call
 * Telegram acknowledged is never sent again; a send past its deadline is given up, saying so.
 */

const DAY = 86_400_000;
const TOKEN = "123456789:AAExampleSecretPartOfTheTokenAbcdEFGH";
const telegramTarget = { telegram: { botToken: TOKEN, chatId: -1001234567890 } };
/**
 * Fast backoff for tests (they tick by hand); retry_after from Telegram is honoured as given. A send left in flight
 * is taken for interrupted 50 ms after its attempt began (the tests that need a real grace set their own).
 */
const FAST: TelegramRetryPolicy = { baseMs: 40, maxMs: 200, pollMs: 3_600_000, idlePollMs: 3_600_000, sendingGraceMs: 50 };
const logger = createLogger("silent", "telegram-retries");

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ok: BotApiResponder = (index) => ({ status: 200, body: { ok: true, result: { message_id: index + 1 } } });
const refuse = (status: number, description: string, retryAfterS?: number) => ({ status, body: { ok: false, error_code: status, description, ...(retryAfterS ? { parameters: { retry_after: retryAfterS } } : {}) } });
/** Answers the scripted refusals in order, then 200s. */
const script =
  (...answers: Array<ReturnType<typeof refuse>>): BotApiResponder =>
  (index, call) =>
    answers[index] ?? ok(index, call);

async function setup() {
  const telegram = await new TelegramBotApiStandIn().start();
  const storage = await freshDatabase();
  const env = { TELEGRAM_API_URL: telegram.url, TELEGRAM_TIMEOUT_MS: "2000", WEBHOOK_TIMEOUT_MS: "2000" };
  const testApp = createTestApp(storage, env);
  const project = await createProject(storage);
  cleanups.push(async () => {
    await testApp.close();
    await telegram.stop();
  });
  const manage = (method: "get" | "post", path: string, body: object = {}) => (method === "get" ? request(testApp.app).get(path) : request(testApp.app).post(path).send(body)).set("Authorization", `Bearer ${project.manageKey}`);
  return { telegram, storage, project, manage, config: testConfig(env) };
}
type Setup = Awaited<ReturnType<typeof setup>>;

/** Polls `tick` until `done` holds (a retry is due after its backoff, in real time). */
async function until(tick: () => Promise<unknown>, done: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await tick();
    if (await done()) return;
    if (Date.now() > deadline) throw new Error("timed out waiting for the retry");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("alerts: Telegram outages are retried, refusals are not", () => {
  /** A daily alert that fires (no leads is below 1) and the scheduler's clock past the day it was created in. */
  async function firingAlert(s: Setup) {
    const created = await s.manage("post", "/api/v1/alerts", { name: "No leads", metric: "leads", condition: { op: "below", value: 1 }, schedule: "daily", deliver: telegramTarget });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const alert = AlertCreatedSchema.parse(created.body);
    const now = Math.floor(Date.now() / DAY) * DAY + DAY + 90_000;
    const scheduler = (forMs?: number) => {
      const instance = new AlertScheduler(s.storage, s.config, logger, { now: () => now, pollMs: 3_600_000, retry: { policy: FAST, ...(forMs ? { forMs } : {}) } });
      cleanups.push(() => instance.stop());
      return instance;
    };
    const lastRun = async () => ((await s.manage("get", `/api/v1/alerts/${alert.id}`)).body as { lastRun: AlertRun | null }).lastRun;
    return { alert, scheduler, lastRun };
  }

  it("a 502 then a 429 are retried, the 429 after its retry_after, across a restart; the message goes once", async () => {
    const s = await setup();
    const { scheduler, lastRun } = await firingAlert(s);
    s.telegram.respond = script(refuse(502, "Bad Gateway"), refuse(429, "Too Many Requests: retry after 1", 1));
    const first = scheduler();
    const [run] = await first.tick();
    expect(run).toMatchObject({ fired: true, deliveryState: "sending", statusCode: 502 });
    expect(run?.deliveryError).toMatch(/^retrying: attempt 1 failed \(Bad Gateway\); next at /);
    expect((await lastRun())?.delivery).toMatchObject({ state: "sending", statusCode: 502 });

    // The second attempt gets the 429; then the process stops while the send waits.
    await until(() => first.retries.outbox.tick(), () => s.telegram.calls.length === 2);
    expect((await lastRun())?.delivery?.error).toMatch(/^retrying: attempt 2 failed \(Too Many Requests: retry after 1\)/);
    await first.stop();

    // A new scheduler on the same storage carries on, not before Telegram's retry_after.
    const second = scheduler();
    expect(await second.tick()).toEqual([]);
    await until(() => second.retries.outbox.tick(), () => s.telegram.calls.length === 3);
    const [, limited, delivered] = s.telegram.calls;
    expect(delivered!.atMs - limited!.atMs).toBeGreaterThanOrEqual(1000);
    expect(delivered!.fields.text).toBe(s.telegram.calls[0]!.fields.text);
    expect((await lastRun())?.delivery).toMatchObject({ state: "sent", error: null });

    // Acknowledged: nothing is sent again, by this scheduler or the next.
    await second.retries.outbox.tick();
    await scheduler().retries.outbox.tick();
    expect(s.telegram.callsOf("sendMessage")).toHaveLength(3);
    expect(await unsettledOutboxEntries(s.storage, "alert")).toEqual([]);
  });

  it("a Bot API that is down is retried until it is back", async () => {
    const s = await setup();
    const { scheduler, lastRun } = await firingAlert(s);
    const port = s.telegram.port;
    await s.telegram.stop();
    const instance = scheduler();
    const [run] = await instance.tick();
    expect(run).toMatchObject({ deliveryState: "sending" });
    expect(run?.deliveryError).toMatch(/Bot API not reachable/);
    // Still down at the next attempts: still waiting.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await instance.retries.outbox.tick();
    expect((await lastRun())?.delivery?.state).toBe("sending");
    await s.telegram.start(port);
    await until(() => instance.retries.outbox.tick(), async () => (await lastRun())?.delivery?.state === "sent");
    expect(s.telegram.callsOf("sendMessage")).toHaveLength(1);
  });

  it("400 chat not found and 403 bot kicked end at once with Telegram's reason", async () => {
    for (const [status, description] of [
      [400, "Bad Request: chat not found"],
      [403, "Forbidden: bot was kicked from the group chat"],
    ] as const) {
      const s = await setup();
      const { scheduler, lastRun } = await firingAlert(s);
      s.telegram.respond = () => refuse(status, description);
      const instance = scheduler();
      expect(await instance.tick()).toMatchObject([{ deliveryState: "failed", statusCode: status, deliveryError: description }]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await instance.retries.outbox.tick();
      expect(s.telegram.calls).toHaveLength(1);
      expect((await lastRun())?.delivery).toMatchObject({ state: "failed", statusCode: status, error: description });
    }
  });

  it("gives up once its retry time is over, saying why, and sends no more", async () => {
    const s = await setup();
    const { scheduler, lastRun } = await firingAlert(s);
    s.telegram.respond = () => refuse(503, "Service Unavailable");
    const instance = scheduler(400);
    await instance.tick();
    await until(() => instance.retries.outbox.tick(), async () => (await lastRun())?.delivery?.state === "failed");
    const calls = s.telegram.calls.length;
    expect(calls).toBeGreaterThanOrEqual(2);
    expect((await lastRun())?.delivery?.error).toMatch(new RegExp(`^gave up after ${calls} attempts: Service Unavailable$`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await instance.retries.outbox.tick();
    expect(s.telegram.calls).toHaveLength(calls);
  });

  it("a retry cut off mid-call by a crash is not sent again (at most once), and says so", async () => {
    const s = await setup();
    const { scheduler, lastRun } = await firingAlert(s);
    s.telegram.respond = script(refuse(500, "Internal Server Error"));
    const first = scheduler();
    await first.tick();
    // What a process killed during its second attempt leaves: the send marked in flight.
    const [waiting] = await unsettledOutboxEntries(s.storage, "alert");
    await writeOutboxEntry(s.storage, { ...waiting!, state: "sending", attempts: 2 });
    const restarted = scheduler();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await restarted.retries.outbox.tick();
    expect(s.telegram.calls).toHaveLength(1);
    expect((await lastRun())?.delivery).toMatchObject({ state: "failed", error: "not sent again: the process stopped during attempt 2 (at most once)" });
  });
});

describe("alerts: a lease handover mid-retry leaves one outcome", () => {
  /** Every stored version of the run's delivery outcome (sent or failed), oldest first: the final outcomes written. */
  async function finalOutcomesWritten(s: Setup, alertId: string): Promise<string[]> {
    const result = await s.storage.client.query({
      query: `SELECT toString(delivery_state) AS state FROM ${s.storage.database}.${ALERT_TABLES.runs}
              WHERE alert_id = {alertId:String} AND delivery_state IN ('sent', 'failed') ORDER BY version`,
      query_params: { alertId },
      format: "JSONEachRow",
      clickhouse_settings: s.storage.querySettings,
    });
    return (await result.json<{ state: string }>()).map((row) => row.state);
  }

  async function waitingAlert(s: Setup, graceMs: number) {
    const created = await s.manage("post", "/api/v1/alerts", { name: "No leads", metric: "leads", condition: { op: "below", value: 1 }, schedule: "daily", deliver: telegramTarget });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const alert = AlertCreatedSchema.parse(created.body);
    const now = Math.floor(Date.now() / DAY) * DAY + DAY + 90_000;
    const worker = () => {
      const instance = new AlertScheduler(s.storage, s.config, logger, { now: () => now, pollMs: 3_600_000, retry: { policy: { ...FAST, sendingGraceMs: graceMs } } });
      cleanups.push(() => instance.stop());
      return instance;
    };
    // The first attempt gets a 502; the retry's call is answered 200 only after 1.5 s (the handover happens meanwhile).
    s.telegram.respond = (index, call) => (index === 0 ? refuse(502, "Bad Gateway") : { ...ok(index, call), delayMs: index === 1 ? 1500 : 0 });
    const old = worker();
    expect(await old.tick()).toMatchObject([{ deliveryState: "sending" }]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    // The old worker's retry: marked in flight, its call under way.
    const retry = old.retries.outbox.tick();
    await until(async () => undefined, () => s.telegram.calls.length === 2, 5_000);
    const lastRun = async () => ((await s.manage("get", `/api/v1/alerts/${alert.id}`)).body as { lastRun: AlertRun | null }).lastRun;
    return { alert, old, retry, worker, lastRun };
  }

  it("the new worker leaves a send the old one has in flight; the old one's 'sent' is its one outcome", async () => {
    const s = await setup();
    const { alert, retry, worker, lastRun } = await waitingAlert(s, 10_000);
    const taker = worker();
    await taker.retries.outbox.tick();
    expect((await lastRun())?.delivery?.state).toBe("sending");
    expect(await unsettledOutboxEntries(s.storage, "alert")).toMatchObject([{ state: "sending", attempts: 2 }]);
    // It keeps looking while the send is unsettled (every poll, not the idle interval).
    expect(taker.retries.outbox.waiting).toBe(1);

    await retry;
    expect((await lastRun())?.delivery).toMatchObject({ state: "sent", error: null });
    await taker.retries.outbox.tick();
    expect(taker.retries.outbox.waiting).toBe(0);
    expect(s.telegram.callsOf("sendMessage")).toHaveLength(2);
    expect(await unsettledOutboxEntries(s.storage, "alert")).toEqual([]);
    expect(await finalOutcomesWritten(s, alert.id)).toEqual(["sent"]);
  });

  it("a send given up as interrupted past the grace is not overwritten by the old worker's late answer", async () => {
    const s = await setup();
    const { alert, retry, worker, lastRun } = await waitingAlert(s, 100);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await worker().retries.outbox.tick();
    const interrupted = "not sent again: the process stopped during attempt 2 (at most once)";
    expect((await lastRun())?.delivery).toMatchObject({ state: "failed", error: interrupted });

    // The old worker's call ends 200 after that: the recorded outcome stands, nothing is written over it.
    await retry;
    expect((await lastRun())?.delivery).toMatchObject({ state: "failed", error: interrupted });
    expect(await unsettledOutboxEntries(s.storage, "alert")).toEqual([]);
    expect(await finalOutcomesWritten(s, alert.id)).toEqual(["failed"]);
  });
});

describe("the retry queue reads only while a send waits", () => {
  it("after its first pass its timer reads every pollMs while one waits, else not until idlePollMs", async () => {
    const s = await setup();
    let reads = 0;
    const client = new Proxy(s.storage.client, {
      get(target, property, receiver) {
        if (property === "query")
          return (params: Parameters<typeof target.query>[0]) => {
            if (params.query.includes("telegram_outbox")) reads += 1;
            return target.query(params);
          };
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const counted = { ...s.storage, client };
    const outbox = createDigestOutbox(counted, s.config, logger, { ...FAST, pollMs: 30, idlePollMs: 3_600_000 });
    outbox.start();
    cleanups.push(() => outbox.stop());
    await until(async () => undefined, () => reads >= 1, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Nothing waits: the first pass only.
    expect(reads).toBe(1);
    expect(outbox.waiting).toBe(0);

    // A send that waits for a retry (the Bot API down for its first attempt): read every poll until it is sent.
    s.telegram.respond = (index, call) => (index === 0 ? refuse(503, "Service Unavailable") : ok(index, call));
    const created = await s.manage("post", "/api/v1/digests", { schedule: "daily", deliver: telegramTarget });
    const first = await outbox.firstAttempt(telegramTarget.telegram, {
      projectId: s.project.projectId,
      kind: "digest",
      ownerId: created.body.id as string,
      sendId: "2026-11-30",
      calls: [{ method: "sendMessage", text: "<b>Figures</b>", parseMode: "HTML" }],
      giveUpMs: Date.now() + DAY,
      context: JSON.stringify({ trigger: "schedule", periodFrom: "2026-11-30", periodTo: "2026-12-01" }),
    });
    expect(first.waiting).not.toBeNull();
    expect(outbox.waiting).toBe(1);
    await until(async () => undefined, () => s.telegram.calls.length === 2, 10_000);
    await until(async () => undefined, () => outbox.waiting === 0, 10_000);
    const settled = reads;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(reads).toBe(settled);
  });
});

describe("digests: Telegram outages are retried until the next period", () => {
  const TZ = "UTC";

  it("a scheduled digest through a 503 and a restart: sent once, the log saying it waited", async () => {
    const s = await setup();
    const created = await s.manage("post", "/api/v1/digests", { schedule: "daily", deliver: telegramTarget });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const clock = nextSendTimeMs("daily", Date.now(), TZ);
    s.telegram.respond = script(refuse(503, "Service Unavailable"));
    const scheduler = () => {
      const instance = new DigestScheduler(s.storage, s.config, logger, { now: () => clock, retryPolicy: FAST }, 3_600_000);
      cleanups.push(() => instance.stop());
      return instance;
    };
    const lastSend = async () => DigestsResponseSchema.parse((await s.manage("get", "/api/v1/digests")).body).digests[0]?.lastSend;
    const first = scheduler();
    const [result] = await first.tick();
    expect(result).toMatchObject({ ok: false, deliveries: [{ method: "sendPhoto", ok: false, statusCode: 503 }] });
    expect(await lastSend()).toMatchObject({ state: "claimed", periodFrom: addDays(localDateOf(clock, TZ), -1) });
    expect((await lastSend())?.error).toMatch(/^retrying: attempt 1 failed \(Service Unavailable\)/);
    await first.stop();

    const second = scheduler();
    expect(await second.tick()).toEqual([]);
    await until(() => second.outbox.tick(), async () => (await lastSend())?.state === "sent");
    expect(s.telegram.callsOf("sendPhoto")).toHaveLength(2);
    expect(s.telegram.calls[1]!.fields.caption).toBe(s.telegram.calls[0]!.fields.caption);
    await second.outbox.tick();
    expect(s.telegram.calls).toHaveLength(2);
  });

  it("a photo Telegram acknowledged is not sent again when the text after it is retried", async () => {
    const s = await setup();
    const created = await s.manage("post", "/api/v1/digests", { schedule: "daily", deliver: telegramTarget });
    const digestId = created.body.id as string;
    const outbox = createDigestOutbox(s.storage, s.config, logger, FAST);
    // The photo goes (call 0), the text gets a 502 (call 1), then goes.
    s.telegram.respond = (index, call) => (index === 1 ? refuse(502, "Bad Gateway") : ok(index, call));
    const first = await outbox.firstAttempt(telegramTarget.telegram, {
      projectId: s.project.projectId,
      kind: "digest",
      ownerId: digestId,
      sendId: "2026-11-30",
      calls: [
        { method: "sendPhoto", pngBase64: Buffer.from("not really a png").toString("base64"), fileName: "d.png" },
        { method: "sendMessage", text: "<b>Figures</b>", parseMode: "HTML" },
      ],
      giveUpMs: Date.now() + DAY,
      context: JSON.stringify({ trigger: "schedule", periodFrom: "2026-11-30", periodTo: "2026-12-01" }),
    });
    expect(first.waiting).toMatchObject({ done: 1, attempts: 1, lastStatus: 502 });
    await until(() => outbox.tick(), () => s.telegram.calls.length === 3);
    expect(s.telegram.calls.map((call) => call.method)).toEqual(["sendPhoto", "sendMessage", "sendMessage"]);
    const digests = DigestsResponseSchema.parse((await s.manage("get", "/api/v1/digests")).body).digests;
    expect(digests[0]?.lastSend).toMatchObject({ state: "sent", periodFrom: "2026-11-30", error: null });
  });
});
