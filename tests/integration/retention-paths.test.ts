/**
 * Retention's one path: every cohort and return reads the events. `return=any` counts only what the user did
 * (not BOT_SIDE_EVENT_TYPES), which the slot rollups (user_slots keeps no types) cannot tell, so the rollup path
 * that served first_seen cohorts returning on any event is gone (README "Retention" has the measurement). Here
 * first_seen / any, the case it served, on random streams with bot-side events loaded in two parts (resends and
 * parts unmerged) equals the reference; and a hand case through the HTTP API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Storage } from "@chatfunnel/core";
import { INTERVALS, RETENTION_BREAKDOWNS, type RetentionResponse, type RetentionUsersResponse } from "@chatfunnel/schemas";
import { retention, type RetentionDefinition } from "../../api/src/metrics/retention.js";
import { importSpend } from "../../api/src/metrics/spend-import.js";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { onSlots } from "../support/rollup-paths.js";
import { ANCHORS } from "../support/random-events.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { referenceScenario } from "../support/reference-harness.js";
import { dedupe, latestSpend } from "../reference/events.js";
import { refFilters } from "../reference/bounds.js";
import { eventSources, refRetention, type RetentionParams } from "../reference/retention.js";
import { retentionQueryArb, retentionSpendArb, retentionStreamArb } from "../reference/retention-arbitraries.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS = propertyRuns("RETENTION_PATHS_RUNS", 25);

describe("retention with return=any reads the events and counts only what the user did", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  it("a broadcast delivery or a bot's message in week 2 is no return, a broadcast click is; a user first seen on a delivery is in the cohort", async () => {
    let n = 0;
    const at = (userId: string, type: string, timestamp: string) => ({
      id: `00000000-0000-4000-8000-0000000002${String(++n).padStart(2, "0")}`,
      type,
      channel: "telegram" as const,
      botId: "bot-a",
      userId,
      timestamp,
      ...(type.startsWith("broadcast_") ? { broadcastId: "b1" } : {}),
    });
    const events = [
      at("A", "message_received", "2026-05-04T10:00:00.000Z"),
      at("A", "broadcast_delivered", "2026-05-12T10:00:00.000Z"),
      at("A", "message_sent", "2026-05-13T10:00:00.000Z"),
      at("B", "message_received", "2026-05-04T11:00:00.000Z"),
      at("B", "broadcast_delivered", "2026-05-12T10:00:00.000Z"),
      at("B", "broadcast_clicked", "2026-05-12T10:05:00.000Z"),
      at("C", "broadcast_delivered", "2026-05-05T10:00:00.000Z"),
      at("C", "broadcast_read", "2026-05-19T10:00:00.000Z"),
    ];
    const scenario = await referenceScenario(storage, testApp.app, events, { from: "2026-05-04", to: "2026-05-25", tz: "UTC" });
    const answer = (await scenario.get("retention", { periods: "3" })) as RetentionResponse;
    expect(answer.cohorts.map((cohort) => [cohort.start, cohort.size, cohort.cells.map((cell) => cell.users)])).toEqual([["2026-05-04", 3, [2, 1, 1]]]);
    const listed = (await scenario.get("retention/users", { periods: "3", cohortStart: "2026-05-04", period: "1" })) as RetentionUsersResponse;
    expect(listed.users).toEqual([{ channel: "telegram", userId: "B", cohortAt: "2026-05-04T11:00:00.000Z", returnedAt: "2026-05-12T10:05:00.000Z" }]);
    // Named, a bot-side type counts as asked.
    const delivered = (await scenario.get("retention", { periods: "3", return: "broadcast_delivered" })) as RetentionResponse;
    expect(delivered.cohorts.map((cohort) => cohort.cells.map((cell) => cell.users))).toEqual([[1, 2, 0]]);
  });

  it(`equals the reference for first_seen cohorts on ${RUNS} random streams with bot-side events, in two parts`, { timeout: 300_000 }, async () => {
    let withRevenue = 0;
    // Cohorts where someone's cohort bucket holds only bot-side events: period 0 short of the size.
    let withBotOnlyStart = 0;
    const scenarioArb = fc.constantFrom(...ANCHORS).chain((anchor) =>
      fc.record({
        events: retentionStreamArb(anchor.ms),
        spend: retentionSpendArb(anchor.ms),
        query: retentionQueryArb(anchor.ms),
        interval: fc.constantFrom(...INTERVALS),
        periods: fc.integer({ min: 1, max: 8 }),
        breakdown: fc.option(fc.constantFrom(...RETENTION_BREAKDOWNS), { nil: undefined }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ events, spend, query, interval, periods, breakdown }) => {
        const project = await createProject(storage);
        await loadEventsInTwoParts(storage, project.projectId, events);
        if (spend.length > 0) await importSpend(storage, project.projectId, spend);
        // On slot bounds: the ranges the rollup path used to serve.
        const filters = onSlots(refFilters(project.projectId, query));
        const definition: RetentionDefinition = { interval, periods, cohort: "first_seen", returnType: undefined, breakdown };
        const answer = await retention(storage, filters, definition);
        const params: RetentionParams = { interval, periods, cohort: "first_seen", return: "any", ...(breakdown ? { breakdown } : {}) };
        expect(answer).toEqual(refRetention({ events: dedupe(events), spend: latestSpend([spend]), sources: eventSources(events) }, filters, params));
        if (answer.cohorts.some((cohort) => cohort.cells.some((cell) => (cell.revenuePerUser ?? 0) > 0))) withRevenue++;
        if (answer.cohorts.some((cohort) => (cohort.cells[0]!.users ?? 0) < cohort.size)) withBotOnlyStart++;
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(withRevenue, "runs with revenue in a cohort").toBeGreaterThan(RUNS / 10);
    expect(withBotOnlyStart, "runs with a cohort user whose cohort bucket has only bot-side events").toBeGreaterThan(RUNS / 10);
  });
});
