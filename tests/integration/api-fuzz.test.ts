/**
 * Property-based fuzz of every API parameter (issue 10): a few thousand hostile GETs over every endpoint
 * openapi.json documents, and hostile spend imports, against the real engine. Never a 5xx; every 400 is
 * {"error":{"code","message"}} naming a parameter; the app keeps answering valid queries throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";
import { apiAnswerProblem, apiRequestArb, fuzzEndpoints, spendAnswerProblem, spendRequestArb, type FuzzEndpoint } from "../support/api-fuzz.js";
import { propertyRuns } from "../support/property-runs.js";

// ~2,500 requests in ~30 s on the 2-core machine; the bench (bench/fuzz.bench.ts) runs 10,000.
const GET_RUNS = propertyRuns("API_FUZZ_RUNS", 1000);
const SPEND_RUNS = propertyRuns("API_FUZZ_SPEND_RUNS", 250);

describe("API fuzz: hostile parameters are 4xx naming the parameter, never 5xx", () => {
  let storage: Storage;
  let testApp: TestApp;
  let project: Awaited<ReturnType<typeof createProject>>;
  let endpoints: FuzzEndpoint[];

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
    project = await createProject(storage);
    const events = ["u1", "u2", "u3"].flatMap((userId, i) => [
      makeEvent({ userId, type: "bot_started", timestamp: "2026-05-01T09:00:00Z", source: { campaign: "spring" } }),
      makeEvent({ userId, type: "message_received", timestamp: "2026-05-01T09:01:00Z" }),
      makeEvent({ userId, type: "lead", timestamp: "2026-05-01T09:02:00Z", properties: { plan: "pro", n: i } }),
      makeEvent({ userId, type: "order", timestamp: "2026-05-01T09:03:00Z", revenue: 99_999_999_999_999.98, currency: "RUB" }),
    ]);
    const sent = await request(testApp.app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events });
    expect(sent.status).toBe(200);
    endpoints = fuzzEndpoints((await request(testApp.app).get("/api/v1/openapi.json")).body);
  });
  afterAll(async () => testApp.close());

  it("covers every documented GET endpoint", () => {
    const paths = endpoints.map((endpoint) => endpoint.path);
    expect(paths).toEqual(expect.arrayContaining(["/api/v1/overview", "/api/v1/funnel", "/api/v1/funnel/dropoff", "/api/v1/timeseries", "/api/v1/channels", "/api/v1/costs", "/api/v1/repeat", "/api/v1/engagement"]));
  });

  it(`${GET_RUNS} hostile GETs: no 5xx, every 400 names a parameter`, { timeout: 180_000 }, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(apiRequestArb(endpoints), async (fuzz) => {
        const res = await request(testApp.app).get(fuzz.url).set("Authorization", `Bearer ${project.readKey}`);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const problem = apiAnswerProblem(fuzz, { status: res.status, contentType: res.headers["content-type"] ?? "", body: res.body });
        expect(problem, `GET ${fuzz.url.slice(0, 500)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`).toBeUndefined();
      }),
      { numRuns: GET_RUNS },
    );
    // The fuzz must reach the engine, not only the validators: a good share answers 200.
    expect(statuses.get(200) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(GET_RUNS * 0.15);
    expect(statuses.get(400) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(GET_RUNS * 0.15);
    const after = await request(testApp.app).get("/api/v1/overview?from=2026-05-01&to=2026-05-02").set("Authorization", `Bearer ${project.readKey}`);
    expect(after.status).toBe(200);
    expect(after.body.current.orders).toBe(3);
  });

  it(`${SPEND_RUNS} hostile spend imports: no 5xx, every 400 lists lines and fields`, { timeout: 120_000 }, async () => {
    const own = await createProject(storage);
    await fc.assert(
      fc.asyncProperty(spendRequestArb, async (fuzz) => {
        let post = request(testApp.app).post("/api/v1/spend").set("Authorization", `Bearer ${own.manageKey}`);
        if (fuzz.contentType !== undefined) post = post.set("Content-Type", fuzz.contentType);
        if (Buffer.isBuffer(fuzz.body)) post = post.set("Content-Encoding", "gzip");
        const res = await post.send(fuzz.body);
        const problem = spendAnswerProblem({ status: res.status, contentType: res.headers["content-type"] ?? "", body: res.body });
        expect(problem, `POST spend ${fuzz.contentType} ${String(fuzz.body).slice(0, 300)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`).toBeUndefined();
      }),
      { numRuns: SPEND_RUNS },
    );
    // Whatever was imported is within the contract: the metrics still answer.
    for (const path of ["overview", "costs?by=campaign", "timeseries?metric=spend"]) {
      const res = await request(testApp.app).get(`/api/v1/${path}${path.includes("?") ? "&" : "?"}from=2026-05-01&to=2026-05-03`).set("Authorization", `Bearer ${own.readKey}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  });
});
