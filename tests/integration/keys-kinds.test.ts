import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Express } from "express";
import { KeyStore, Readiness, createLogger, createMetrics, type Storage } from "@chatfunnel/core";
import { createDirectSink, createEventWriter, type BatchWriter } from "@chatfunnel/ingest";
import type { EventRow } from "@chatfunnel/warehouse";
import { createHttpApp } from "@chatfunnel/server";
import { freshDatabase, testConfig, waitFor } from "../support/engine.js";
import { makeEvent } from "../support/events.js";

const ADMIN_TOKEN = "test-admin-token-0123456789";
const RANGE = "from=2026-05-01&to=2026-05-02&tz=UTC";

/** One process's HTTP app (collector, API, admin) with its own key cache, as the embedded default builds it. */
function processApp(storage: Storage, writers: Array<BatchWriter<EventRow>>, keyCacheMs?: number): Express {
  const config = testConfig();
  const logger = createLogger("silent", "test");
  const metrics = createMetrics();
  const readiness = new Readiness();
  readiness.markReady();
  const keys = keyCacheMs === undefined ? new KeyStore(storage) : new KeyStore(storage, keyCacheMs);
  const writer = createEventWriter(storage, config);
  writers.push(writer);
  return createHttpApp({
    readiness,
    metrics,
    logger,
    collector: { keys, sink: createDirectSink(writer, config.WRITER_MAX_PENDING_ROWS, config.WRITER_MAX_WAIT_MS), metrics, logger },
    api: { storage, keys, metrics, logger },
    admin: { storage, adminToken: ADMIN_TOKEN, logger },
  });
}

interface Project {
  id: string;
  writeKey: string;
  readKey: string;
  manageKey: string;
}

