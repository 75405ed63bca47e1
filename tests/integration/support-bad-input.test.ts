/**
 * Bad input on /api/v1/support: a bad parameter is a 400 naming it, never a 500; a project or range with no
 * support at all answers 200 with null rates and medians, zero counts and every bucket listed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { SupportResponseSchema } from "@chatfunnel/schemas";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

const RANGE = "from=2026-05-12&to=2026-05-15&tz=UTC";

describe("support: bad input is a 400 naming the parameter", () => {
  let storage: Storage;
  let testApp: TestApp;
  let readKey: string;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
    readKey = (await createProject(storage)).readKey;
  });
  afterAll(async () => testApp.close());

  const get = (query: string) => request(testApp.app).get(`/api/v1/support?${query}`).set("Authorization", `Bearer ${readKey}`);

  it.each([
    [`${RANGE}&interval=hour`, "interval"],
    [`${RANGE}&interval=`, "interval"],
    [`${RANGE}&interval=day&interval=week`, "interval"],
    ["to=2026-05-13", "from"],
    ["from=2026-05-12", "to"],
    ["from=2026-05-13&to=2026-05-12", "to"],
    ["from=yesterday&to=2026-05-12", "from"],
    [`${RANGE.replace("tz=UTC", "tz=Mars/Olympus")}`, "tz"],
    [`${RANGE}&channel=icq`, "channel"],
  ])("GET support?%s is a 400 naming '%s'", async (query, parameter) => {
    const res = await get(query);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe("invalid_parameter");
    expect(res.body.error.message).toContain(`'${parameter}'`);
    expect(res.body.error.details.map((d: { path: string }) => d.path.split(".")[0])).toContain(parameter);
  });

  it("needs a read key", async () => {
    const res = await request(testApp.app).get(`/api/v1/support?${RANGE}`);
    expect(res.status).toBe(401);
  });

  it.each(["day", "week", "month"])("an empty project answers 200 with nulls and zero counts per %s", async (interval) => {
    const res = await get(`${RANGE}&interval=${interval}&botId=${encodeURIComponent('bot "x" ✓')}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = SupportResponseSchema.parse(res.body);
    expect(body).toMatchObject({ requests: 0, containedRate: null, reopenedRate: null, medianBotFirstResponseSeconds: null, medianOperatorFirstResponseSeconds: null });
    expect(body.csat).toEqual({ responses: 0, mean: null, distribution: ["1", "2", "3", "4", "5"].map((rating) => ({ rating, responses: 0 })) });
    const buckets = { day: ["2026-05-12", "2026-05-13", "2026-05-14"], week: ["2026-05-11"], month: ["2026-05-01"] }[interval];
    expect(body.mix).toEqual(buckets?.map((bucket) => ({ bucket, sessions: 0, paymentShare: null, leadShare: null, surveyShare: null, handoffShare: null })));
  });
});
