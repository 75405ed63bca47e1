/**
 * Project settings (GET/PATCH /api/v1/project) against the real engine: each field is stored as a new
 * version of the project's row and read back, the time zone becomes the default `tz`, the session timeout is
 * the one every session figure uses (rollup path at 30 and 60 minutes, events path below a slot), and bad
 * input is a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { ProjectSettingsSchema } from "@chatfunnel/schemas";
import { choosePath, toEventRow } from "@chatfunnel/warehouse";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";

describe("project settings", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const client = (key: string) => ({
    get: (path: string) => request(testApp.app).get(path).set("Authorization", `Bearer ${key}`),
    patch: (body: unknown) => request(testApp.app).patch("/api/v1/project").set("Authorization", `Bearer ${key}`).send(body as object),
  });

  it("reads the defaults, changes each field, and keeps the last change of each", async () => {
    const project = await createProject(storage);
    const api = client(project.manageKey);
    const initial = await api.get("/api/v1/project");
    expect(initial.status, JSON.stringify(initial.body)).toBe(200);
    expect(ProjectSettingsSchema.parse(initial.body)).toEqual({ id: project.projectId, name: project.projectId, timezone: "UTC", sessionTimeoutMinutes: 30, retentionDays: null, language: "en" });

    const changed = await api.patch({ name: "Магазин", timezone: "europe/moscow", sessionTimeoutMinutes: 45, retentionDays: 90, language: "ru" });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    // The zone is stored in the engine's spelling, as `tz` answers it.
    expect(changed.body).toEqual({ id: project.projectId, name: "Магазин", timezone: "Europe/Moscow", sessionTimeoutMinutes: 45, retentionDays: 90, language: "ru" });
    // Two changes within one millisecond: the later one wins (its version is later whatever the clock says).
    await api.patch({ retentionDays: null });
    await api.patch({ sessionTimeoutMinutes: 20 });
    const read = await api.get("/api/v1/project");
    // A change of other fields keeps the language (each version carries every setting).
    expect(read.body).toEqual({ id: project.projectId, name: "Магазин", timezone: "Europe/Moscow", sessionTimeoutMinutes: 20, retentionDays: null, language: "ru" });
    expect((await api.patch({ language: "en" })).body.language).toBe("en");
    // The projects table keeps one row per version; FINAL reads the newest.
    const versions = await storage.client.query({
      query: `SELECT count() AS n FROM ${storage.database}.projects WHERE project_id = {p:String}`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
    });
    expect(Number((await versions.json<{ n: number }>())[0]?.n)).toBeGreaterThanOrEqual(2);
  });

  it("the time zone is the default `tz` of every report", async () => {
    const project = await createProject(storage);
    const api = client(project.manageKey);
    await api.patch({ timezone: "Asia/Kolkata" });
    const overview = await api.get("/api/v1/overview?from=2026-05-01&to=2026-05-02");
    expect(overview.status).toBe(200);
    expect(overview.body.range).toEqual({ from: "2026-04-30T18:30:00.000Z", to: "2026-05-01T18:30:00.000Z", tz: "Asia/Kolkata" });
  });

  it("the session timeout changes the sessions of overview, timeseries, repeat and engagement, on both paths", async () => {
    const project = await createProject(storage);
    const api = client(project.manageKey);
    // One user without sessionId; gaps of 12, 40 and 40 minutes. 10 min: 4 sessions; 30: 3; 60: 1.
    const times = ["2026-05-01T10:00:00Z", "2026-05-01T10:12:00Z", "2026-05-01T10:52:00Z", "2026-05-01T11:32:00Z"];
    const events = times.map((timestamp) => makeEvent({ userId: "u1", type: "message_received", timestamp }));
    await storage.insertRows("events", events.map((event) => toEventRow(project.projectId, event, Date.now())));
    const range = "from=2026-05-01&to=2026-05-02&tz=UTC";
    const sessionsEverywhere = async () => {
      const [overview, timeseries, repeat, engagement] = await Promise.all([
        api.get(`/api/v1/overview?${range}`),
        api.get(`/api/v1/timeseries?${range}&metric=sessions&interval=day`),
        api.get(`/api/v1/repeat?${range}`),
        api.get(`/api/v1/engagement?${range}`),
      ]);
      for (const res of [overview, timeseries, repeat, engagement]) expect(res.status, JSON.stringify(res.body)).toBe(200);
      const histogram = repeat.body.histogram as Array<{ sessions: string; users: number }>;
      return {
        overview: overview.body.current.sessions as number,
        timeseries: timeseries.body.points[0].value as number,
        repeat: histogram.find((bucket) => bucket.users === 1)?.sessions,
        engagement: engagement.body.sessions as number,
      };
    };
    const filters = { projectId: project.projectId, fromMs: Date.parse("2026-05-01T00:00:00Z"), toMs: Date.parse("2026-05-02T00:00:00Z"), tz: "UTC", channels: undefined, botId: undefined, campaign: undefined, currency: undefined };
    for (const [minutes, sessions, path] of [
      [30, 3, "rollup"],
      [60, 1, "rollup"],
      [10, 4, "events"],
      [30, 3, "rollup"],
    ] as const) {
      const res = await api.patch({ sessionTimeoutMinutes: minutes });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(await choosePath(storage, filters)).toBe(path);
      expect(await sessionsEverywhere(), `timeout ${minutes} min`).toEqual({ overview: sessions, timeseries: sessions, repeat: sessions >= 5 ? "5+" : String(sessions), engagement: sessions });
    }
  });

  it("bad input is a 400 naming the field, never a 500", async () => {
    const project = await createProject(storage);
    const api = client(project.manageKey);
    const cases: Array<[unknown, string]> = [
      [{ timezone: "Mars/Base" }, "timezone"],
      [{ sessionTimeoutMinutes: 0 }, "sessionTimeoutMinutes"],
      [{ sessionTimeoutMinutes: 1441 }, "sessionTimeoutMinutes"],
      [{ sessionTimeoutMinutes: 2.5 }, "sessionTimeoutMinutes"],
      [{ sessionTimeoutMinutes: "30" }, "sessionTimeoutMinutes"],
      [{ retentionDays: 0 }, "retentionDays"],
      [{ retentionDays: 3661 }, "retentionDays"],
      [{ name: "" }, "name"],
      [{ name: "x".repeat(201) }, "name"],
      [{ colour: "red" }, "colour"],
      [{ language: "de" }, "language"],
      [{ language: "RU" }, "language"],
    ];
    for (const [body, field] of cases) {
      const res = await api.patch(body);
      expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.message).toContain(`'${field}'`);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    // A zone Intl knows and the engine does not: refused like `tz` would be.
    const factory = await api.patch({ timezone: "SystemV/AST4" });
    expect(factory.status).toBe(400);
    expect(factory.body.error.message).toContain("'timezone'");
    const notJson = await request(testApp.app).patch("/api/v1/project").set("Authorization", `Bearer ${project.manageKey}`).set("Content-Type", "application/json").send("{");
    expect(notJson.status).toBe(400);
    // Nothing was changed by the refused requests.
    expect((await api.get("/api/v1/project")).body).toMatchObject({ timezone: "UTC", sessionTimeoutMinutes: 30, retentionDays: null, name: project.projectId });
    expect((await request(testApp.app).patch("/api/v1/project").send({ name: "x" })).status).toBe(401);
  });
});
