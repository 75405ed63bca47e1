import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { EventTypesResponseSchema, EventsResponseSchema, type Event, type ExplorerEvent } from "@chatfunnel/schemas";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";

const HOUR = 3_600_000;

describe("GET /api/v1/events and /api/v1/event-types against the real engine", () => {
  let storage: Storage;
  let testApp: TestApp;
  let project: Awaited<ReturnType<typeof createProject>>;
  let other: Awaited<ReturnType<typeof createProject>>;
  const now = Date.now();
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  const recent: Event[] = [];

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    other = await createProject(storage);
    testApp = createTestApp(storage);
    // 120 events in 12 distinct instants (10 share each), so pages must cut inside equal timestamps.
    for (let i = 0; i < 120; i += 1) {
      recent.push(makeEvent({ userId: `u${i % 7}`, type: i % 3 === 0 ? "lead" : "message_received", timestamp: at(60_000 * (1 + Math.floor(i / 10))) }));
    }
    const rich = makeEvent({
      userId: "rich",
      type: "payment",
      timestamp: at(1000),
      sessionId: "s-1",
      broadcastId: "bc-1",
      revenue: 990.5,
      currency: "RUB",
      source: { campaign: "spring", payload: "ad42" },
      properties: { plan: "pro", seats: 3, trial: false, coupon: null },
    });
    const old = makeEvent({ userId: "old", type: "custom_old", timestamp: at(30 * HOUR) });
    const veryOld = makeEvent({ userId: "old", type: "ancient", timestamp: at(40 * 24 * HOUR) });
    // A resend of the first event, stored in its own part: it must show once.
    await loadEventsInTwoParts(storage, project.projectId, [...recent, rich, old, veryOld, recent[0]!]);
    await loadEventsInTwoParts(storage, other.projectId, [makeEvent({ userId: "stranger", timestamp: at(1000), type: "secret_type" })]);
  });
  afterAll(async () => testApp.close());

  const get = (path: string, key = project.readKey) => request(testApp.app).get(path).set("Authorization", `Bearer ${key}`);

  async function allPages(query: string, limit: number): Promise<ExplorerEvent[]> {
    const seen: ExplorerEvent[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page += 1) {
      const res = await get(`/api/v1/events?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const body = EventsResponseSchema.parse(res.body);
      expect(body.events.length).toBeLessThanOrEqual(limit);
      seen.push(...body.events);
      cursor = body.next;
      if (cursor === null) return seen;
    }
    throw new Error("pagination did not end");
  }

  it("pages newest first through equal timestamps without skipping or repeating an event", async () => {
    const events = await allPages("", 7);
    const ids = events.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The last 24 hours by default: the 30-hour-old and 40-day-old events are not there.
    expect([...ids].sort()).toEqual([...recent.map((event) => event.id), events.find((event) => event.userId === "rich")!.id].sort());
    const times = events.map((event) => Date.parse(event.timestamp));
    const again = await allPages("", 7);
    expect(again.map((event) => event.id)).toEqual(events.map((event) => event.id));
    for (let i = 1; i < times.length; i += 1) expect(times[i]).toBeLessThanOrEqual(times[i - 1]!);
  });

  it("answers in the event contract's shape plus receivedAt, empty fields left out", async () => {
    const res = await get("/api/v1/events?limit=1");
    const [event] = EventsResponseSchema.parse(res.body).events;
    expect(event).toEqual({
      id: expect.any(String),
      type: "payment",
      channel: "telegram",
      botId: "bot-1",
      userId: "rich",
      sessionId: "s-1",
      broadcastId: "bc-1",
      timestamp: at(1000),
      source: { campaign: "spring", payload: "ad42" },
      revenue: 990.5,
      currency: "RUB",
      properties: { plan: "pro", seats: "3", trial: "false", coupon: "null" },
      receivedAt: expect.any(String),
    });
    const plain = EventsResponseSchema.parse((await get("/api/v1/events?limit=2")).body).events[1]!;
    expect(Object.keys(plain).sort()).toEqual(["botId", "channel", "id", "receivedAt", "timestamp", "type", "userId"]);
  });

  it("filters by type (repeatable), userId, broadcastId, channel and range; never shows another project", async () => {
    const leads = await allPages("&type=lead", 1000);
    expect(leads.length).toBe(recent.filter((event) => event.type === "lead").length);
    const both = await allPages("&type=lead&type=payment", 1000);
    expect(both.length).toBe(leads.length + 1);
    const ofU3 = await allPages("&userId=u3", 1000);
    expect(ofU3.length).toBe(recent.filter((event) => event.userId === "u3").length);
    expect(ofU3.length).toBeGreaterThan(0);
    expect(ofU3.every((event) => event.userId === "u3")).toBe(true);
    expect((await allPages("&broadcastId=bc-1", 1000)).map((event) => event.userId)).toEqual(["rich"]);
    expect(await allPages("&channel=vk", 1000)).toEqual([]);
    const wide = await allPages(`&from=${encodeURIComponent(at(60 * 24 * HOUR))}`, 1000);
    expect(wide.map((event) => event.type)).toEqual(expect.arrayContaining(["custom_old", "ancient"]));
    expect(wide.some((event) => event.userId === "stranger")).toBe(false);
    const strangers = await allPages("", 1000);
    expect(strangers.some((event) => event.userId === "stranger")).toBe(false);
  });

  it("answers 400 naming a bad cursor, limit or range, and 401 without a read key", async () => {
    const badCursor = await get("/api/v1/events?cursor=not-a-cursor");
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.details[0].path).toBe("cursor");
    const tooMany = await get("/api/v1/events?limit=1001");
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/limit/);
    expect((await get("/api/v1/events?limit=0")).status).toBe(400);
    expect((await get("/api/v1/events?from=yesterday")).body.error.message).toMatch(/from/);
    expect((await get(`/api/v1/events?from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(HOUR))}`)).status).toBe(400);
    expect((await get("/api/v1/events", project.writeKey)).status).toBe(401);
    const defaultLimit = EventsResponseSchema.parse((await get("/api/v1/events")).body);
    expect(defaultLimit.events).toHaveLength(100);
    expect(defaultLimit.next).not.toBeNull();
  });

  it("lists the types the project sent, most events first, resends once, other projects' never", async () => {
    const res = await get("/api/v1/event-types");
    expect(res.status).toBe(200);
    const { types } = EventTypesResponseSchema.parse(res.body);
    const leads = recent.filter((event) => event.type === "lead");
    // Equal counts go by type name.
    expect(types.map((row) => row.type)).toEqual(["message_received", "lead", "custom_old", "payment"]);
    const byType = Object.fromEntries(types.map((row) => [row.type, row]));
    expect(byType["message_received"]?.events).toBe(recent.length - leads.length);
    expect(byType["lead"]).toEqual({ type: "lead", events: leads.length, users: new Set(leads.map((event) => event.userId)).size, lastSeen: recent[0]!.timestamp });
    expect(byType["custom_old"]?.events).toBe(1);
    expect(byType["ancient"]).toBeUndefined();
    expect(byType["secret_type"]).toBeUndefined();
    // Reserved types the project never sent are not listed.
    expect(byType["broadcast_sent"]).toBeUndefined();
    expect(types[0]?.type).toBe("message_received");
    for (let i = 1; i < types.length; i += 1) expect(types[i]!.events).toBeLessThanOrEqual(types[i - 1]!.events);
  });

  it("is in openapi.json", async () => {
    const doc = (await request(testApp.app).get("/api/v1/openapi.json")).body;
    expect(doc.paths["/api/v1/events"].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["type", "userId", "broadcastId", "limit", "cursor"]));
    expect(doc.paths["/api/v1/event-types"].get).toBeDefined();
  });
});
