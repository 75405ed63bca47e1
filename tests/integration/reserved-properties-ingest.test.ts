import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";

/**
 * Issue 12, "Bad input", through POST /v1/events against the real engine: a `sender` other than bot/operator
 * and a CSAT answer outside 1–5 refuse their own event by field, and the neighbours are stored.
 */
describe("reserved properties at ingest (real engine)", () => {
  let storage: Storage;
  let testApp: TestApp;
  let project: Awaited<ReturnType<typeof createProject>>;

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  it("refuses an unknown sender and an out-of-range CSAT answer by name, and stores the rest", async () => {
    const events = [
      makeEvent({ userId: "rp-ok-bot", type: "message_sent" }),
      makeEvent({ userId: "rp-bad-sender", type: "message_sent", properties: { sender: "human" } }),
      makeEvent({ userId: "rp-ok-operator", type: "message_sent", properties: { sender: "operator" } }),
      makeEvent({ userId: "rp-bad-csat", type: "survey_answered", properties: { question: "csat", answer: 7 } }),
      makeEvent({ userId: "rp-ok-csat", type: "survey_answered", properties: { question: "csat", answer: "4" } }),
      makeEvent({ userId: "rp-ok-survey", type: "survey_answered", properties: { question: "age", answer: "25-34" } }),
    ];
    const res = await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(4);
    expect(res.body.rejected).toEqual([
      { index: 1, errors: [{ path: "properties.sender", message: expect.stringContaining('"bot" or "operator"') }] },
      { index: 3, errors: [{ path: "properties.answer", message: expect.stringContaining("rating 1–5") }] },
    ]);
    const stored = await storage.client.query({
      query: `SELECT user_id, properties FROM ${storage.database}.events FINAL
              WHERE project_id = {p:String} AND startsWith(user_id, 'rp-') ORDER BY user_id`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    expect(await stored.json()).toEqual([
      { user_id: "rp-ok-bot", properties: {} },
      { user_id: "rp-ok-csat", properties: { question: "csat", answer: "4" } },
      { user_id: "rp-ok-operator", properties: { sender: "operator" } },
      { user_id: "rp-ok-survey", properties: { question: "age", answer: "25-34" } },
    ]);
  });
});
