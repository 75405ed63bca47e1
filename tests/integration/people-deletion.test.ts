/**
 * People deletion against the real engine: on random streams (broadcasts, conversations, surveys, outcomes,
 * resends, one userId on two channels) a project where one person was deleted answers every endpoint exactly
 * like a project that never received that person's events, on the rollup path (date bounds) and the events
 * path (bounds off a slot); the deletion survives merges, a resend of the person's events, and a restart of
 * the embedded process on the same DATA_DIR.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import type { Event } from "@chatfunnel/schemas";
import { PEOPLE_TABLES, PERSON_TABLES, WEBHOOK_OUTBOX_FLUSH_S, personRowCounts } from "@chatfunnel/warehouse";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { messagingStreamArb } from "../reference/messaging-arbitraries.js";
import { ANCHORS } from "../support/random-events.js";
import { startEmbeddedProcess } from "../support/embedded-process.js";
import { makeEvent } from "../support/events.js";
import { LINK_PAYLOAD, endpointPaths, feedProject, isoDate, projectAnswers, sendEvents, type Project } from "../support/project-answers.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS_PER_ANCHOR = propertyRuns("PEOPLE_DELETION_RUNS", 1);
const DAY = 86_400_000;



const samePerson = (event: Event, channel: string, userId: string) => event.channel === channel && event.userId === userId;

describe("deleting a person", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  // The manage key: deletions are editor actions, and it reads every report too.
const auth = (project: Project, kind: "manage" | "write" = "manage") => ({ Authorization: `Bearer ${kind === "manage" ? project.manageKey : project.writeKey}` });

  const send = (project: Project, events: Event[]) => sendEvents(testApp.app, project, events);
  const feed = (events: Event[], anchorMs: number) => feedProject(testApp.app, storage, events, anchorMs);
  const answers = (project: Project, paths: Array<[string, string]>) => projectAnswers(testApp.app, project, paths);

  /** The stream with the person's events, the same userId on another channel, and link payloads. */
  const scenarioArb = (anchorMs: number) =>
    fc.record({ events: messagingStreamArb(anchorMs, { users: 5 }), pick: fc.nat(), tz: fc.constantFrom("UTC", "Europe/Berlin"), id: fc.uuid({ version: 4 }) }).map(({ events, pick, tz, id }) => {
      const target = events.length > 0 ? events[pick % events.length]! : makeEvent({ timestamp: new Date(anchorMs).toISOString(), userId: "u1" });
      const otherChannel = target.channel === "telegram" ? "whatsapp" : "telegram";
      // The same userId on another channel is another person: it must stay.
      const twin: Event = { ...target, id, channel: otherChannel, source: { payload: LINK_PAYLOAD } };
      const all = events.length > 0 ? [...events, twin] : [target, twin];
      // Some users came through the tracked link: the links report must count them before and not after.
      const linked = all.map((event, index) => (index % 5 === 0 && event.type === "bot_started" && !event.source ? { ...event, source: { payload: LINK_PAYLOAD } } : event));
      return { events: linked, channel: target.channel, userId: target.userId, tz, anchorMs };
    });

  it.each(ANCHORS.slice(0, 2))(`equals a project that never had the person, on ${RUNS_PER_ANCHOR} random streams around $name`, { timeout: 300_000 }, async (anchor) => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(anchor.ms), async ({ events, channel, userId, tz, anchorMs }) => {
        const without = events.filter((event) => !samePerson(event, channel, userId));
        const [withPerson, never] = [await feed(events, anchorMs), await feed(without, anchorMs)];
        const broadcastIds = [...new Set(events.map((event) => event.broadcastId).filter((id): id is string => id !== undefined))];
        // Dates (slot bounds: the rollup path) and bounds off a slot (the events path).
        const ranges = [
          `from=${isoDate(anchorMs - 2 * DAY)}&to=${isoDate(anchorMs + 16 * DAY)}&tz=${tz}`,
          `from=${new Date(anchorMs - 2 * DAY + 7 * 60_000).toISOString()}&to=${new Date(anchorMs + 16 * DAY - 60_000).toISOString()}&tz=${tz}`,
        ];
        // What the project that never had the person answers, read before the deletion: a deletion reaching
        // into another project would change it, and the comparison below would then fail.
        const expected = await Promise.all(ranges.map((range) => answers(never, endpointPaths(range, broadcastIds))));
        // The person is visible before (the event list names every event): otherwise equality afterwards would prove nothing.
        const eventsPath = endpointPaths(ranges[0]!, broadcastIds).filter(([name]) => name === "events");
        expect((await answers(withPerson, eventsPath)).events).not.toEqual(expected[0]!.events);

        const sent = events.filter((event) => samePerson(event, channel, userId));
        const res = await request(testApp.app).delete(`/api/v1/people/${channel}/${encodeURIComponent(userId)}`).set(auth(withPerson));
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.channel).toBe(channel);
        expect(res.body.userId).toBe(userId);
        expect(Object.keys(res.body.deletedRows).sort()).toEqual([...PERSON_TABLES].sort());
        // Physical rows: every resend not merged yet counts, merged ones once.
        expect(res.body.deletedRows.events).toBeGreaterThanOrEqual(new Set(sent.map((event) => event.id)).size);
        expect(res.body.deletedRows.events).toBeLessThanOrEqual(sent.length);
        expect(await personRowCounts(storage, { projectId: withPerson.projectId, channel, userId })).toEqual(Object.fromEntries(PERSON_TABLES.map((table) => [table, 0])));

        for (const [index, range] of ranges.entries()) {
          const paths = endpointPaths(range, broadcastIds);
          const after = await answers(withPerson, paths);
          for (const [name] of paths) expect(after[name], `${name} (${range})`).toEqual(expected[index]![name]);
        }
      }),
      { numRuns: RUNS_PER_ANCHOR },
    );
  });

  it("every table with a user_id column is one deletion clears (no rollup row mixes users) or deletion's own", async () => {
    const result = await storage.client.query({
      query: `SELECT name AS table FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree'
              AND name IN (SELECT table FROM system.columns WHERE database = {db:String} AND name = 'user_id') ORDER BY name`,
      query_params: { db: storage.database },
      format: "JSONEachRow",
    });
    const tables = (await result.json<{ table: string }>()).map((row) => row.table);
    const own: string[] = [PEOPLE_TABLES.deletions, PEOPLE_TABLES.tombstones, PEOPLE_TABLES.retentionRebuild];
    // Dashboard accounts (core/src/auth/accounts.ts): their user_id is a login of this install, not a messenger user.
    const dashboardAccounts = ["accounts", "account_roles", "account_sessions"];
    expect(tables.filter((table) => !own.includes(table) && !dashboardAccounts.includes(table)).sort()).toEqual([...PERSON_TABLES].sort());
    // A row holds one event (the table has event_id: events, the webhook outbox), or, in a rollup, the
    // sorting key starts with the user: either way one row never holds two people's events.
    const keys = await storage.client.query({
      query: `SELECT name, sorting_key FROM system.tables WHERE database = {db:String} AND name IN {tables:Array(String)}
              AND name NOT IN (SELECT table FROM system.columns WHERE database = {db:String} AND name = 'event_id')`,
      query_params: { db: storage.database, tables: [...PERSON_TABLES] },
      format: "JSONEachRow",
    });
    for (const row of await keys.json<{ name: string; sorting_key: string }>()) expect(row.sorting_key, row.name).toMatch(/^project_id, channel, user_id(,|$)/);
  });

  it("clears the person's lead from the webhook outbox when it is still in the outbox's Buffer", async () => {
    const project = await createProject(storage);
    const webhook = await request(testApp.app).post("/api/v1/webhooks").set(auth(project)).send({ url: "http://127.0.0.1:9/crm", events: ["lead"] });
    expect(webhook.status, JSON.stringify(webhook.body)).toBe(201);
    const userId = randomUUID();
    await send(project, [makeEvent({ userId, type: "lead", timestamp: new Date().toISOString() })]);
    // At once, within the Buffer's flush interval: the lead's outbox row is held in memory, where no DELETE reaches.
    const res = await request(testApp.app).delete(`/api/v1/people/telegram/${userId}`).set(auth(project));
    expect(res.status).toBe(200);
    expect(res.body.deletedRows.webhook_outbox).toBe(1);
    // Past the flush interval the outbox still holds nothing of theirs.
    await new Promise((resolve) => setTimeout(resolve, (WEBHOOK_OUTBOX_FLUSH_S + 1) * 1000));
    expect((await personRowCounts(storage, { projectId: project.projectId, channel: "telegram", userId })).webhook_outbox).toBe(0);
  });

  it("a resend of a deleted event does not bring the person back; a merge does not either; a later event is a new visit; the audit log says who and what", async () => {
    const project = await createProject(storage);
    const other = await createProject(storage);
    const events = [
      makeEvent({ userId: "42", type: "bot_started", timestamp: "2026-05-01T10:00:00Z", source: { campaign: "spring" } }),
      makeEvent({ userId: "42", type: "lead", timestamp: "2026-05-01T10:05:00Z", sessionId: "s1" }),
      makeEvent({ userId: "42", type: "order", timestamp: "2026-05-01T10:06:00Z", revenue: 5, currency: "RUB" }),
      makeEvent({ userId: "7", type: "lead", timestamp: "2026-05-01T10:05:00Z" }),
    ];
    // A webhook for leads: the outbox holds a copy of the person's lead, which the deletion must clear too.
    const webhook = await request(testApp.app).post("/api/v1/webhooks").set(auth(project)).send({ url: "http://127.0.0.1:9/crm", events: ["lead"] });
    expect(webhook.status, JSON.stringify(webhook.body)).toBe(201);
    await send(project, events);
    await send(project, events.slice(0, 2)); // a resend before the deletion: two physical rows each
    await send(other, events); // the same person in another project stays
    const res = await request(testApp.app).delete("/api/v1/people/telegram/42").set(auth(project));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      channel: "telegram",
      userId: "42",
      deletedRows: { events: 5, user_slots: expect.any(Number), id_sessions: expect.any(Number), user_outcomes: expect.any(Number), user_first_touch: expect.any(Number), conversation_slots: expect.any(Number), webhook_outbox: expect.any(Number) },
    });
    for (const table of PERSON_TABLES) expect(res.body.deletedRows[table], table).toBeGreaterThan(0);
    const users = async (p: Project) => (await request(testApp.app).get("/api/v1/overview?from=2026-05-01&to=2026-05-02").set(auth(p))).body.current.users as number;
    expect(await users(project)).toBe(1);
    expect(await users(other)).toBe(2);

    // An SDK retry or a Kafka redelivery of events sent before the deletion: answered 200, not stored.
    await send(project, events.slice(0, 3));
    expect(await personRowCounts(storage, { projectId: project.projectId, channel: "telegram", userId: "42" })).toMatchObject({ events: 0, user_slots: 0 });
    // Background merges keep deleted rows deleted.
    for (const table of PERSON_TABLES) await storage.client.command({ query: `OPTIMIZE TABLE ${storage.database}.${table} FINAL` });
    expect(await users(project)).toBe(1);
    const explorer = await request(testApp.app).get("/api/v1/events?from=2026-05-01&to=2026-05-02&userId=42").set(auth(project));
    expect(explorer.body.events).toEqual([]);

    // The person writes to the bot again after the deletion: that is a new visit, stored.
    const later = makeEvent({ userId: "42", type: "message_received", timestamp: new Date().toISOString() });
    await send(project, [later]);
    expect((await personRowCounts(storage, { projectId: project.projectId, channel: "telegram", userId: "42" })).events).toBe(1);

    const log = await request(testApp.app).get("/api/v1/people/deletions").set(auth(project));
    expect(log.status).toBe(200);
    expect(log.body.deletions).toHaveLength(1);
    const [entry] = log.body.deletions;
    expect(entry).toMatchObject({ channel: "telegram", userId: "42", deletedRows: res.body.deletedRows });
    expect(entry.actor).toMatch(/^[0-9a-f]{12}$/);
    expect(Math.abs(Date.parse(entry.deletedAt) - Date.now())).toBeLessThan(60_000);
    expect((await request(testApp.app).get("/api/v1/people/deletions").set(auth(other))).body.deletions).toEqual([]);
  });

  it("404 for a person without events, 400 naming the field for bad input, never a 500", async () => {
    const project = await createProject(storage);
    await send(project, [makeEvent({ userId: "1" })]);
    const del = (p: string) => request(testApp.app).delete(p).set(auth(project));
    const missing = await del("/api/v1/people/telegram/nobody");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    // The same user id on another channel is another person.
    expect((await del("/api/v1/people/vk/1")).status).toBe(404);
    for (const [url, field] of [
      ["/api/v1/people/icq/1", "channel"],
      ["/api/v1/people/telegram/", "userId"],
      ["/api/v1/people/telegram", "userId"],
      [`/api/v1/people/telegram/${"x".repeat(129)}`, "userId"],
      ["/api/v1/people/telegram/%ED%A0%80", "userId"],
      ["/api/v1/people/telegram/a%ZZ", "userId"],
    ] as const) {
      const res = await del(url);
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.message).toContain(`'${field}'`);
    }
    const badLimit = await request(testApp.app).get("/api/v1/people/deletions?limit=0").set(auth(project));
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.message).toContain("'limit'");
    expect((await request(testApp.app).delete("/api/v1/people/telegram/1")).status).toBe(401);
    expect((await request(testApp.app).delete("/api/v1/people/telegram/1").set(auth(project, "write"))).status).toBe(401);
    // Nothing of user 1 went through those refusals.
    expect((await personRowCounts(storage, { projectId: project.projectId, channel: "telegram", userId: "1" })).events).toBe(1);
  });
});

