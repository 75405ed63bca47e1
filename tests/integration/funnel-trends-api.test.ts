/**
 * /api/v1/funnel/trends over HTTP on the real engine: a hand-computed example across Berlin's autumn DST change
 * (by day, week and month), the 400s naming their parameter, and the endpoint in openapi.json.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { toEventRow } from "@chatfunnel/warehouse";
import { FunnelTrendsResponseSchema, type Event } from "@chatfunnel/schemas";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

let counter = 0;
const at = (userId: string, type: string, timestamp: string): Event => ({
  id: `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, "0")}`,
  type,
  channel: "telegram",
  botId: "bot-a",
  userId,
  timestamp,
});

/**
 * Berlin, 2026-10-24 … 2026-10-26 (dates: local midnights; to = 2026-10-26T23:00Z). Clocks go back on the 25th
 * at 01:00Z, so that day lasts 25 hours. Funnel bot_started → lead, window 1d.
 */
const EVENTS: Event[] = [
  // Starts 23:59:59.999 local on the 24th (21:59Z), converts on the 25th: the 24th's.
  at("late", "bot_started", "2026-10-24T21:59:59.999Z"),
  at("late", "lead", "2026-10-24T22:30:00.000Z"),
  // First attempt on the 24th (02:30 local) is 25.5 h before the lead, past the 1d window; the second, at 02:30 CET (the repeated hour), does:
  // the chosen attempt is the converting one, on the 25th.
  at("twice", "bot_started", "2026-10-24T00:30:00.000Z"),
  at("twice", "bot_started", "2026-10-25T01:30:00.000Z"),
  at("twice", "lead", "2026-10-25T02:00:00.000Z"),
  // 00:30 local on the 26th but 23:30Z on the 25th: the 26th in Berlin. No lead.
  at("midnight", "bot_started", "2026-10-25T23:30:00.000Z"),
  // Starts on the 26th, converts after `to` (within the window): counts for the 26th.
  at("after", "bot_started", "2026-10-26T12:00:00.000Z"),
  at("after", "lead", "2026-10-26T23:30:00.000Z"),
  // Starts before `from`: not in the funnel at all.
  at("before", "bot_started", "2026-10-23T21:00:00.000Z"),
  at("before", "lead", "2026-10-23T21:10:00.000Z"),
];

describe("funnel trends API", () => {
  let storage: Storage;
  let testApp: TestApp;
  let get: (path: string) => request.Test;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
    const project = await createProject(storage);
    await storage.insertRows("events", EVENTS.map((e) => toEventRow(project.projectId, e, Date.now())));
    get = (path) => request(testApp.app).get(path).set("Authorization", `Bearer ${project.readKey}`);
  });
  afterAll(async () => testApp.close());

  const base = "from=2026-10-24&to=2026-10-27&tz=Europe/Berlin&steps=bot_started&steps=lead&window=1d";

  it("answers the hand-computed example by day, in the zone's calendar across DST", async () => {
    const res = await get(`/api/v1/funnel/trends?${base}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = FunnelTrendsResponseSchema.parse(res.body);
    expect(body).toMatchObject({ interval: "day", mode: "ordered", windowSeconds: 86_400, steps: 2, range: { from: "2026-10-23T22:00:00.000Z", to: "2026-10-26T23:00:00.000Z", tz: "Europe/Berlin" } });
    expect(body.points).toEqual([
      { bucket: "2026-10-24", entered: 1, converted: 1, conversion: 1 },
      { bucket: "2026-10-25", entered: 1, converted: 1, conversion: 1 },
      { bucket: "2026-10-26", entered: 2, converted: 1, conversion: 0.5 },
    ]);
  });

  it("groups by weeks from Monday and by months, and zero-fills empty buckets", async () => {
    const week = FunnelTrendsResponseSchema.parse((await get(`/api/v1/funnel/trends?${base}&interval=week`)).body);
    expect(week.points).toEqual([
      { bucket: "2026-10-19", entered: 2, converted: 2, conversion: 1 },
      { bucket: "2026-10-26", entered: 2, converted: 1, conversion: 0.5 },
    ]);
    const month = FunnelTrendsResponseSchema.parse((await get(`/api/v1/funnel/trends?${base}&interval=month`)).body);
    expect(month.points).toEqual([{ bucket: "2026-10-01", entered: 4, converted: 3, conversion: 0.75 }]);
    const empty = FunnelTrendsResponseSchema.parse((await get(`/api/v1/funnel/trends?${base.replace("from=2026-10-24", "from=2026-10-20")}`)).body);
    expect(empty.points.map((p) => p.bucket)).toEqual(["2026-10-20", "2026-10-21", "2026-10-22", "2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26"]);
    expect(empty.points.slice(0, 3)).toEqual(["2026-10-20", "2026-10-21", "2026-10-22"].map((bucket) => ({ bucket, entered: 0, converted: 0, conversion: null })));
    // "before" is in range now: 23:00 local on the 23rd.
    expect(empty.points[3]).toEqual({ bucket: "2026-10-23", entered: 1, converted: 1, conversion: 1 });
  });

  it("counts users in UTC buckets when asked in UTC", async () => {
    const body = FunnelTrendsResponseSchema.parse((await get(`/api/v1/funnel/trends?${base.replace("tz=Europe/Berlin", "tz=UTC")}`)).body);
    // [2026-10-24Z, 2026-10-27Z): "midnight" starts on the 25th in UTC.
    expect(body.points).toEqual([
      { bucket: "2026-10-24", entered: 1, converted: 1, conversion: 1 },
      { bucket: "2026-10-25", entered: 2, converted: 1, conversion: 0.5 },
      { bucket: "2026-10-26", entered: 1, converted: 1, conversion: 1 },
    ]);
  });

  it("rejects bad parameters with a 400 naming each", async () => {
    const cases: [string, string][] = [
      [`${base}&interval=x`, "interval"],
      [`${base}&interval=hour`, "interval"],
      [`${base}&breakdown=channel`, "breakdown"],
      [`${base}&bins=10`, "bins"],
      [`${base}&mode=loose`, "mode"],
      [`${base}&window=100d`, "window"],
      ["from=2026-10-24&to=2026-10-27&steps=lead", "steps"],
      [`${base}&tz=Mars/Olympus`, "tz"],
    ];
    for (const [query, parameter] of cases) {
      const res = await get(`/api/v1/funnel/trends?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe("invalid_parameter");
      expect(res.body.error.message, query).toContain(`'${parameter}'`);
    }
  });

  it("is in openapi.json with interval and the funnel's parameters", async () => {
    const res = await request(testApp.app).get("/api/v1/openapi.json");
    const operation = res.body.paths["/api/v1/funnel/trends"]?.get;
    expect(operation).toBeDefined();
    const names = (operation.parameters as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["from", "to", "tz", "steps", "window", "mode", "interval"]));
  });
});
