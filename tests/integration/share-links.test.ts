import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Express } from "express";
import type { Storage } from "@chatfunnel/core";
import { API_ROUTES } from "../../api/src/app.js";
import { shareReaches } from "../../api/src/http/share-guard.js";
import { freshDatabase, waitFor } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

/**
 * Share links on the real engine: read-only, one project, its filters in force whatever the viewer asks,
 * nothing else reachable, 410 once expired, a password asked first when set, revocation within 2 s.
 */
const ADMIN_TOKEN = "test-admin-token-shares-012345";
const RANGE = "from=2026-05-01&to=2026-05-02&tz=UTC";

interface Project {
  id: string;
  writeKey: string;
  readKey: string;
  manageKey: string;
}

let storage: Storage;
const apps: TestApp[] = [];
let app: Express;

function newApp(): Express {
  const created = createTestApp(storage, { TRUST_PROXY: "1" }, { adminToken: ADMIN_TOKEN });
  apps.push(created);
  return created.app;
}

/** A project with 3 leads in campaign spring, 1 in autumn, on two channels. */
async function createProject(name: string): Promise<Project> {
  const res = await request(app).post("/admin/v1/projects").set("Authorization", `Bearer ${ADMIN_TOKEN}`).send({ name });
  expect(res.status).toBe(201);
  const project = res.body as Project;
  const lead = (userId: string, campaign: string, channel: "telegram" | "vk" = "telegram") =>
    makeEvent({ type: "lead", userId: `${name}-${userId}`, channel, timestamp: "2026-05-01T10:00:00Z", source: { campaign } });
  const sent = await request(app)
    .post("/v1/events")
    .set("Authorization", `Bearer ${project.writeKey}`)
    .send({ events: [lead("1", "spring"), lead("2", "spring"), lead("3", "spring", "vk"), lead("4", "autumn")] });
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  return project;
}

async function share(project: Project, body: object = {}): Promise<{ id: string; url: string; token: string }> {
  const res = await request(app).post("/api/v1/shares").set("Authorization", `Bearer ${project.manageKey}`).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const url = new URL(res.body.url as string);
  expect(url.pathname).toMatch(/^\/share\/cf_sh_/);
  return { ...res.body, token: url.pathname.slice("/share/".length) };
}

const leads = (token: string, query = "") =>
  request(app)
    .get(`/api/v1/overview?${RANGE}${query}`)
    .set("Authorization", `Bearer ${token}`)
    .then((res) => ({ status: res.status, leads: res.body?.current?.leads as number | undefined }));

function call(method: string, path: string) {
  return (request(app) as unknown as Record<string, (url: string) => request.Test>)[method]!(path.replace(/\{[A-Za-z0-9_]+\}/g, "x"));
}

beforeAll(async () => {
  storage = await freshDatabase();
  app = newApp();
});
afterAll(async () => {
  for (const created of apps) await created.close();
});

