/**
 * Two projects in one database holding the same event ids, users, channels, bots and campaigns (and spend,
 * links, webhooks, a deleted person): every GET endpoint of /api/v1 — enumerated from API_ROUTES, so a new
 * one cannot be forgotten — with each filter answers for each project exactly what a database holding that
 * project alone answers; a key this install does not know, or one revoked, gets 401 on every one of them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { ensureProject, registerKey, revokeKey, keyIdOf, hashKey, generateKey } from "@chatfunnel/core";
import type { Event } from "@chatfunnel/schemas";
import { API_ROUTES } from "../../api/src/app.js";
import { freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";

const RANGE = "from=2026-04-27&to=2026-05-11&tz=UTC";
const BROADCAST = "spring-sale";
const CRM = "http://127.0.0.1:9/crm";

/** What a route needs beyond the range to answer 200; a new GET route that needs more fails below until it has an entry. */
const ROUTE_QUERIES: Record<string, { path?: string; query?: string; range?: false; id?: "funnel" | "alert" }> = {
  "/api/v1/funnel": { query: "steps=bot_started&steps=lead&steps=order&breakdown=channel" },
  "/api/v1/funnel/dropoff": { query: "steps=bot_started&steps=lead&steps=order&step=3" },
  "/api/v1/funnel/trends": { query: "steps=bot_started&steps=lead&steps=order" },
  "/api/v1/timeseries": { query: "metric=users" },
  "/api/v1/costs": { query: "by=campaign" },
  "/api/v1/broadcasts/{id}": { path: `/api/v1/broadcasts/${BROADCAST}` },
  "/api/v1/paths/users": { query: "step=1&kind=type&label=bot_started" },
  "/api/v1/retention/users": { query: "cohortStart=2026-04-27&period=0" },
  "/api/v1/people/deletions": { range: false },
  "/api/v1/project": { range: false },
  "/api/v1/webhooks": { range: false },
  "/api/v1/webhooks/{id}/deliveries": { range: false },
  "/api/v1/funnels": { range: false },
  "/api/v1/funnels/{id}": { range: false, id: "funnel" },
  "/api/v1/alerts": { range: false },
  "/api/v1/alerts/{id}": { range: false, id: "alert" },
  "/api/v1/alerts/{id}/history": { range: false, id: "alert" },
  "/api/v1/digests": { range: false },
  "/api/v1/shares": { range: false },
};

/**
 * Filters applied to every route (project A; B unfiltered): each common filter, a repeated channel, a zone. A route
 * without one of them answers the same 400 in both databases.
 */
const FILTERS = ["", "channel=telegram&campaign=spring&botId=shop_bot", "channel=vk&channel=whatsapp&currency=RUB&tz=Europe/Moscow"];

interface Keys {
  writeKey: string;
  readKey: string;
  manageKey: string;
}
interface Tenant extends Keys {
  projectId: string;
}