describe("key kinds, projects and revocation", () => {
  let storage: Storage;
  const writers: Array<BatchWriter<EventRow>> = [];
  let app: Express;
  let a: Project;
  let b: Project;

  const admin = (app_: Express) => ({
    createProject: async (name: string) => {
      const res = await request(app_).post("/admin/v1/projects").set("Authorization", `Bearer ${ADMIN_TOKEN}`).send({ name, timezone: "Europe/Moscow" });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as Project;
    },
  });

  beforeAll(async () => {
    storage = await freshDatabase();
    // The cache every process runs with (1 s); the revocation test measures against it.
    app = processApp(storage, writers);
    a = await admin(app).createProject("Shop A");
    b = await admin(app).createProject("Shop B");
    for (const project of [a, b]) {
      const sent = await request(app)
        .post("/v1/events")
        .set("Authorization", `Bearer ${project.writeKey}`)
        .send({ events: [makeEvent({ type: "lead", userId: project.id, timestamp: "2026-05-01T10:00:00Z" })] });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    }
  });
  afterAll(async () => {
    for (const writer of writers) await writer.close();
  });

  const as = (key: string) => ({
    get: (path: string) => request(app).get(path).set("Authorization", `Bearer ${key}`),
    post: (path: string, body: object) => request(app).post(path).set("Authorization", `Bearer ${key}`).send(body),
    delete: (path: string) => request(app).delete(path).set("Authorization", `Bearer ${key}`),
  });
  const spend = { rows: [{ date: "2026-05-01", channel: "telegram", amount: 10, currency: "RUB" }] };
  const link = { channel: "telegram", target: "shop_bot", campaign: "spring" };

  it("a write key only ingests: the API refuses it with 401", async () => {
    expect((await as(a.writeKey).get(`/api/v1/overview?${RANGE}`)).status).toBe(401);
    expect((await as(a.writeKey).post("/api/v1/spend", spend)).status).toBe(401);
    expect((await as(a.writeKey).get(`/api/v1/export/events?${RANGE}`)).status).toBe(401);
  });

  it("a read key reads everything, and an editor action answers 403 naming the manage key", async () => {
    expect((await as(a.readKey).get(`/api/v1/overview?${RANGE}`)).status).toBe(200);
    expect((await as(a.readKey).get(`/api/v1/links`)).status).toBe(200);
    for (const res of [await as(a.readKey).post("/api/v1/spend", spend), await as(a.readKey).post("/api/v1/links", link), await as(a.readKey).delete("/api/v1/links/l_x")]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
      expect(res.body.error.message).toContain("manage key");
    }
    // Nothing was imported or created.
    expect((await as(a.manageKey).get(`/api/v1/overview?${RANGE}`)).body.current.spend.amount).toBe(0);
    expect((await as(a.manageKey).get(`/api/v1/links`)).body.links).toEqual([]);
  });

  it("a manage key reads and does the editor actions; neither it nor a read key ingests", async () => {
    expect((await as(a.manageKey).get(`/api/v1/overview?${RANGE}`)).status).toBe(200);
    const imported = await as(a.manageKey).post("/api/v1/spend", spend);
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    const created = await as(a.manageKey).post("/api/v1/links", link);
    expect(created.status).toBe(201);
    expect((await as(a.manageKey).delete(`/api/v1/links/${created.body.id}`)).status).toBe(204);
    for (const key of [a.readKey, a.manageKey]) {
      expect((await request(app).post("/v1/events").set("Authorization", `Bearer ${key}`).send({ events: [makeEvent()] })).status).toBe(401);
    }
  });

  it("two projects are isolated: each key sees its own project, and another project's key gets nothing of it", async () => {
    const users = async (key: string) => (await as(key).get(`/api/v1/events?${RANGE}`)).body.events.map((event: { userId: string }) => event.userId);
    expect(await users(a.readKey)).toEqual([a.id]);
    expect(await users(b.readKey)).toEqual([b.id]);
    const created = await as(a.manageKey).post("/api/v1/links", { ...link, campaign: "a-only" });
    expect(created.status).toBe(201);
    // B's manage key cannot delete A's link: to B it does not exist.
    expect((await as(b.manageKey).delete(`/api/v1/links/${created.body.id}`)).status).toBe(404);
    expect((await as(a.readKey).get("/api/v1/links")).body.links.map((l: { id: string }) => l.id)).toEqual([created.body.id]);
    expect((await as(b.readKey).get("/api/v1/links")).body.links).toEqual([]);
  });

  it("the admin API needs its token, lists projects with their key ids, and adds keys", async () => {
    expect((await request(app).get("/admin/v1/projects")).status).toBe(401);
    expect((await request(app).get("/admin/v1/projects").set("Authorization", `Bearer ${a.manageKey}`)).status).toBe(401);
    const listed = await request(app).get("/admin/v1/projects").set("Authorization", `Bearer ${ADMIN_TOKEN}`);
    expect(listed.status).toBe(200);
    const shopA = listed.body.projects.find((project: { id: string }) => project.id === a.id);
    expect(shopA).toMatchObject({ name: "Shop A", timezone: "Europe/Moscow" });
    expect(shopA.keys.map((key: { kind: string }) => key.kind).sort()).toEqual(["manage", "read", "write"]);
    // Ids name keys without showing them.
    expect(JSON.stringify(listed.body)).not.toContain(a.readKey);

    const added = await request(app).post(`/admin/v1/projects/${a.id}/keys`).set("Authorization", `Bearer ${ADMIN_TOKEN}`).send({ kind: "read" });
    expect(added.status).toBe(201);
    expect(added.body.id).toMatch(/^key_[0-9a-f]{24}$/);
    // Every process sees a new key within its key cache's second.
    await waitFor(() => as(added.body.key).get(`/api/v1/overview?${RANGE}`).then((res) => res.status), (code) => code === 200, 3000, 50);

    const bad = [
      await request(app).post(`/admin/v1/projects/${a.id}/keys`).set("Authorization", `Bearer ${ADMIN_TOKEN}`).send({ kind: "owner" }),
      await request(app).post("/admin/v1/projects").set("Authorization", `Bearer ${ADMIN_TOKEN}`).send({ name: "" }),
      await request(app).post("/admin/v1/projects").set("Authorization", `Bearer ${ADMIN_TOKEN}`).send({ name: "x", timezone: "Mars/Olympus" }),
    ];
    expect(bad.map((res) => res.status)).toEqual([400, 400, 400]);
    expect(bad.map((res) => res.body.error.message)).toEqual([expect.stringContaining("'kind'"), expect.stringContaining("'name'"), expect.stringContaining("'timezone'")]);
    expect((await request(app).post("/admin/v1/projects/p_nope/keys").set("Authorization", `Bearer ${ADMIN_TOKEN}`).send({ kind: "read" })).status).toBe(404);
    expect((await request(app).delete("/admin/v1/keys/key_000000000000000000000000").set("Authorization", `Bearer ${ADMIN_TOKEN}`)).status).toBe(404);
  });

  it("a revoked key is refused by every process within 2 s, and stays revoked", async () => {
    // Two more processes on the same storage, each with its own key cache (the default, 1 s).
    const other = processApp(storage, writers);
    const third = processApp(storage, writers);
    const added = await request(app).post(`/admin/v1/projects/${b.id}/keys`).set("Authorization", `Bearer ${ADMIN_TOKEN}`).send({ kind: "manage" });
    const key = added.body.key as string;
    const status = (target: Express) => request(target).get(`/api/v1/overview?${RANGE}`).set("Authorization", `Bearer ${key}`).then((res) => res.status);
    // Every process knows the key (a new key counts within a second too).
    for (const target of [app, other, third]) await waitFor(() => status(target), (code) => code === 200, 3000, 50);

    const revokedAt = Date.now();
    expect((await request(app).delete(`/admin/v1/keys/${added.body.id}`).set("Authorization", `Bearer ${ADMIN_TOKEN}`)).status).toBe(204);
    const refusedAfterMs = await Promise.all(
      [app, other, third].map(async (target) => {
        await waitFor(() => status(target), (code) => code === 401, 5000, 50);
        return Date.now() - revokedAt;
      }),
    );
    expect(Math.max(...refusedAfterMs), JSON.stringify(refusedAfterMs)).toBeLessThan(2000);
    // The other keys of the project still work; the revoked one is gone from the list and cannot be revoked twice.
    expect(await status(other).then(() => as(b.readKey).get(`/api/v1/overview?${RANGE}`)).then((res) => res.status)).toBe(200);
    const listed = await request(app).get("/admin/v1/projects").set("Authorization", `Bearer ${ADMIN_TOKEN}`);
    expect(listed.body.projects.find((p: { id: string }) => p.id === b.id).keys.map((k: { id: string }) => k.id)).not.toContain(added.body.id);
    expect((await request(app).delete(`/admin/v1/keys/${added.body.id}`).set("Authorization", `Bearer ${ADMIN_TOKEN}`)).status).toBe(404);
  });
});