describe("share links", () => {
  it("need a manage key (or an editor) to create; read keys are refused, bad input is named", async () => {
    const project = await createProject("create");
    const refused = await request(app).post("/api/v1/shares").set("Authorization", `Bearer ${project.readKey}`).send({});
    expect(refused.status).toBe(403);
    const bad = [
      await request(app).post("/api/v1/shares").set("Authorization", `Bearer ${project.manageKey}`).send({ expiresAt: "2020-01-01T00:00:00Z" }),
      await request(app).post("/api/v1/shares").set("Authorization", `Bearer ${project.manageKey}`).send({ filters: { campaign: "" } }),
      await request(app).post("/api/v1/shares").set("Authorization", `Bearer ${project.manageKey}`).send({ filters: { userId: "1" } }),
      await request(app).post("/api/v1/shares").set("Authorization", `Bearer ${project.manageKey}`).send({ password: "short" }),
    ];
    expect(bad.map((res) => res.status)).toEqual([400, 400, 400, 400]);
    expect(bad.map((res) => res.body.error.message)).toEqual([
      expect.stringContaining("'expiresAt'"),
      expect.stringContaining("'filters.campaign'"),
      expect.stringContaining("'filters.userId'"),
      expect.stringContaining("'password'"),
    ]);
    const created = await share(project, { filters: { campaign: "spring" } });
    const listed = await request(app).get("/api/v1/shares").set("Authorization", `Bearer ${project.readKey}`);
    expect(listed.body.shares).toEqual([{ id: created.id, filters: { campaign: "spring" }, expiresAt: null, passwordProtected: false, createdAt: expect.any(String) }]);
    expect(JSON.stringify(listed.body)).not.toContain(created.token);
  });

  it("shows the project's reports with its filters in force, whatever the viewer asks for", async () => {
    const project = await createProject("filters");
    const spring = await share(project, { filters: { campaign: "spring" } });
    expect(await leads(spring.token)).toEqual({ status: 200, leads: 3 });
    // Asking for another campaign changes nothing: the link's is in force.
    expect(await leads(spring.token, "&campaign=autumn")).toEqual({ status: 200, leads: 3 });
    const springVk = await share(project, { filters: { campaign: "spring", channel: ["vk"] } });
    expect(await leads(springVk.token, "&channel=telegram")).toEqual({ status: 200, leads: 1 });
    const all = await share(project);
    expect(await leads(all.token)).toEqual({ status: 200, leads: 4 });
    // The channels report is filtered the same way.
    const channels = await request(app).get(`/api/v1/channels?${RANGE}`).set("Authorization", `Bearer ${springVk.token}`);
    expect(channels.status).toBe(200);
    expect(channels.body.channels.map((row: { channel: string }) => row.channel)).toEqual(["vk"]);

    const info = await request(app).get("/auth/v1/share").set("Authorization", `Bearer ${spring.token}`);
    expect(info.body).toEqual({ project: { id: project.id, name: "filters" }, filters: { campaign: "spring" }, expiresAt: null, passwordRequired: false });
  });

  it("is read-only and reaches nothing but the reports: every non-GET route and every other GET is refused", async () => {
    const project = await createProject("readonly");
    const link = await share(project);
    const writes = API_ROUTES.filter((route) => route.method !== "get");
    for (const route of writes) {
      const res = await call(route.method, route.path).set("Authorization", `Bearer ${link.token}`).send({});
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      expect(res.body.error.message).toBe("a share link is read-only");
    }
    const others = API_ROUTES.filter((route) => route.method === "get" && !shareReaches(route));
    expect(others.map((route) => route.path)).toEqual(expect.arrayContaining(["/api/v1/project", "/api/v1/shares", "/api/v1/webhooks", "/api/v1/export/events"]));
    for (const route of others) {
      const res = await call("get", `${route.path}?${RANGE}`).set("Authorization", `Bearer ${link.token}`);
      expect(res.status, route.path).toBe(403);
    }
    for (const route of API_ROUTES.filter((r) => r.method === "get" && shareReaches(r))) {
      const res = await call("get", `${route.path}?${RANGE}`).set("Authorization", `Bearer ${link.token}`);
      expect([401, 403], `${route.path}: ${res.status}`).not.toContain(res.status);
    }
    // Not the admin API, not ingest.
    expect((await request(app).get("/admin/v1/projects").set("Authorization", `Bearer ${link.token}`)).status).toBe(401);
    expect((await request(app).post("/v1/events").set("Authorization", `Bearer ${link.token}`).send({ events: [makeEvent()] })).status).toBe(401);
  });

  it("never shows another project: its own project is the only one, whatever the request names", async () => {
    const a = await createProject("iso-a");
    const b = await createProject("iso-b");
    const link = await share(a, { filters: { campaign: "autumn" } });
    const events = await request(app).get(`/api/v1/events?${RANGE}`).set("Authorization", `Bearer ${link.token}`).set("X-Chatfunnel-Project", b.id);
    expect(events.status).toBe(200);
    expect(events.body.events.map((event: { userId: string }) => event.userId)).toEqual(["iso-a-4"]);
    const overview = await request(app).get(`/api/v1/overview?${RANGE}&project=${b.id}`).set("Authorization", `Bearer ${link.token}`).set("X-Chatfunnel-Project", b.id);
    expect(overview.body.current.leads).toBe(1);
    // B's manage key cannot revoke A's link: to B it does not exist.
    expect((await request(app).delete(`/api/v1/shares/${link.id}`).set("Authorization", `Bearer ${b.manageKey}`)).status).toBe(404);
  });

  it("answers 410 once expired", async () => {
    const project = await createProject("expiry");
    const link = await share(project, { expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await leads(link.token)).status).toBe(200);
    await waitFor(() => leads(link.token).then((res) => res.status), (code) => code === 410, 5000, 100);
    const res = await request(app).get(`/api/v1/overview?${RANGE}`).set("Authorization", `Bearer ${link.token}`);
    expect(res.body.error.code).toBe("gone");
    expect((await request(app).get("/auth/v1/share").set("Authorization", `Bearer ${link.token}`)).status).toBe(410);
  });

  it("with a password: nothing until it is given; a wrong one is refused and rate-limited; the right one unlocks", async () => {
    const project = await createProject("password");
    const link = await share(project, { password: "client secret 1", filters: { campaign: "autumn" } });
    const info = await request(app).get("/auth/v1/share").set("Authorization", `Bearer ${link.token}`);
    expect(info.body.passwordRequired).toBe(true);
    expect((await leads(link.token)).status).toBe(401);
    const unlock = (password: string, address: string) => request(app).post("/auth/v1/share/unlock").set("Authorization", `Bearer ${link.token}`).set("X-Forwarded-For", address).send({ password });
    expect((await unlock("guess", "10.9.0.1")).status).toBe(401);
    const unlocked = await unlock("client secret 1", "10.9.0.2");
    expect(unlocked.status, JSON.stringify(unlocked.body)).toBe(200);
    expect(await leads(unlocked.body.accessToken as string)).toEqual({ status: 200, leads: 1 });
    // The unlocked session is as read-only as the link.
    expect((await request(app).post("/api/v1/links").set("Authorization", `Bearer ${unlocked.body.accessToken}`).send({})).status).toBe(403);
    for (let i = 0; i < 4; i += 1) expect((await unlock("guess", `10.9.1.${i}`)).status).toBe(401);
    const limited = await unlock("client secret 1", "10.9.2.1");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("revoked: refused by every process within 2 s, its unlocked sessions too", async () => {
    const project = await createProject("revoke");
    const processes = [app, newApp(), newApp()];
    const open = await share(project);
    const locked = await share(project, { password: "client secret 2" });
    const unlocked = await request(app).post("/auth/v1/share/unlock").set("Authorization", `Bearer ${locked.token}`).send({ password: "client secret 2" });
    expect(unlocked.status).toBe(200);
    for (const [link, bearer] of [
      [open, open.token],
      [locked, unlocked.body.accessToken as string],
    ] as const) {
      const status = (target: Express) => request(target).get(`/api/v1/overview?${RANGE}`).set("Authorization", `Bearer ${bearer}`).then((res) => res.status);
      // A link made on one process works at once on every other.
      for (const target of processes) expect(await status(target)).toBe(200);
      const started = Date.now();
      expect((await request(app).delete(`/api/v1/shares/${link.id}`).set("Authorization", `Bearer ${project.manageKey}`)).status).toBe(204);
      const ms = await Promise.all(
        processes.map(async (target) => {
          await waitFor(() => status(target), (code) => code === 401, 5000, 20);
          return Date.now() - started;
        }),
      );
      expect(Math.max(...ms), JSON.stringify(ms)).toBeLessThan(2000);
    }
    expect((await request(app).get("/api/v1/shares").set("Authorization", `Bearer ${project.readKey}`)).body.shares).toEqual([]);
  });
});