/** The same ids, users, channels, bots and campaigns in both projects; B's version of each event differs, and B has more. */
function eventsOf(project: "a" | "b"): Event[] {
  const events: Event[] = [];
  const users = [
    ["telegram", "42"],
    ["whatsapp", "42"],
    ["vk", "7"],
  ] as const;
  for (const [u, [channel, userId]] of users.entries()) {
    const day = project === "a" ? 1 + u : 3 + u;
    const e = (n: number, type: string, extra: Partial<Event> = {}) =>
      events.push(makeEvent({ id: `00000000-0000-4000-8000-${String(u * 100 + n).padStart(12, "0")}`, channel, botId: "shop_bot", userId, type, timestamp: `2026-05-0${day}T10:${String(n).padStart(2, "0")}:00Z`, ...extra }));
    e(0, "bot_started", { source: { campaign: u === 2 ? "autumn" : "spring", payload: "promo" } });
    e(1, "message_received", { properties: { text: "price?" } });
    e(2, "lead");
    if (project === "b" || u === 0) e(3, "order", { revenue: project === "a" ? 1500 : 990 + u, currency: "RUB" });
    e(4, "handoff");
    e(5, "message_sent", { properties: { sender: "operator" } });
    e(6, "resolved");
    e(7, "survey_answered", { properties: { question: "csat", answer: project === "a" ? "5" : "2" } });
    e(8, "broadcast_sent", { broadcastId: BROADCAST });
    e(9, project === "a" ? "broadcast_read" : "broadcast_clicked", { broadcastId: BROADCAST });
    e(10, "message_received", { userId: "gone", source: { campaign: "spring" } });
    if (project === "b") e(11, "lead", { sessionId: "s1" });
  }
  // A user only B has.
  if (project === "b") events.push(makeEvent({ id: "00000000-0000-4000-8000-000000009999", channel: "telegram", botId: "shop_bot", userId: "b-only", type: "bot_started", timestamp: "2026-05-06T09:00:00Z", source: { campaign: "spring" } }));
  return events;
}

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Fields that name a row this database created at random or at its own time: the same row in each database differs there. */
const OWN_FIELDS = new Set(["receivedAt", "createdAt", "deletedAt", "code", "url", "secret", "deliveryId", "lastAttemptAt", "enqueuedAt", "nextAttemptAt", "updatedAt", "nextSendAt", "expiresAt", "evaluatedAt", "at"]);
function comparable(value: unknown, ids: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => comparable(item, ids));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([key]) => !OWN_FIELDS.has(key)).map(([key, item]) => [key, comparable(item, ids)]));
  }
  return typeof value === "string" && ids.has(value) ? ids.get(value) : value;
}

