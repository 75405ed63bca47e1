/**
 * Issue 10, API side: input the contract allows must never make a query fail (money at the contract's
 * maximum, every time zone the validator accepts), and input it does not allow is a 400 naming the
 * parameter (dates outside the supported range, zones the engine cannot load), never a 500 or a silently
 * different question (a funnel filter that is dropped).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { toEventRow } from "@chatfunnel/warehouse";
import { type Storage } from "@chatfunnel/core";
import type { Event, SpendRow } from "@chatfunnel/schemas";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";
import { dedupe, latestSpend } from "../reference/events.js";
import { refChannels, refCosts, refOverview, refTimeseries, type RefData } from "../reference/metrics.js";
import { refFilters } from "../reference/bounds.js";

describe("bad input on the API is a 400, never a 500", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const send = async (writeKey: string, events: Event[]) => {
    const res = await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${writeKey}`).send({ events });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.accepted).toBe(events.length);
  };
  const get = (readKey: string, path: string) => request(testApp.app).get(`/api/v1/${path}`).set("Authorization", `Bearer ${readKey}`);
  const expect400 = async (readKey: string, path: string, parameter: string) => {
    const res = await get(readKey, path);
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(400);
    expect(res.body.error.code).toBe("invalid_parameter");
    expect(res.body.error.message).toContain(`'${parameter}'`);
    expect(res.body.error.details.map((detail: { path: string }) => detail.path.split(".")[0])).toContain(parameter);
  };

  describe("money at the contract's maximum (revenue < 1e14, spend amounts likewise)", () => {
    // 2^46 ≈ 7.04e13: below the bound, and every sum of it in ten-thousandths is exact in a double,
    // so the reference's sums and the engine's compare exactly. 20 of them overflow Int64 in ten-thousandths.
    const BIG = 2 ** 46;
    const MAX = 99_999_999_999_999.98; // the largest double below 1e14 with two decimals
    let project: Awaited<ReturnType<typeof createProject>>;
    let data: RefData;

    beforeAll(async () => {
      project = await createProject(storage);
      const events: Event[] = [];
      for (let i = 0; i < 20; i++) {
        const userId = `u${i % 4}`;
        const channel = i % 2 === 0 ? "telegram" : "vk";
        const at = `2026-05-0${1 + (i % 3)}T1${i % 10}:00:00Z`;
        events.push(makeEvent({ userId, channel, type: "lead", timestamp: at, source: { campaign: "big" } }));
        events.push(makeEvent({ userId, channel, type: i % 3 === 0 ? "payment" : "order", revenue: BIG, currency: "RUB", timestamp: at }));
      }
      await send(project.writeKey, events);
      const spend: SpendRow[] = [1, 2, 3].flatMap((day) =>
        (["telegram", "vk"] as const).flatMap((channel) => ["big", "other"].map((campaign) => ({ date: `2026-05-0${day}`, channel, campaign, amount: BIG, currency: "RUB" }))),
      );
      const imported = await request(testApp.app).post("/api/v1/spend").set("Authorization", `Bearer ${project.manageKey}`).send({ rows: spend });
      expect(imported.status, JSON.stringify(imported.body)).toBe(200);
      data = { events: dedupe(events), spend: latestSpend([spend]) };
    });

    // Quarter-hour bounds read the rollups; a bound off the quarter hour reads the events.
    it.each([
      ["rollups", "2026-05-01", "2026-05-04"],
      ["events", "2026-05-01T00:00:01Z", "2026-05-03T23:59:59Z"],
    ])("overview, channels, costs and timeseries answer exact sums from the %s", async (_path, from, to) => {
      const query = { from, to, tz: "UTC" };
      const filters = refFilters(project.projectId, query);
      const qs = `from=${from}&to=${to}&tz=UTC`;
      const body = async (path: string) => {
        const res = await get(project.readKey, path);
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
        return res.body as unknown;
      };
      const overview = (await body(`overview?${qs}`)) as { current: { revenue: { amount: number }; spend: { amount: number } } };
      expect(overview.current.revenue.amount).toBe(20 * BIG);
      expect(overview.current.spend.amount).toBe(12 * BIG);
      expect(overview).toEqual(refOverview(data, filters));
      expect(await body(`channels?${qs}`)).toEqual(refChannels(data, filters));
      expect(await body(`costs?${qs}&by=channel`)).toEqual(refCosts(data, filters, "channel"));
      expect(await body(`costs?${qs}&by=campaign`)).toEqual(refCosts(data, filters, "campaign"));
      for (const metric of ["revenue", "spend"] as const) {
        expect(await body(`timeseries?${qs}&metric=${metric}&interval=day`)).toEqual(refTimeseries(data, filters, metric, "day"));
      }
    });

    it("an order and a spend row at the largest allowed amount answer 200 with that amount", async () => {
      const own = await createProject(storage);
      await send(own.writeKey, [makeEvent({ type: "order", revenue: MAX, currency: "USD", timestamp: "2026-05-01T10:00:00Z" })]);
      const imported = await request(testApp.app)
        .post("/api/v1/spend")
        .set("Authorization", `Bearer ${own.manageKey}`)
        .send({ rows: [{ date: "2026-05-01", channel: "telegram", amount: 99_999_999_999_999.99, currency: "USD" }] });
      expect(imported.status, JSON.stringify(imported.body)).toBe(200);
      for (const path of ["overview", "channels", "costs", "timeseries?metric=revenue", "timeseries?metric=spend", "repeat", "engagement"]) {
        for (const [from, to] of [["2026-05-01", "2026-05-02"], ["2026-05-01T00:00:01Z", "2026-05-02T00:00:00Z"]]) {
          const res = await get(own.readKey, `${path}${path.includes("?") ? "&" : "?"}from=${from}&to=${to}`);
          expect(res.status, `${path} ${from}: ${JSON.stringify(res.body)}`).toBe(200);
        }
      }
      const overview = await get(own.readKey, "overview?from=2026-05-01&to=2026-05-02");
      expect(overview.body.current.revenue.amount).toBeCloseTo(MAX, 0);
      expect(overview.body.current.spend.amount).toBeCloseTo(99_999_999_999_999.99, 0);
    });

    it("refuses a spend row dated outside the supported days, naming the line and the field", async () => {
      const own = await createProject(storage);
      const res = await request(testApp.app)
        .post("/api/v1/spend")
        .set("Authorization", `Bearer ${own.manageKey}`)
        .set("Content-Type", "text/csv")
        .send("date,channel,campaign,amount,currency\n0001-01-01,vk,,1,RUB\n2150-01-01,vk,,1,RUB\n2026-05-01,vk,,1,RUB\n");
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        { line: 2, field: "date", message: expect.any(String) },
        { line: 3, field: "date", message: expect.any(String) },
      ]);
    });

    it("refuses a spend amount the storage cannot hold, naming the line and the field", async () => {
      const own = await createProject(storage);
      const res = await request(testApp.app)
        .post("/api/v1/spend")
        .set("Authorization", `Bearer ${own.manageKey}`)
        .send({ rows: [{ date: "2026-05-01", channel: "telegram", amount: 1e14, currency: "USD" }, { date: "2026-05-02", channel: "telegram", amount: 1e300, currency: "USD" }] });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        { line: 1, field: "amount", message: expect.any(String) },
        { line: 2, field: "amount", message: expect.any(String) },
      ]);
    });

    it("refuses a spend campaign the storage cannot hold (a lone surrogate), naming the line and the field", async () => {
      const own = await createProject(storage);
      const res = await request(testApp.app)
        .post("/api/v1/spend")
        .set("Authorization", `Bearer ${own.manageKey}`)
        .send({ rows: [{ date: "2026-05-01", channel: "telegram", campaign: "ok 🌸", amount: 1, currency: "USD" }, { date: "2026-05-02", channel: "telegram", campaign: "cut \ud83d", amount: 1, currency: "USD" }] });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([{ line: 2, field: "campaign", message: expect.stringContaining("surrogate") }]);
    });
  });

  const ENDPOINTS = [
    "overview",
    "channels",
    "costs",
    "costs?by=campaign",
    "timeseries?metric=users",
    "timeseries?metric=spend",
    "repeat",
    "engagement",
    "funnel?steps=bot_started&steps=lead",
    "funnel/dropoff?steps=bot_started&steps=lead&step=2",
  ];
  const withParams = (path: string, params: string) => `${path}${path.includes("?") ? "&" : "?"}${params}`;

  describe("time zones: exactly the names the engine loads", () => {
    let project: Awaited<ReturnType<typeof createProject>>;
    beforeAll(async () => {
      project = await createProject(storage);
      await send(project.writeKey, [makeEvent({ type: "bot_started" }), makeEvent({ type: "lead" })]);
    });

    // Each of these passed the old validator (Intl accepts them) and made the engine fail: a 500.
    it.each(["SystemV/AST4", "US/Pacific-New", "Mars/Olympus", "Factory", "Europe/Moscow%00", "%F0%9F%98%80"])("refuses tz=%s naming tz on every endpoint", async (tz) => {
      for (const path of ENDPOINTS) await expect400(project.readKey, withParams(path, `from=2026-05-01&to=2026-05-02&tz=${tz}`), "tz");
    });

    it.each([
      ["utc", "UTC"],
      ["europe/moscow", "Europe/Moscow"],
      ["EUROPE/MOSCOW", "Europe/Moscow"],
      ["US/Pacific", "US/Pacific"],
      ["Etc/GMT-14", "Etc/GMT-14"],
    ])("answers tz=%s in the engine's spelling %s", async (tz, canonical) => {
      for (const path of ENDPOINTS) {
        const res = await get(project.readKey, withParams(path, `from=2026-05-01&to=2026-05-02&tz=${encodeURIComponent(tz)}`));
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
        if (res.body.range) expect(res.body.range.tz).toBe(canonical);
      }
      const same = await get(project.readKey, `overview?from=2026-05-01&to=2026-05-02&tz=${canonical}`);
      expect((await get(project.readKey, `overview?from=2026-05-01&to=2026-05-02&tz=${encodeURIComponent(tz)}`)).body).toEqual(same.body);
    });

    it("falls back to UTC when the project's own zone is one the engine cannot load", async () => {
      const own = await createProject(storage);
      await storage.insertRows("projects", [{ project_id: own.projectId, name: own.projectId, timezone: "SystemV/AST4", session_timeout_min: 30, updated_at: "2030-01-01 00:00:00.000" }]);
      const res = await get(own.readKey, "overview?from=2026-05-01&to=2026-05-02");
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.range.tz).toBe("UTC");
    });
  });

  describe("dates outside the supported range", () => {
    let project: Awaited<ReturnType<typeof createProject>>;
    beforeAll(async () => {
      project = await createProject(storage);
    });

    it.each([
      ["from=0001-01-01&to=0001-01-02", "from"],
      ["from=0001-01-01&to=2026-05-02", "from"],
      ["from=1999-12-31&to=2000-01-02", "from"],
      ["from=2026-05-01&to=9999-12-31", "to"],
      ["from=2100-01-02&to=2100-01-03", "from"],
      ["from=1900-01-01T00:00:00Z&to=2026-05-02", "from"],
      ["from=2026-05-02&to=2026-05-01", "to"],
      ["from=2026-05-01&to=2026-05-01", "to"],
      ["from=2000-01-01&to=2100-01-01", "to"],
      ["from=2026-05-01T10:00:00%2B03:00&to=2026-05-01T07:00:00Z", "to"],
    ])("%s is a 400 naming %s on every endpoint", async (params, parameter) => {
      for (const path of ENDPOINTS) await expect400(project.readKey, withParams(path, params), parameter);
    });

    it("answers the first and the last supported days", async () => {
      for (const path of ENDPOINTS) {
        for (const params of ["from=2000-01-01&to=2000-01-02&tz=Pacific/Kiritimati", "from=2099-12-31&to=2100-01-01&tz=Etc/GMT%2B12", "from=2000-01-01&to=2010-01-01"]) {
          const res = await get(project.readKey, withParams(path, params));
          expect(res.status, `${path} ${params}: ${JSON.stringify(res.body)}`).toBe(200);
        }
      }
    });
  });

  describe("funnel filters on any property name", () => {
    it("lead[__proto__=x] keeps its filter: it matches the lead carrying that property, not every lead", async () => {
      const project = await createProject(storage);
      const events = ["u1", "u2", "u3"].flatMap((userId, i) => [
        makeEvent({ userId, type: "bot_started", timestamp: "2026-05-01T10:00:00Z" }),
        makeEvent({ userId, type: "lead", timestamp: "2026-05-01T10:05:00Z", properties: i === 0 ? { plan: "pro" } : {} }),
      ]);
      const rows = events.map((event) => toEventRow(project.projectId, event, Date.now()));
      // Stored as a property map may hold it whatever the ingest decides about the name; built with
      // Object.fromEntries so the key survives in this test's own object.
      rows[1] = { ...rows[1]!, properties: Object.fromEntries([["__proto__", "x"], ["constructor", "y"]]) };
      await storage.insertRows("events", rows);
      const funnel = async (lead: string) => {
        const res = await get(project.readKey, `funnel?from=2026-05-01&to=2026-05-02&steps=bot_started&steps=${encodeURIComponent(lead)}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body as { steps: { users: number; filters: Record<string, string> }[] };
      };
      const proto = await funnel("lead[__proto__=x]");
      expect(proto.steps.map((step) => step.users)).toEqual([3, 1]);
      expect(Object.entries(proto.steps[1]!.filters)).toEqual([["__proto__", "x"]]);
      expect((await funnel("lead[__proto__=y]")).steps.map((step) => step.users)).toEqual([3, 0]);
      expect((await funnel('{"type":"lead","filters":{"__proto__":"x","constructor":"y"}}')).steps.map((step) => step.users)).toEqual([3, 1]);
      expect((await funnel("lead[constructor=y]")).steps.map((step) => step.users)).toEqual([3, 1]);
      expect((await funnel("lead")).steps.map((step) => step.users)).toEqual([3, 3]);
    });
  });
});