describe("a deletion survives a restart of the embedded process", () => {
  it("keeps the person out of every answer, the audit log, and refuses their old events after the restart", { timeout: 180_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(process.env.CHATFUNNEL_TEST_ROOT ?? os.tmpdir(), "people-restart-"));
    const env = { DATA_DIR: dataDir, CHATFUNNEL_WRITE_KEY: `cf_w_${randomUUID().replaceAll("-", "")}`, CHATFUNNEL_READ_KEY: `cf_r_${randomUUID().replaceAll("-", "")}`, CHATFUNNEL_MANAGE_KEY: `cf_m_${randomUUID().replaceAll("-", "")}` };
    // The manage key: the deletion is an editor action, and it reads every report too.
    const read = { Authorization: `Bearer ${env.CHATFUNNEL_MANAGE_KEY}` };
    const events = [
      makeEvent({ userId: "gone", type: "bot_started", timestamp: "2026-05-01T10:00:00Z", source: { campaign: "spring" } }),
      makeEvent({ userId: "gone", type: "lead", timestamp: "2026-05-01T10:05:00Z" }),
      makeEvent({ userId: "gone", channel: "vk", type: "lead", timestamp: "2026-05-01T10:05:00Z" }),
      makeEvent({ userId: "stays", type: "lead", timestamp: "2026-05-01T11:05:00Z", sessionId: "s" }),
    ];
    const range = "from=2026-05-01&to=2026-05-02";
    const figures = async (url: string) => {
      const get = (p: string) => fetch(`${url}${p}`, { headers: read }).then((res) => res.json() as Promise<Record<string, unknown>>);
      return {
        overview: await get(`/api/v1/overview?${range}`),
        channels: await get(`/api/v1/channels?${range}`),
        explorer: await get(`/api/v1/events?${range}&userId=gone`),
        log: ((await get("/api/v1/people/deletions")).deletions as Array<Record<string, unknown>>).map(({ deletedAt: _d, ...entry }) => entry),
      };
    };
    let server = await startEmbeddedProcess(env);
    try {
      const post = (body: object) => fetch(`${server.url}/v1/events`, { method: "POST", headers: { Authorization: `Bearer ${env.CHATFUNNEL_WRITE_KEY}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
      expect((await post({ events })).status).toBe(200);
      const res = await fetch(`${server.url}/api/v1/people/telegram/gone`, { method: "DELETE", headers: read });
      expect(res.status).toBe(200);
      const before = await figures(server.url);
      expect((before.overview.current as { users: number }).users).toBe(2); // vk/gone and telegram/stays
      expect((before.explorer.events as Array<{ channel: string }>).map((event) => event.channel)).toEqual(["vk"]);
      expect(await server.stop()).toBe(0);

      server = await startEmbeddedProcess(env);
      expect(await figures(server.url)).toEqual(before);
      // The tombstone is read back from storage: a resend after the restart stays out too.
      expect((await post({ events: events.slice(0, 2) })).status).toBe(200);
      expect(await figures(server.url)).toEqual(before);
    } finally {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
