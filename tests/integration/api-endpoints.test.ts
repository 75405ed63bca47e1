import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import type { Event } from "@chatfunnel/schemas";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";

describe("analytics API contract on the real engine", () => {
  let storage: Storage;
  let testApp: TestApp;
  let project: Awaited<ReturnType<typeof createProject>>;

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const get = (path: string, key = project.readKey) => request(testApp.app).get(`/api/v1/${path}`).set("Authorization", `Bearer ${key}`);
  const postSpend = (key = project.manageKey) => request(testApp.app).post("/api/v1/spend").set("Authorization", `Bearer ${key}`);
  const send = async (projectKey: string, events: Event[]) => {
    const res = await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${projectKey}`).send({ events });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(events.length);
  };

  it("serves openapi.json without a key and every metric only with a read key", async () => {
    const doc = await request(testApp.app).get("/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/api/v1/overview", "/api/v1/timeseries", "/api/v1/costs", "/api/v1/spend"]));
    expect((await request(testApp.app).get("/api/v1/channels?from=2026-05-01&to=2026-05-02")).status).toBe(401);
    expect((await get("channels?from=2026-05-01&to=2026-05-02", project.writeKey)).status).toBe(401);
    expect((await postSpend(project.writeKey).send({ rows: [] })).status).toBe(401);
  });

  it.each([
    ["timeseries?from=2026-05-01&to=2026-05-02&metric=clicks", "metric"],
    ["timeseries?from=2026-05-01&to=2026-05-02&metric=users&interval=hour", "interval"],
    ["costs?from=2026-05-01&to=2026-05-02&by=bot", "by"],
    ["channels?from=yesterday&to=2026-05-02", "from"],
    ["channels?from=2026-05-03&to=2026-05-02", "to"],
    ["repeat?from=2026-05-01&to=2026-05-02&tz=Mars/Olympus", "tz"],
    ["engagement?from=2026-05-01&to=2026-05-02&channel=telegram&channel=icq", "channel"],
    ["overview?from=2026-05-01&to=2026-05-02&currency=rub", "currency"],
    ["timeseries?to=2026-05-02&metric=users", "from"],
  ])("answers 400 naming the bad parameter: %s", async (path, parameter) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_parameter");
    expect(res.body.error.message).toContain(`'${parameter}'`);
    expect(res.body.error.details.map((detail: { path: string }) => detail.path.split(".")[0])).toContain(parameter);
  });

  it("imports spend all or nothing, names each bad line and field, and replaces a re-imported day", async () => {
    const own = await createProject(storage);
    const costs = async () => (await get("costs?from=2026-06-01&to=2026-06-03&tz=UTC", own.readKey)).body;
    const bad = await postSpend(own.manageKey).send({
      rows: [
        { date: "2026-06-01", channel: "telegram", campaign: "a", amount: 100, currency: "RUB" },
        { date: "2026-06-01", channel: "fax", amount: 5, currency: "RUB" },
        { date: "2026-06-31", channel: "vk", amount: -1, currency: "RUB" },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { line: number; field: string }) => `${d.line}:${d.field}`).sort()).toEqual(["2:channel", "3:amount", "3:date"]);
    expect((await costs()).total.spend.amount).toBe(0);

    const csv = "date,channel,campaign,amount,currency\n2026-06-01,telegram,a,100.25,RUB\n2026-06-02,vk,,50,RUB\n";
    const ok = await postSpend(own.manageKey).set("Content-Type", "text/csv").send(csv);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ imported: 2 });
    expect((await costs()).total.spend).toEqual({ amount: 150.25, currency: "RUB" });

    const again = await postSpend(own.manageKey).send({ rows: [{ date: "2026-06-01", channel: "telegram", campaign: "a", amount: 10, currency: "RUB" }] });
    expect(again.status).toBe(200);
    const after = await costs();
    expect(after.total.spend).toEqual({ amount: 60, currency: "RUB" });
    expect(after.rows.map((row: { key: string; spend: { amount: number } }) => [row.key, row.spend.amount])).toEqual([
      ["vk", 50],
      ["telegram", 10],
    ]);
  });

  it("answers 413 for a spend body over 5 MiB and 415 for another media type", async () => {
    const big = `date,channel,campaign,amount,currency\n${"2026-06-01,telegram,x,1,RUB\n".repeat(230_000)}`;
    const res = await postSpend().set("Content-Type", "text/csv").send(big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
    expect((await postSpend().set("Content-Type", "application/xml").send("<rows/>")).status).toBe(415);
  });

  it("buckets days at local midnights across DST (23- and 25-hour days) and weeks from Monday", async () => {
    const own = await createProject(storage);
    const at = (userId: string, timestamp: string) => makeEvent({ userId, timestamp, type: "message_received" });
    await send(own.writeKey, [
      at("a", "2026-03-29T00:30:00+01:00"), // Sunday, the 23-hour day in Berlin
      at("b", "2026-03-29T23:30:00+02:00"), // still the 29th locally, although 22 hours later
      at("c", "2026-03-30T00:30:00+02:00"), // Monday
      at("d", "2026-10-25T23:30:00+01:00"), // the 25-hour day's last hour
      at("e", "2026-10-26T00:00:00+01:00"),
    ]);
    const series = async (query: string) => (await get(`timeseries?metric=sessions&tz=Europe/Berlin&${query}`, own.readKey)).body.points;
    expect(await series("from=2026-03-28&to=2026-03-31&interval=day")).toEqual([
      { bucket: "2026-03-28", value: 0 },
      { bucket: "2026-03-29", value: 2 },
      { bucket: "2026-03-30", value: 1 },
    ]);
    expect(await series("from=2026-03-28&to=2026-03-31&interval=week")).toEqual([
      { bucket: "2026-03-23", value: 2 },
      { bucket: "2026-03-30", value: 1 },
    ]);
    expect(await series("from=2026-10-25&to=2026-10-27&interval=day")).toEqual([
      { bucket: "2026-10-25", value: 1 },
      { bucket: "2026-10-26", value: 1 },
    ]);
    expect(await series("from=2026-03-01&to=2026-11-01&interval=month")).toHaveLength(8);
  });

  it("reports money in one currency and lists the others unconverted", async () => {
    const own = await createProject(storage);
    await send(own.writeKey, [
      makeEvent({ userId: "a", type: "order", revenue: 1000, currency: "RUB", timestamp: "2026-07-01T10:00:00Z" }),
      makeEvent({ userId: "b", type: "order", revenue: 20, currency: "USD", timestamp: "2026-07-01T11:00:00Z" }),
    ]);
    const overview = (await get("overview?from=2026-07-01&to=2026-07-02&tz=UTC", own.readKey)).body;
    expect(overview.current.revenue).toEqual({ amount: 1000, currency: "RUB" });
    expect(overview.otherCurrencies).toEqual([{ currency: "USD", revenue: 20, spend: 0 }]);
    const inUsd = (await get("overview?from=2026-07-01&to=2026-07-02&tz=UTC&currency=USD", own.readKey)).body;
    expect(inUsd.current.revenue).toEqual({ amount: 20, currency: "USD" });
    expect(inUsd.current.orders).toBe(2);
  });

  it("turns a query over its memory cap into a 503 the caller can act on", async () => {
    const capped: Storage = { ...storage, querySettings: { ...storage.querySettings, max_memory_usage: "1000" } };
    const cappedApp = createTestApp(capped);
    try {
      const res = await request(cappedApp.app).get("/api/v1/overview?from=2026-03-01&to=2026-11-01").set("Authorization", `Bearer ${project.readKey}`);
      expect(res.status).toBe(503);
      expect(res.body.error.message).toContain("memory");
    } finally {
      await cappedApp.close();
    }
  });

  it("turns a query over its time limit into a 503 naming the metric", async () => {
    const own = await createProject(storage);
    await send(own.writeKey, Array.from({ length: 200 }, (_, index) => makeEvent({ userId: `u${index % 20}`, timestamp: new Date(Date.UTC(2026, 7, 1) + index * 60_000).toISOString() })));
    const settings = { ...storage.querySettings };
    const slowApp = createTestApp({ ...storage, querySettings: settings });
    const engagement = () => request(slowApp.app).get("/api/v1/engagement?from=2026-08-01&to=2026-08-02").set("Authorization", `Bearer ${own.readKey}`);
    try {
      // The first call resolves and caches the key; then every query gets a microsecond.
      expect((await engagement()).status).toBe(200);
      Object.assign(settings, { max_execution_time: 0.000001, timeout_before_checking_execution_speed: 0 });
      const res = await engagement();
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: "timeout", message: expect.stringContaining("engagement") });
    } finally {
      await slowApp.close();
    }
  });
});
