/**
 * Retention's two implementations answer alike: first_seen cohorts returning on any event over a range on slot
 * bounds come from the rollups (user_slots, user_outcomes) by default; forced onto the events they must give the
 * same answer, and both the reference's. Events load in two parts, so rollup rows and resends sit unmerged.
 */
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Storage } from "@chatfunnel/core";
import { INTERVALS, RETENTION_BREAKDOWNS } from "@chatfunnel/schemas";
import { cohortPath } from "@chatfunnel/warehouse";
import { retention, type RetentionDefinition } from "../../api/src/metrics/retention.js";
import { importSpend } from "../../api/src/metrics/spend-import.js";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { onSlots } from "../support/rollup-paths.js";
import { ANCHORS } from "../support/random-events.js";
import { dedupe, latestSpend } from "../reference/events.js";
import { refFilters } from "../reference/bounds.js";
import { eventSources, refRetention, type RetentionParams } from "../reference/retention.js";
import { retentionQueryArb, retentionSpendArb, retentionStreamArb } from "../reference/retention-arbitraries.js";

const RUNS = Number(process.env.RETENTION_PATHS_RUNS ?? 40);

describe("retention: the rollup path equals the events path and the reference", () => {
  let storage: Storage;

  beforeAll(async () => {
    storage = await freshDatabase();
  });

  it("chooses the rollups only for first_seen, any return, slot bounds", () => {
    const filters = { projectId: "p", fromMs: Date.UTC(2026, 4, 11), toMs: Date.UTC(2026, 4, 18), tz: "UTC", channels: undefined, botId: undefined, campaign: undefined, currency: undefined };
    expect(cohortPath(filters, "first_seen", undefined)).toBe("rollup");
    expect(cohortPath({ ...filters, toMs: filters.toMs + 1 }, "first_seen", undefined)).toBe("events");
    expect(cohortPath(filters, "first_lead", undefined)).toBe("events");
    expect(cohortPath(filters, "first_seen", "order")).toBe("events");
  });

  it(`answers alike on ${RUNS} random streams`, { timeout: 300_000 }, async () => {
    let withCohorts = 0;
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
        const filters = onSlots(refFilters(project.projectId, query));
        const definition: RetentionDefinition = { interval, periods, cohort: "first_seen", returnType: undefined, breakdown };
        const fromRollups = await retention(storage, filters, definition, "rollup");
        expect(await retention(storage, filters, definition, "events")).toEqual(fromRollups);
        expect(await retention(storage, filters, definition)).toEqual(fromRollups);
        const params: RetentionParams = { interval, periods, cohort: "first_seen", return: "any", ...(breakdown ? { breakdown } : {}) };
        expect(fromRollups).toEqual(refRetention({ events: dedupe(events), spend: latestSpend([spend]), sources: eventSources(events) }, filters, params));
        if (fromRollups.cohorts.some((cohort) => cohort.cells.some((cell) => (cell.revenuePerUser ?? 0) > 0))) withCohorts++;
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(withCohorts, "runs with revenue in a cohort").toBeGreaterThan(RUNS / 10);
  });
});

