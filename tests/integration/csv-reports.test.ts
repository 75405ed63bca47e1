import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import type { Event } from "@chatfunnel/schemas";
import { API_ROUTES } from "../../api/src/app.js";
import { takesReportFormat } from "../../api/src/routes/api-route.js";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";
import { parseCsv } from "../support/csv-parse.js";

const RANGE = "from=2026-05-01&to=2026-05-08&tz=UTC";
const BROADCAST = "spring-sale";

/**
 * What each route needs beyond the common range to answer 200 with data. A new GET route that needs more
 * answers 400 below until it gets an entry here: it cannot go without a CSV test.
 */
const ROUTE_QUERIES: Record<string, { path?: string; query?: string; range?: false }> = {
  "/api/v1/funnel": { query: "steps=bot_started&steps=lead&steps=order&breakdown=channel" },
  "/api/v1/funnel/dropoff": { query: "steps=bot_started&steps=lead&steps=order&step=3" },
  "/api/v1/timeseries": { query: "metric=revenue" },
  "/api/v1/costs": { query: "by=campaign" },
  "/api/v1/broadcasts/{id}": { path: `/api/v1/broadcasts/${BROADCAST}` },
  "/api/v1/paths/users": { query: "step=1&kind=type&label=bot_started" },
  "/api/v1/funnel/trends": { query: "steps=bot_started&steps=lead&steps=order" },
  "/api/v1/retention/users": { query: "cohortStart=2026-04-27&period=0" },
  // The audit log and the webhook lists are not reports of a range.
  "/api/v1/people/deletions": { range: false },
  "/api/v1/webhooks": { range: false },
  "/api/v1/webhooks/{id}/deliveries": { range: false },
  // Saved funnels and alerts are settings and their history, not reports of a range either.
  "/api/v1/funnels": { range: false },
  "/api/v1/funnels/{id}": { range: false },
  "/api/v1/alerts": { range: false },
  "/api/v1/alerts/{id}": { range: false },
  "/api/v1/alerts/{id}/history": { range: false },
  "/api/v1/digests": { range: false },
};
const WEBHOOK_URL = "http://127.0.0.1:9/crm";
const DELETED_USER = "to-delete";

const at = (day: number, minute: number) => `2026-05-0${day}T10:${String(minute).padStart(2, "0")}:00Z`;