describe("two projects with identical ids answer only their own data", () => {
  let shared: Storage;
  const alone: Record<"a" | "b", { storage: Storage; app: TestApp }> = {} as never;
  let sharedApp: TestApp;
  const tenants: Record<"a" | "b", Tenant> = {} as never;
  /** Each database's random ids (links, webhooks) → a name, so the same row compares equal. */
  const ids = new Map<string, string>();
  const webhookIds = new Map<string, string>();
  /** `${database} ${project} ${kind}` → the id of the project's saved funnel or alert there. */
  const resourceIds = new Map<string, string>();

  /** Puts project `name` with its keys into `storage` and fills it the same way wherever it lives. */
  async function fill(storage: Storage, app: TestApp, name: "a" | "b"): Promise<void> {
    const tenant = tenants[name];
    await ensureProject(storage, tenant.projectId, tenant.projectId);
    await registerKey(storage, tenant.writeKey, { projectId: tenant.projectId, kind: "write" });
    await registerKey(storage, tenant.readKey, { projectId: tenant.projectId, kind: "read" });
    await registerKey(storage, tenant.manageKey, { projectId: tenant.projectId, kind: "manage" });
    const manage = bearer(tenant.manageKey);
    const webhook = await request(app.app).post("/api/v1/webhooks").set(manage).send({ url: CRM, events: name === "a" ? ["lead"] : ["lead", "order"] });
    expect(webhook.status, JSON.stringify(webhook.body)).toBe(201);
    ids.set(webhook.body.id, `webhook ${name}`);
    webhookIds.set(`${storage.database} ${name}`, webhook.body.id);
    // A saved funnel, an alert on it, a digest and a share link, each a little different per project.
    const funnel = await request(app.app).post("/api/v1/funnels").set(manage).send({ name: `Funnel ${name}`, definition: { steps: name === "a" ? ["bot_started", "lead"] : ["bot_started", "order"] } });
    expect(funnel.status, JSON.stringify(funnel.body)).toBe(201);
    ids.set(funnel.body.id, `funnel ${name}`);
    ids.set(`funnel:${funnel.body.id}`, `funnel:funnel ${name}`);
    resourceIds.set(`${storage.database} ${name} funnel`, funnel.body.id);
    const telegram = { telegram: { botToken: "123456789:AAExampleSecretPartOfTheTokenAbcdEFGH", chatId: name === "a" ? -100111 : -100222 } };
    const alert = await request(app.app).post("/api/v1/alerts").set(manage).send({ name: `Alert ${name}`, metric: `funnel:${funnel.body.id}`, condition: { op: "below", value: 0.5 }, schedule: "daily", deliver: telegram });
    expect(alert.status, JSON.stringify(alert.body)).toBe(201);
    ids.set(alert.body.id, `alert ${name}`);
    resourceIds.set(`${storage.database} ${name} alert`, alert.body.id);
    const digest = await request(app.app).post("/api/v1/digests").set(manage).send({ name: `Digest ${name}`, schedule: name === "a" ? "daily" : "weekly", deliver: telegram });
    expect(digest.status, JSON.stringify(digest.body)).toBe(201);
    ids.set(digest.body.id, `digest ${name}`);
    const share = await request(app.app).post("/api/v1/shares").set(manage).send({ filters: { campaign: name === "a" ? "spring" : "autumn" } });
    expect(share.status, JSON.stringify(share.body)).toBe(201);
    ids.set(share.body.id, `share ${name}`);
    const link = await request(app.app).post("/api/v1/links").set(manage).send({ channel: "telegram", target: "shop_bot", campaign: "spring" });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    ids.set(link.body.id, `link ${name}`);
    const sent = await request(app.app).post("/v1/events").set(bearer(tenant.writeKey)).send({ events: eventsOf(name) });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.accepted).toBe(eventsOf(name).length);
    const spend = await request(app.app)
      .post("/api/v1/spend")
      .set(manage)
      .send({ rows: [{ date: "2026-05-02", channel: "telegram", campaign: "spring", amount: name === "a" ? 300 : 7000, currency: "RUB" }] });
    expect(spend.status, JSON.stringify(spend.body)).toBe(200);
    // The same person deleted in both projects: each audit log holds its own deletion.
    expect((await request(app.app).delete("/api/v1/people/telegram/gone").set(manage)).status).toBe(200);
  }

  beforeAll(async () => {
    for (const name of ["a", "b"] as const) {
      const keys: Keys = { writeKey: generateKey("write"), readKey: generateKey("read"), manageKey: generateKey("manage") };
      tenants[name] = { projectId: `p_iso_${name}`, ...keys };
    }
    shared = await freshDatabase();
    sharedApp = createTestApp(shared);
    for (const name of ["a", "b"] as const) {
      const storage = await freshDatabase();
      alone[name] = { storage, app: createTestApp(storage) };
    }
    // A first and B second in the shared database, each alone in its own: the same order of their own rows.
    await Promise.all([fill(shared, sharedApp, "a").then(() => fill(shared, sharedApp, "b")), fill(alone.a.storage, alone.a.app, "a"), fill(alone.b.storage, alone.b.app, "b")]);
  });
  afterAll(async () => {
    await sharedApp?.close();
    for (const name of ["a", "b"] as const) await alone[name]?.app.close();
  });

  const getRoutes = API_ROUTES.filter((route) => route.method === "get");
  /** `owner` is `${database} ${project}`: the id in the path is that project's webhook, saved funnel or alert there. */
  const urlOf = (route: (typeof getRoutes)[number], filter: string, owner: string) => {
    const entry = ROUTE_QUERIES[route.path] ?? {};
    const id = entry.id === undefined ? webhookIds.get(owner) : resourceIds.get(`${owner} ${entry.id}`);
    const path = (entry.path ?? route.path).replace("{id}", id ?? "");
    return `${path}?${[entry.range === false ? "" : RANGE, entry.query ?? "", filter].filter((part) => part !== "").join("&")}`;
  };
  const answer = async (app: TestApp, url: string, key: string) => {
    const res = await request(app.app).get(url).set(bearer(key));
    expect(res.status, `${url}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
    const text = res.type === "application/json" ? undefined : res.text;
    // NDJSON and CSV answers: compared line by line, each line as JSON when it is.
    const body = text === undefined ? res.body : text.split("\n").map((line) => (line.startsWith("{") ? (JSON.parse(line) as unknown) : line));
    // Deliveries are listed by their id, which derives from the webhook's random id: ordered by event here.
    const deliveries = (body as { deliveries?: Array<{ eventId: string }> } | undefined)?.deliveries;
    if (Array.isArray(deliveries)) deliveries.sort((x, y) => (x.eventId < y.eventId ? -1 : x.eventId > y.eventId ? 1 : 0));
    return { status: res.status, body: comparable(body, ids) };
  };

  for (const name of ["a", "b"] as const) {
    it(`project ${name.toUpperCase()} answers every route and filter exactly as a database holding it alone`, { timeout: 120_000 }, async () => {
      const other = name === "a" ? "b" : "a";
      const tenant = tenants[name];
      // Every filter for A; B unfiltered (A's filters already prove the filters keep to the key's project).
      const checks = getRoutes.flatMap((route) => (name === "a" ? FILTERS : [""]).map((filter) => ({ route, filter })));
      let differsFromOther = 0;
      const pending = [...checks];
      const run = async () => {
        for (let check = pending.shift(); check; check = pending.shift()) {
          const { route, filter } = check;
          const [mine, reference, others] = await Promise.all([
            answer(sharedApp, urlOf(route, filter, `${shared.database} ${name}`), tenant.readKey),
            answer(alone[name].app, urlOf(route, filter, `${alone[name].storage.database} ${name}`), tenant.readKey),
            filter === "" ? answer(alone[other].app, urlOf(route, filter, `${alone[other].storage.database} ${other}`), tenants[other].readKey) : undefined,
          ]);
          // Every GET route is reached: a new one that needs more parameters fails here until ROUTE_QUERIES has it.
          if (filter === "") expect(mine.status, `${route.path} answered ${JSON.stringify(mine.body).slice(0, 200)}: give it an entry in ROUTE_QUERIES`).toBe(200);
          expect(mine, `${route.path} ${filter}`).toEqual(reference);
          if (others && JSON.stringify(others.body) !== JSON.stringify(comparable(reference.body, new Map([[`webhook ${name}`, `webhook ${other}`], [`link ${name}`, `link ${other}`]])))) differsFromOther++;
        }
      };
      await Promise.all(Array.from({ length: 4 }, run));
      // The projects' data differ on (nearly) every route, so an answer mixing them could not equal the reference.
      expect(differsFromOther).toBeGreaterThanOrEqual(getRoutes.length - 3);
    });
  }

  it("another project's resources are not found with this project's key", async () => {
    const bWebhook = webhookIds.get(`${shared.database} b`)!;
    const res = await request(sharedApp.app).get(`/api/v1/webhooks/${bWebhook}/deliveries`).set(bearer(tenants.a.readKey));
    expect(res.status).toBe(404);
    const list = await request(sharedApp.app).get("/api/v1/webhooks").set(bearer(tenants.a.readKey));
    expect(JSON.stringify(list.body)).not.toContain(bWebhook);
  });

  it("a key of a project this install does not hold, a revoked key and a write key get 401 on every GET route", async () => {
    // Project C lives in another database (another install): its key means nothing here.
    const foreign = generateKey("read");
    await ensureProject(alone.a.storage, "p_iso_c", "p_iso_c");
    await registerKey(alone.a.storage, foreign, { projectId: "p_iso_c", kind: "read" });
    const revoked = generateKey("read");
    await registerKey(shared, revoked, { projectId: tenants.b.projectId, kind: "read" });
    expect(await revokeKey(shared, keyIdOf(hashKey(revoked)))).toBe(true);
    for (const route of getRoutes) {
      for (const key of [foreign, revoked, tenants.b.writeKey]) {
        const res = await request(sharedApp.app).get(urlOf(route, "", `${shared.database} b`)).set(bearer(key));
        expect(res.status, `${route.path} with ${key.slice(0, 5)}…`).toBe(401);
        expect(JSON.stringify(res.body)).not.toContain("p_iso_");
      }
    }
  });
});
