/**
 * Issue 10, API side: input the contract allows must never make a query fail (money at the contract's
 * maximum, every time zone the validator accepts), and input it does not allow is a 400 naming the
 * parameter (dates outside the supported range, zones the engine cannot load), never a 500 or a silently
 * different question (a funnel filter that is dropped).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/ingest";
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
      const imported = await request(testApp.app).post("/api/v1/spend").set("Authorization", `Bearer ${project.readKey}`).send({ rows: spend });
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
        .set("Authorization", `Bearer ${own.readKey}`)
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

    it("refuses a spend amount the storage cannot hold, naming the line and the field", async () => {
      const own = await createProject(storage);
      const res = await request(testApp.app)
        .post("/api/v1/spend")
        .set("Authorization", `Bearer ${own.readKey}`)
        .send({ rows: [{ date: "2026-05-01", channel: "telegram", amount: 1e14, currency: "USD" }, { date: "2026-05-02", channel: "telegram", amount: 1e300, currency: "USD" }] });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([
        { line: 1, field: "amount", message: expect.any(String) },
        { line: 2, field: "amount", message: expect.any(String) },
      ]);
    });
  });
});
