/**
 * Property test: random event streams (duplicates, equal timestamps, several channels, sessions
 * across midnight and DST changes) go into the real engine; every endpoint must answer exactly
 * what the plain-TypeScript reference computes from the same events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { INTERVALS, TIMESERIES_METRICS, type Event, type SpendRow } from "@chatfunnel/schemas";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { ANCHORS, eventStreamArb, queryArb, spendImportsArb, toQueryString } from "../support/random-events.js";
import { dedupe, latestSpend } from "../reference/events.js";
import { refChannels, refCosts, refEngagement, refOverview, refRepeat, refTimeseries, type RefData } from "../reference/metrics.js";
import { refFilters } from "../reference/bounds.js";
import { propertyRuns } from "../support/property-runs.js";

/** Runs per anchor (5 anchors): 8 → 40 random streams per test run (see property-runs.ts for deeper runs). */
const RUNS_PER_ANCHOR = propertyRuns("API_REFERENCE_RUNS", 8);

const scenarioArb = (anchorMs: number) =>
  fc.record({
    events: eventStreamArb(anchorMs),
    imports: spendImportsArb(anchorMs),
    query: queryArb(anchorMs),
    interval: fc.constantFrom(...INTERVALS),
    csv: fc.boolean(),
  });

function toCsv(rows: SpendRow[]): string {
  return ["date,channel,campaign,amount,currency", ...rows.map((row) => [row.date, row.channel, row.campaign ?? "", row.amount, row.currency].join(","))].join("\n");
}

describe("every endpoint equals the reference implementation on random event streams", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const load = (projectId: string, events: Event[]) => loadEventsInTwoParts(storage, projectId, events);

  it.each(ANCHORS)(`matches on ${RUNS_PER_ANCHOR} random streams around $name`, { timeout: 180_000 }, async (anchor) => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(anchor.ms), async (scenario) => {
        const project = await createProject(storage);
        const auth = { Authorization: `Bearer ${project.manageKey}` };
        await load(project.projectId, scenario.events);
        for (const rows of scenario.imports) {
          const post = request(testApp.app).post("/api/v1/spend").set(auth);
          const res = scenario.csv ? await post.set("Content-Type", "text/csv").send(toCsv(rows)) : await post.send({ rows });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          expect(res.body).toEqual({ imported: rows.length });
        }
        const data: RefData = { events: dedupe(scenario.events), spend: latestSpend(scenario.imports) };
        const filters = refFilters(project.projectId, scenario.query);
        const get = async (path: string, extra: Record<string, string> = {}) => {
          const res = await request(testApp.app).get(`/api/v1/${path}?${toQueryString(scenario.query, extra)}`).set(auth);
          expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
          return res.body as unknown;
        };
        expect(await get("overview"), "overview").toEqual(refOverview(data, filters));
        expect(await get("channels"), "channels").toEqual(refChannels(data, filters));
        expect(await get("costs", { by: "channel" }), "costs by channel").toEqual(refCosts(data, filters, "channel"));
        expect(await get("costs", { by: "campaign" }), "costs by campaign").toEqual(refCosts(data, filters, "campaign"));
        expect(await get("repeat"), "repeat").toEqual(refRepeat(data, filters));
        expect(await get("engagement"), "engagement").toEqual(refEngagement(data, filters));
        for (const metric of TIMESERIES_METRICS) {
          expect(await get("timeseries", { metric, interval: scenario.interval }), `timeseries ${metric}`).toEqual(refTimeseries(data, filters, metric, scenario.interval));
        }
      }),
      // Shrinking would replay hundreds of streams through the engine; the first counterexample and its seed are enough.
      { numRuns: RUNS_PER_ANCHOR, endOnFailure: true },
    );
  });
});
