/**
 * Per-project retention periods against the real engine: after a run, a project answers every endpoint
 * exactly like a project that only ever received the events at or after the cut, on the rollup path and the
 * events path, including sessionIds and first touches the cut splits (rebuilt from what remains); other
 * projects and projects without a period keep everything; the embedded process applies it at start.
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
import { SLOT_MS, applyRetention, retentionCutMs, scheduleRetention, type RetentionRun } from "@chatfunnel/warehouse";
import { createProject, freshDatabase, waitFor } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { messagingStreamArb } from "../reference/messaging-arbitraries.js";
import { ANCHORS } from "../support/random-events.js";
import { startEmbeddedProcess } from "../support/embedded-process.js";
import { makeEvent } from "../support/events.js";
import { endpointPaths, feedProject, isoDate, projectAnswers, sendEvents, type Project } from "../support/project-answers.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS_PER_ANCHOR = propertyRuns("RETENTION_RUNS", 1);
const DAY = 86_400_000;

describe("retention period", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const patch = (project: Project, body: object) => request(testApp.app).patch("/api/v1/project").set("Authorization", `Bearer ${project.manageKey}`).send(body);
  const storedEvents = async (project: Project) => {
    const result = await storage.client.query({
      query: `SELECT count() AS n FROM ${storage.database}.events WHERE project_id = {p:String}`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
    });
    return Number((await result.json<{ n: number }>())[0]?.n);
  };

  it("the cut is now − days, floored to a slot", () => {
    const now = Date.parse("2026-12-01T10:37:12.345Z");
    expect(retentionCutMs(30, now)).toBe(Date.parse("2026-11-01T10:30:00Z"));
    expect(retentionCutMs(1, Date.parse("2026-12-01T00:00:00Z"))).toBe(Date.parse("2026-11-30T00:00:00Z"));
    expect(retentionCutMs(7, now) % SLOT_MS).toBe(0);
  });

  it.each(ANCHORS.slice(2, 4))(`equals a project fed only the kept events, on ${RUNS_PER_ANCHOR} random streams around $name`, { timeout: 300_000 }, async (anchor) => {
    await fc.assert(
      fc.asyncProperty(
        messagingStreamArb(anchor.ms, { users: 5 }),
        // The cut falls among the events (they span about −1 to +13 days around the anchor), off a slot.
        fc.integer({ min: -DAY, max: 4 * DAY }),
        fc.constantFrom("UTC", "America/New_York"),
        async (events, cutOffsetMs, tz) => {
          const retentionDays = 10;
          const nowMs = anchor.ms + cutOffsetMs + retentionDays * DAY;
          const cutMs = retentionCutMs(retentionDays, nowMs);
          const kept = events.filter((event) => Date.parse(event.timestamp) >= cutMs);
          const [aged, fresh, untouched] = [await feedProject(testApp.app, storage, events, anchor.ms), await feedProject(testApp.app, storage, kept, anchor.ms), await feedProject(testApp.app, storage, events, anchor.ms)];
          expect((await patch(aged, { retentionDays })).status).toBe(200);
          const runs = await applyRetention(storage, nowMs);
          const run = runs.find((r) => r.projectId === aged.projectId);
          expect(run?.cutMs).toBe(cutMs);
          expect(runs.map((r) => r.projectId)).not.toContain(untouched.projectId);
          expect(await storedEvents(untouched)).toBeGreaterThanOrEqual(events.length > 0 ? 1 : 0);

          const broadcastIds = [...new Set(events.map((event) => event.broadcastId).filter((id): id is string => id !== undefined))];
          const ranges = [
            `from=${isoDate(anchor.ms - 2 * DAY)}&to=${isoDate(anchor.ms + 16 * DAY)}&tz=${tz}`,
            `from=${new Date(anchor.ms - 2 * DAY + 7 * 60_000).toISOString()}&to=${new Date(anchor.ms + 16 * DAY - 60_000).toISOString()}&tz=${tz}`,
          ];
          for (const range of ranges) {
            const paths = endpointPaths(range, broadcastIds);
            const after = await projectAnswers(testApp.app, aged, paths);
            const expected = await projectAnswers(testApp.app, fresh, paths);
            for (const [name] of paths) expect(after[name], `${name} (${range})`).toEqual(expected[name]);
          }
          // A second run finds nothing older and writes nothing.
          expect((await applyRetention(storage, nowMs)).find((r) => r.projectId === aged.projectId)?.events).toBe(0);
          // Off again, so later runs (other nows, the tests below) do not redo this project's deletes.
          expect((await patch(aged, { retentionDays: null })).status).toBe(200);
        },
      ),
      { numRuns: RUNS_PER_ANCHOR },
    );
  });

  it("rebuilds a sessionId and a first touch the cut splits", async () => {
    const nowMs = Date.parse("2026-06-11T12:00:00Z");
    const cutMs = retentionCutMs(10, nowMs); // 2026-06-01T12:00Z
    const at = (offsetMin: number) => new Date(cutMs + offsetMin * 60_000).toISOString();
    // One sessionId across the cut: its start, request and handoff before it; a campaign only before it.
    const events: Event[] = [
      makeEvent({ userId: "s", sessionId: "visit", type: "message_received", timestamp: at(-20), source: { campaign: "old" } }),
      makeEvent({ userId: "s", sessionId: "visit", type: "handoff", timestamp: at(-10) }),
      makeEvent({ userId: "s", sessionId: "visit", type: "resolved", timestamp: at(5) }),
      makeEvent({ userId: "s", sessionId: "visit", type: "lead", timestamp: at(6), source: { campaign: "new" } }),
      makeEvent({ userId: "t", type: "lead", timestamp: at(7), source: { campaign: "old" } }),
    ];
    const aged = await feedProject(testApp.app, storage, events, cutMs);
    const fresh = await feedProject(testApp.app, storage, events.filter((event) => Date.parse(event.timestamp) >= cutMs), cutMs);
    expect((await patch(aged, { retentionDays: 10 })).status).toBe(200);
    await applyRetention(storage, nowMs);
    const range = "from=2026-06-01&to=2026-06-02&tz=UTC";
    const paths = endpointPaths(range, []);
    const [after, expected] = [await projectAnswers(testApp.app, aged, paths), await projectAnswers(testApp.app, fresh, paths)];
    for (const [name] of paths) expect(after[name], name).toEqual(expected[name]);
    // The kept lead belongs to campaign "new" now that the "old" touch is gone; the session is resolved by the bot.
    const costs = after["costs by campaign"] as { body: { rows: Array<{ key: string | null; leads: number }> } };
    expect(costs.body.rows.find((row) => row.key === "new")?.leads).toBe(1);
    expect((after.overview as { body: { current: { resolutionRate: number | null; sessions: number } } }).body.current).toMatchObject({ sessions: 2 });
    expect((await patch(aged, { retentionDays: null })).status).toBe(200);
  });

  it("a project without a period keeps everything; null turns a period off", async () => {
    const project = await createProject(storage);
    await sendEvents(testApp.app, project, [makeEvent({ timestamp: "2026-01-01T00:00:00Z" })]);
    await applyRetention(storage);
    expect(await storedEvents(project)).toBe(1);
    expect((await patch(project, { retentionDays: 30 })).status).toBe(200);
    expect((await patch(project, { retentionDays: null })).status).toBe(200);
    await applyRetention(storage);
    expect(await storedEvents(project)).toBe(1);
  });

  it("the schedule runs at once and then on every tick, one run at a time", async () => {
    const project = await createProject(storage);
    expect((await patch(project, { retentionDays: 1 })).status).toBe(200);
    await sendEvents(testApp.app, project, [makeEvent({ timestamp: "2026-01-01T00:00:00Z" })]);
    const seen: RetentionRun[][] = [];
    const schedule = scheduleRetention(storage, { onRun: (runs) => seen.push(runs) }, 200);
    try {
      await waitFor(async () => seen.length, (n) => n >= 1);
      expect(await storedEvents(project)).toBe(0);
      await sendEvents(testApp.app, project, [makeEvent({ timestamp: "2026-01-02T00:00:00Z" })]);
      const ticked = seen.length;
      await waitFor(async () => seen.length, (n) => n > ticked);
      await waitFor(() => storedEvents(project), (n) => n === 0, 10_000);
    } finally {
      await schedule.stop();
    }
  });
});

describe("the embedded process applies retention periods", () => {
  it("at start, to events stored before the period was set", { timeout: 180_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(process.env.CHATFUNNEL_TEST_ROOT ?? os.tmpdir(), "retention-start-"));
    const env = { DATA_DIR: dataDir, CHATFUNNEL_WRITE_KEY: `cf_w_${randomUUID().replaceAll("-", "")}`, CHATFUNNEL_READ_KEY: `cf_r_${randomUUID().replaceAll("-", "")}`, CHATFUNNEL_MANAGE_KEY: `cf_m_${randomUUID().replaceAll("-", "")}` };
    // The manage key: the project settings are an editor action, and it reads every report too.
    const headers = { Authorization: `Bearer ${env.CHATFUNNEL_MANAGE_KEY}`, "Content-Type": "application/json" };
    const recent = new Date(Date.now() - 3_600_000).toISOString();
    const events = [makeEvent({ userId: "old", timestamp: "2026-01-10T10:00:00Z" }), makeEvent({ userId: "new", timestamp: recent })];
    const users = async (url: string) => {
      const res = await fetch(`${url}/api/v1/overview?from=2026-01-01&to=2026-12-31`, { headers });
      return ((await res.json()) as { current: { users: number } }).current.users;
    };
    let server = await startEmbeddedProcess(env);
    try {
      const post = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { ...headers, Authorization: `Bearer ${env.CHATFUNNEL_WRITE_KEY}` }, body: JSON.stringify({ events }) });
      expect(post.status).toBe(200);
      expect(await users(server.url)).toBe(2);
      const res = await fetch(`${server.url}/api/v1/project`, { method: "PATCH", headers, body: JSON.stringify({ retentionDays: 30 }) });
      expect(res.status).toBe(200);
      expect(await server.stop()).toBe(0);
      server = await startEmbeddedProcess(env);
      const url = server.url;
      await waitFor(() => users(url), (n) => n === 1, 30_000);
    } finally {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
