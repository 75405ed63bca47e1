import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Storage } from "@chatfunnel/core";
import { generateSpend, generateTraffic, simulate, type SimulateProgress } from "../../simulator/src/index.js";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

/** A small simulator run through the SDK into the real collector and the spend import. */
describe("simulator → SDK → real collector", () => {
  let storage: Storage;
  let testApp: TestApp;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
    server = testApp.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await testApp.close();
  });

  const scalar = async (sql: string, projectId: string) => {
    const result = await storage.client.query({ query: sql, query_params: { p: projectId }, format: "JSONEachRow" });
    const [row] = await result.json<{ n: string | number }>();
    return Number(row?.n);
  };

  it("stores exactly the generated events and the matching spend, and the product shows them", async () => {
    const project = await createProject(storage);
    const now = Date.now();
    const progress: SimulateProgress[] = [];
    // Read at the first progress report, while events are still being sent: the spend is in by then, so the
    // dashboard never shows a cost of 0 while the demo loads.
    let spendWhileSending: Promise<number> | undefined;
    const onProgress = (p: SimulateProgress) => {
      progress.push(p);
      spendWhileSending ??= scalar(`SELECT count() AS n FROM ${storage.database}.spend FINAL WHERE project_id = {p:String}`, project.projectId);
    };
    const result = await simulate({ url, writeKey: project.writeKey, manageKey: project.manageKey, days: 14, seed: 7, events: 4000, now, onProgress, progressIntervalMs: 50 });
    expect(result.events).toEqual({ generated: 4000, accepted: 4000, rejected: 0, dropped: 0 });
    expect(progress.at(-1)).toMatchObject({ accepted: 4000, total: 4000, percent: 100 });
    expect(await scalar(`SELECT count() AS n FROM ${storage.database}.events FINAL WHERE project_id = {p:String}`, project.projectId)).toBe(4000);

    // Issue 12's kinds arrive as the contract stores them: broadcast ids, operator replies, CSAT ratings.
    const generated = [...generateTraffic({ days: 14, seed: 7, events: 4000, now })];
    const db = storage.database;
    expect(await scalar(`SELECT count() AS n FROM ${db}.events FINAL WHERE project_id = {p:String} AND broadcast_id != ''`, project.projectId)).toBe(generated.filter((e) => e.broadcastId !== undefined).length);
    const operatorReplies = generated.filter((e) => e.type === "message_sent" && e.properties?.["sender"] === "operator").length;
    expect(operatorReplies).toBeGreaterThan(0);
    expect(await scalar(`SELECT count() AS n FROM ${db}.events FINAL WHERE project_id = {p:String} AND type = 'message_sent' AND properties['sender'] = 'operator'`, project.projectId)).toBe(operatorReplies);
    const ratings = generated.filter((e) => e.type === "survey_answered" && e.properties?.["question"] === "csat").length;
    expect(ratings).toBeGreaterThan(0);
    expect(await scalar(`SELECT count() AS n FROM ${db}.events FINAL WHERE project_id = {p:String} AND properties['question'] = 'csat' AND properties['answer'] IN ('1','2','3','4','5')`, project.projectId)).toBe(ratings);

    const spendRows = generateSpend({ days: 14, seed: 7, events: 4000, now });
    expect(result.spend).toEqual({ rows: spendRows.length, imported: spendRows.length });
    expect(progress[0]!.accepted).toBeLessThan(4000);
    expect(await spendWhileSending).toBe(spendRows.length);
    expect(await scalar(`SELECT count() AS n FROM ${storage.database}.spend FINAL WHERE project_id = {p:String}`, project.projectId)).toBe(spendRows.length);

    const from = new Date(now - 15 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(now + 86_400_000).toISOString().slice(0, 10);
    const overview = await fetch(`${url}/api/v1/overview?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${project.readKey}` } });
    expect(overview.status).toBe(200);
    const body = (await overview.json()) as { current: { users: number; leads: number; orders: number } };
    expect(body.current.users).toBeGreaterThan(100);
    expect(body.current.leads).toBeGreaterThan(10);
    expect(body.current.orders).toBeGreaterThan(0);

    // Same seed and window again: ids repeat, so the stored count does not change.
    const again = await simulate({ url, writeKey: project.writeKey, days: 14, seed: 7, events: 4000, now });
    expect(again.events.accepted).toBe(4000);
    expect(again.spend.error).toContain("no read key");
    expect(await scalar(`SELECT count() AS n FROM ${storage.database}.events FINAL WHERE project_id = {p:String}`, project.projectId)).toBe(4000);
  });

  it("reports a failing spend import clearly and still delivers the events", async () => {
    const project = await createProject(storage);
    const result = await simulate({ url, writeKey: project.writeKey, manageKey: "cf_m_wrong_key_00000000", days: 3, seed: 1, events: 300 });
    expect(result.events.accepted).toBe(300);
    expect(result.spend.imported).toBe(0);
    expect(result.spend.error).toMatch(/spend import answered 401/);
  });
});
