import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";

describe("POST /v1/events against the real engine", () => {
  let storage: Storage;
  let testApp: TestApp;
  let project: Awaited<ReturnType<typeof createProject>>;
  let other: Awaited<ReturnType<typeof createProject>>;

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    other = await createProject(storage);
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const post = (body: unknown, key = project.writeKey) =>
    request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${key}`).send(body as object);

  const storedCount = async (projectId: string) => {
    const result = await storage.client.query({
      query: `SELECT count() AS n FROM ${storage.database}.events FINAL WHERE project_id = {p:String}`,
      query_params: { p: projectId },
      format: "JSONEachRow",
    });
    const [row] = await result.json<{ n: number }>();
    return Number(row?.n);
  };

  it("keeps valid events, lists invalid ones by index and field, and answers after the write", async () => {
    const good = [makeEvent({ userId: "a" }), makeEvent({ userId: "b" })];
    const res = await post({ events: [good[0], { ...makeEvent(), channel: "icq", timestamp: "yesterday" }, good[1]] });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected).toHaveLength(1);
    expect(res.body.rejected[0].index).toBe(1);
    const paths = res.body.rejected[0].errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(["channel", "timestamp"]);
    // 200 means durable: the rows are queryable without waiting.
    expect(await storedCount(project.projectId)).toBe(2);
  });

  it("counts a batch sent twice once", async () => {
    const batch = { events: [makeEvent({ userId: "dup" }), makeEvent({ userId: "dup", type: "lead" })] };
    const before = await storedCount(project.projectId);
    expect((await post(batch)).status).toBe(200);
    expect((await post(batch)).status).toBe(200);
    expect(await storedCount(project.projectId)).toBe(before + 2);
  });

  it("answers 400 for unparseable JSON and for a wrong shape, naming the field", async () => {
    const bad = await request(testApp.app)
      .post("/v1/events")
      .set("Authorization", `Bearer ${project.writeKey}`)
      .set("Content-Type", "application/json")
      .send("{not json");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("bad_request");
    const shape = await post({ evnts: [] });
    expect(shape.status).toBe(400);
    expect(JSON.stringify(shape.body.error.details)).toContain("events");
    const empty = await post({ events: [] });
    expect(empty.status).toBe(400);
    const tooMany = await post({ events: Array.from({ length: 1001 }, () => makeEvent()) });
    expect(tooMany.status).toBe(400);
  });

  it("answers 413 for a body over 1 MiB", async () => {
    const big = { events: [makeEvent({ properties: { blob: "x".repeat(1000) } })] };
    const huge = { events: Array.from({ length: 1000 }, () => ({ ...big.events[0], properties: { a: "x".repeat(1024), b: "y".repeat(1024) } })) };
    const res = await post(huge);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it("answers 401 for a missing, unknown or read-only key", async () => {
    expect((await request(testApp.app).post("/v1/events").send({ events: [makeEvent()] })).status).toBe(401);
    expect((await post({ events: [makeEvent()] }, "cf_w_unknown_key_123456")).status).toBe(401);
    expect((await post({ events: [makeEvent()] }, project.readKey)).status).toBe(401);
  });

  it("keeps each project's data to its own keys", async () => {
    await post({ events: [makeEvent({ userId: "only-other", type: "lead" })] }, other.writeKey);
    const mine = await request(testApp.app)
      .get("/api/v1/overview?from=2026-04-01&to=2026-06-01")
      .set("Authorization", `Bearer ${project.readKey}`);
    const theirs = await request(testApp.app)
      .get("/api/v1/overview?from=2026-04-01&to=2026-06-01")
      .set("Authorization", `Bearer ${other.readKey}`);
    expect(mine.status).toBe(200);
    expect(theirs.body.current.users).toBe(1);
    expect(theirs.body.current.leads).toBe(1);
    expect(mine.body.current.users).toBe(3);
    expect((await request(testApp.app).get("/api/v1/overview?from=2026-04-01&to=2026-06-01").set("Authorization", `Bearer ${other.writeKey}`)).status).toBe(401);
  });
});

describe("the event contract as JSON Schema", () => {
  it("is served without a key", async () => {
    const storage = await freshDatabase();
    const testApp = createTestApp(storage);
    const res = await request(testApp.app).get("/v1/schema/event.json");
    expect(res.status).toBe(200);
    expect(res.body.required).toContain("userId");
    const batch = await request(testApp.app).get("/v1/schema/batch.json");
    expect(batch.body.properties.events.maxItems).toBe(1000);
    await testApp.close();
  });
});