/** Two users on two channels touching every report: funnel steps, money, support, a survey, a broadcast. */
function seedEvents(): Event[] {
  const events: Event[] = [];
  for (const [index, channel] of (["telegram", "whatsapp"] as const).entries()) {
    const userId = index === 0 ? "-100123" : "u,2";
    const e = (minute: number, type: string, extra: Partial<Event> = {}) => events.push(makeEvent({ channel, userId, timestamp: at(2 + index, minute), type, ...extra }));
    // A campaign a spreadsheet would run as a formula, and text that needs quoting.
    e(0, "bot_started", { source: { campaign: index === 0 ? "=spring" : 'au"tumn, 2026' } });
    e(1, "message_received", { properties: { text: "цена?\nсколько" } });
    e(2, "message_sent");
    e(3, "button_clicked", { properties: { button: "+buy" } });
    e(4, "lead");
    e(5, "survey_answered", { properties: { question: "csat", answer: String(4 + index) } });
    e(6, "handoff");
    e(7, "message_sent", { properties: { sender: "operator" } });
    e(8, "resolved");
    if (index === 0) e(9, "order", { revenue: 1500.5, currency: "RUB" });
    e(10, "broadcast_sent", { broadcastId: BROADCAST });
    e(11, "broadcast_delivered", { broadcastId: BROADCAST });
    e(12, "broadcast_read", { broadcastId: BROADCAST });
    e(13, "broadcast_clicked", { broadcastId: BROADCAST });
  }
  return events;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Expected = Map<string, Json>;

/**
 * The reference reading of README's flattening, written apart from api/src/http/csv.ts: each leaf
 * record (an object with no non-empty array of objects) with the figures of every enclosing object,
 * keyed by dotted path, in document order.
 */
function* leafRecords(value: { [key: string]: Json }, prefix: string, inherited: Expected): Generator<{ table: string; cells: Expected }> {
  const own = new Map(inherited);
  const nested: Array<[string, Array<{ [key: string]: Json }>]> = [];
  const visit = (object: { [key: string]: Json }, path: string) => {
    for (const key of Object.keys(object)) {
      const item = object[key]!;
      const name = path ? `${path}.${key}` : key;
      const isObj = (v: Json) => v !== null && typeof v === "object" && !Array.isArray(v);
      if (Array.isArray(item)) {
        if (item.length > 0 && item.every(isObj)) nested.push([name, item as Array<{ [key: string]: Json }>]);
        else if (item.length > 0) own.set(name, JSON.stringify(item));
      } else if (isObj(item)) visit(item as { [key: string]: Json }, name);
      else own.set(name, item);
    }
  };
  visit(value, prefix);
  if (nested.length === 0) {
    yield { table: prefix, cells: own };
    return;
  }
  for (const [name, items] of nested) for (const item of items) yield* leafRecords(item, name, own);
}

/** A CSV cell shows its JSON value: numbers and booleans as JSON text, null empty, text maybe behind a formula guard. */
function showsValue(cell: string, value: Json | undefined): boolean {
  if (value === undefined || value === null) return cell === "";
  if (typeof value === "string") return cell === value || (cell === `'${value}` && /^[=+@\t\r-]/.test(value));
  return cell === JSON.stringify(value);
}

describe("format=csv on every GET report of /api/v1", () => {
  let storage: Storage;
  let testApp: TestApp;
  let project: Awaited<ReturnType<typeof createProject>>;
  let webhookId = "";
  /** The ids `{id}` stands for, by the collection (`funnels`, `alerts`); webhooks' otherwise. */
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    testApp = createTestApp(storage);
    // A webhook before the events, so its list and its deliveries have rows; a deleted person for the audit log.
    const webhook = await request(testApp.app).post("/api/v1/webhooks").set("Authorization", `Bearer ${project.manageKey}`).send({ url: WEBHOOK_URL, events: ["lead"] });
    expect(webhook.status, JSON.stringify(webhook.body)).toBe(201);
    webhookId = webhook.body.id;
    // A digest, so its list has a row (its deliver target and filters are nested objects and an array).
    const digest = await request(testApp.app)
      .post("/api/v1/digests")
      .set("Authorization", `Bearer ${project.manageKey}`)
      .send({ schedule: "weekly", deliver: { telegram: { botToken: "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra", chatId: "@shop_news" } }, filters: { channel: ["telegram", "vk"] } });
    expect(digest.status, JSON.stringify(digest.body)).toBe(201);
    // A share link, so its list has a row (its filters are a nested object).
    const share = await request(testApp.app).post("/api/v1/shares").set("Authorization", `Bearer ${project.manageKey}`).send({ filters: { channel: ["telegram"], campaign: "spring" } });
    expect(share.status, JSON.stringify(share.body)).toBe(201);
    const person = await request(testApp.app)
      .post("/v1/events")
      .set("Authorization", `Bearer ${project.writeKey}`)
      .send({ events: [makeEvent({ channel: "vk", userId: DELETED_USER, timestamp: at(4, 0), type: "bot_started" })] });
    expect(person.body.accepted).toBe(1);
    const deletion = await request(testApp.app).delete(`/api/v1/people/vk/${DELETED_USER}`).set("Authorization", `Bearer ${project.manageKey}`);
    expect(deletion.status, JSON.stringify(deletion.body)).toBe(200);
    const sent = await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events: seedEvents() });
    expect(sent.body.accepted).toBe(seedEvents().length);
    const spend = await request(testApp.app)
      .post("/api/v1/spend")
      .set("Authorization", `Bearer ${project.manageKey}`)
      .send({ rows: [{ date: "2026-05-02", channel: "telegram", campaign: "=spring", amount: 300, currency: "RUB" }] });
    expect(spend.status).toBe(200);
    const link = await request(testApp.app).post("/api/v1/links").set("Authorization", `Bearer ${project.manageKey}`).send({ channel: "telegram", target: "shop_bot", campaign: "@promo" });
    expect(link.status).toBe(201);
    // A saved funnel, and an alert on it whose check fired (its target refuses), so the history has a row.
    const funnel = await request(testApp.app).post("/api/v1/funnels").set("Authorization", `Bearer ${project.manageKey}`).send({ name: "=funnel", definition: { steps: ["bot_started", "lead"] } });
    expect(funnel.status, JSON.stringify(funnel.body)).toBe(201);
    ids.funnels = funnel.body.id;
    const alert = await request(testApp.app)
      .post("/api/v1/alerts")
      .set("Authorization", `Bearer ${project.manageKey}`)
      .send({ name: "Leads", metric: "leads", filters: { channel: ["telegram"] }, condition: { op: "above", value: -1 }, schedule: "daily", deliver: { webhook: { url: WEBHOOK_URL } } });
    expect(alert.status, JSON.stringify(alert.body)).toBe(201);
    ids.alerts = alert.body.id;
    const check = await request(testApp.app).post(`/api/v1/alerts/${ids.alerts}/check`).set("Authorization", `Bearer ${project.manageKey}`);
    expect(check.body).toMatchObject({ fired: true, delivery: { state: "failed" } });
  });
  afterAll(async () => testApp.close());

  const getRoutes = API_ROUTES.filter((route) => route.method === "get");
  const url = (route: (typeof getRoutes)[number], extra: string) => {
    const entry = ROUTE_QUERIES[route.path] ?? {};
    const path = (entry.path ?? route.path).replace("{id}", ids[route.path.split("/")[3]!] ?? webhookId);
    return `${path}?${[entry.range === false ? "" : RANGE, entry.query ?? "", extra.replace(/^&/, "")].filter((part) => part !== "").join("&")}`;
  };
  const get = (path: string) => request(testApp.app).get(path).set("Authorization", `Bearer ${project.readKey}`);

  it("covers a list of GET routes that includes the reports the design names", () => {
    expect(getRoutes.map((route) => route.path)).toEqual(expect.arrayContaining(["/api/v1/overview", "/api/v1/funnel", "/api/v1/timeseries", "/api/v1/channels", "/api/v1/costs", "/api/v1/repeat"]));
  });

  it.each(getRoutes.filter(takesReportFormat).map((route) => [route.path, route] as const))("%s: the CSV's rows are the JSON answer's values", async (_path, route) => {
    const json = await get(url(route, ""));
    expect(json.status, JSON.stringify(json.body)).toBe(200);
    const csv = await get(url(route, "&format=csv"));
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(csv.headers["content-disposition"]).toBe(`attachment; filename=${route.metric}.csv`);
    expect(csv.text.endsWith("\r\n")).toBe(true);
    // format=json is the JSON answer as before.
    expect((await get(url(route, "&format=json"))).body).toEqual(json.body);

    const [header, ...rows] = parseCsv(csv.text);
    const expected = [...leafRecords(json.body as { [key: string]: Json }, "", new Map())];
    const stacked = new Set(expected.map((record) => record.table)).size > 1;
    const columns = new Set(expected.flatMap((record) => [...record.cells.keys()]));
    if (stacked) expect(header![0]).toBe("table");
    expect(new Set(header!.slice(stacked ? 1 : 0))).toEqual(columns);
    expect(rows).toHaveLength(expected.length);
    rows.forEach((row, index) => {
      const record = expected[index]!;
      expect(row).toHaveLength(header!.length);
      header!.forEach((column, i) => {
        if (stacked && i === 0) return expect(row[0]).toBe(record.table);
        expect(showsValue(row[i]!, record.cells.get(column)), `row ${index} column ${column}: ${JSON.stringify(row[i])} vs ${JSON.stringify(record.cells.get(column))}`).toBe(true);
      });
    });
  });

  it("answers every report with data rows, and quotes and guards the hostile texts in them", async () => {
    const channels = parseCsv((await get(`/api/v1/channels?${RANGE}&format=csv`)).text);
    expect(channels.length).toBeGreaterThan(2);
    const costs = (await get(`/api/v1/costs?${RANGE}&by=campaign&format=csv`)).text;
    expect(costs).toContain("'=spring");
    expect(costs).toContain('"au""tumn, 2026"');
    expect(costs).not.toMatch(/(^|,)=spring/m);
  });

  it.each(getRoutes.filter((route) => !takesReportFormat(route)).map((route) => [route.path, route] as const))("%s keeps its own CSV", async (_path, route) => {
    const csv = await get(url(route, "&format=csv"));
    expect(csv.status, csv.text).toBe(200);
    expect(csv.headers["content-type"]).toMatch(/^(text\/csv|application\/x-ndjson)/);
  });

  it.each(getRoutes.map((route) => [route.path, route] as const))("%s: an unknown format is a 400 naming format", async (_path, route) => {
    for (const bad of ["&format=xml", "&format=CSV", "&format=csv&format=json"]) {
      const res = await get(url(route, bad));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain("'format'");
      expect(res.body.error.details.map((detail: { path: string }) => detail.path)).toContain("format");
    }
  });
});
