/**
 * Property test: /api/v1/retention and /api/v1/retention/users equal tests/reference/retention.ts on random
 * streams spread over weeks and months around the DST anchors: users on two channels, first-touch campaigns
 * and sources, revenue in two currencies, bot-side events, resends in separate parts, spend on the days around, ranges cut
 * anywhere (dates or instants) in every zone, every interval, cohort, return and breakdown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Storage } from "@chatfunnel/core";
import type { RetentionResponse, RetentionUsersResponse } from "@chatfunnel/schemas";
import { importSpend } from "../../api/src/metrics/spend-import.js";
import { freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { expectFloors, referenceInputs, referenceScenario } from "../support/reference-harness.js";
import { ANCHORS } from "../support/random-events.js";
import { latestSpend } from "../reference/events.js";
import { eventSources, refRetention, refRetentionUsers, type RetentionData } from "../reference/retention.js";
import { retentionParamsArb, retentionParamsQuery, retentionQueryArb, retentionSpendArb, retentionStreamArb } from "../reference/retention-arbitraries.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS = propertyRuns("RETENTION_PROPERTY_RUNS", 40);

/** The random scenarios: a stream around an anchor, spend, a range and the endpoint's parameters. */
const scenarioArb = fc
  .constantFrom(...ANCHORS)
  .chain((anchor) =>
    fc.record({
      events: retentionStreamArb(anchor.ms),
      // Half the streams with cheap spend on most days, so some cohorts' revenue pays their cost back (payback below).
      spend: fc.oneof(retentionSpendArb(anchor.ms), retentionSpendArb(anchor.ms, 30, 60)),
      query: retentionQueryArb(anchor.ms),
      params: retentionParamsArb,
    }),
  );
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** The reference's answer for a drawn scenario, without the engine (the coverage checks need only the reference). */
function referenceAnswer({ events, spend, query, params }: Scenario): RetentionResponse {
  const { events: refEvents, filters } = referenceInputs(events, query);
  return refRetention({ events: refEvents, spend: latestSpend([spend]), sources: eventSources(events) }, filters, params);
}

/** The cell with users in the latest period (period 0 holds most of a cohort for return=any), whose users the test lists. */
function latestCell(expected: RetentionResponse) {
  const cells = expected.cohorts.flatMap((row) => row.cells.filter((c) => (c.users ?? 0) > 0).map((c) => ({ row, c })));
  return cells.sort((a, b) => b.c.period - a.c.period)[0];
}

/**
 * How many of 200 fixed-seed scenarios must reach each figure: a little under what they reach today (2026-12-03: 93, 20, 42,
 * 46, 43, 20, 21 and 20), so a generator change that loses one fails. Counted on fixed seeds because, counted on the 40 random runs,
 * a later period with users and a payback period were each missing from all of them about once in seven runs,
 * which failed a correct build.
 */
const FLOORS = { cohorts: 75, laterPeriod: 15, unobserved: 30, revenue: 35, cac: 30, payback: 15, nullGroup: 15, laterUsers: 15 };

describe("the retention generator reaches every figure (fixed seed)", () => {
  it("cohorts, later periods, unobserved cells, revenue, CAC, payback, the null group, later users", () => {
    const samples = fc.sample(scenarioArb, { seed: 20261203, numRuns: 200 }).map((scenario) => ({ scenario, expected: referenceAnswer(scenario) }));
    const count = (holds: (s: (typeof samples)[number]) => boolean) => samples.filter(holds).length;
    const seen = {
      cohorts: count(({ expected }) => expected.cohorts.length > 0),
      laterPeriod: count(({ expected }) => expected.cohorts.some((cohort) => cohort.cells.some((cell) => cell.period > 0 && (cell.users ?? 0) > 0))),
      unobserved: count(({ expected }) => expected.cohorts.some((cohort) => cohort.cells.some((cell) => !cell.observed))),
      revenue: count(({ expected }) => expected.cohorts.some((cohort) => cohort.cells.some((cell) => (cell.revenuePerUser ?? 0) > 0))),
      cac: count(({ expected }) => expected.cohorts.some((cohort) => cohort.cac !== null)),
      payback: count(({ expected }) => expected.cohorts.some((cohort) => cohort.paybackPeriod !== null)),
      nullGroup: count(({ scenario, expected }) => scenario.params.breakdown !== undefined && expected.groups.some((group) => group.group === null)),
      laterUsers: count(({ expected }) => (latestCell(expected)?.c.period ?? 0) > 0),
    };
    expectFloors(seen, FLOORS);
  });
});

describe("retention equals the reference implementation on random streams", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  it(`matches on ${RUNS} random streams around the anchors`, { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ events, spend, query, params }) => {
        const scenario = await referenceScenario(storage, testApp.app, events, query);
        // The import endpoint's own tests cover its parsing; here the rows go in as it stores them.
        if (spend.length > 0) await importSpend(storage, scenario.projectId, spend);
        const data: RetentionData = { events: scenario.events, spend: latestSpend([spend]), sources: eventSources(events) };
        const expected = refRetention(data, scenario.filters, params);
        const answer = (await scenario.get("retention", retentionParamsQuery(params))) as RetentionResponse;
        expect(answer).toEqual(expected);

        // The users of the cell with users in the latest period (period 0 holds most of a cohort for return=any),
        // and of every group of its start.
        const latest = latestCell(expected);
        const cohort = latest?.row;
        const cell = latest?.c;
        if (cohort && cell) {
          const extra = { ...retentionParamsQuery(params), cohortStart: cohort.start, period: String(cell.period) };
          const picks = params.breakdown ? [{ group: cohort.group }, {}] : [{}];
          for (const pick of picks) {
            const groupParam: Record<string, string> = "group" in pick ? { group: pick.group ?? "" } : {};
            const listed = (await scenario.get("retention/users", { ...extra, ...groupParam })) as RetentionUsersResponse;
            const users = refRetentionUsers(data, scenario.filters, params, { cohortStart: cohort.start, period: cell.period, ...pick });
            expect(listed.users).toEqual(users);
            expect(listed.total).toBe(users.length);
            if ("group" in pick) expect(listed.total).toBe(cell.users);
          }
        }
      }),
      // Shrinking would replay many streams through the engine; the first counterexample and its seed are enough.
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it("a resent order (same id, another part) counts once in LTV; two orders with equal time and amount count twice", async () => {
    const order = (id: string, userId: string) => ({ id, type: "order", channel: "telegram" as const, botId: "bot-a", userId, timestamp: "2026-05-12T10:00:00.000Z", revenue: 5, currency: "RUB" });
    const first = order("00000000-0000-4000-8000-000000000001", "A");
    // Two halves, two parts (one insert would collapse the copy itself): [first, B's first] and [the resend, B's second].
    const events = [first, order("00000000-0000-4000-8000-000000000002", "B"), { ...first }, order("00000000-0000-4000-8000-000000000003", "B")];
    const scenario = await referenceScenario(storage, testApp.app, events, { from: "2026-05-11", to: "2026-05-18", tz: "UTC" });
    const answer = (await scenario.get("retention", { periods: "1" })) as RetentionResponse;
    // A: 5, B: 10, over 2 users.
    expect(answer.cohorts.map((cohort) => [cohort.size, cohort.cells[0]!.revenuePerUser])).toEqual([[2, 7.5]]);
  });

  it("with first_lead returning on order, an order before the lead in its own week does not retain; one after does", async () => {
    const at = (n: number, userId: string, type: string, timestamp: string) => ({ id: `00000000-0000-4000-8000-00000000010${n}`, type, channel: "telegram" as const, botId: "bot-a", userId, timestamp, revenue: 1, currency: "RUB" });
    const events = [
      at(1, "A", "order", "2026-05-12T09:00:00.000Z"),
      at(2, "A", "lead", "2026-05-12T10:00:00.000Z"),
      at(3, "B", "lead", "2026-05-12T10:00:00.000Z"),
      at(4, "B", "order", "2026-05-13T10:00:00.000Z"),
    ];
    const scenario = await referenceScenario(storage, testApp.app, events, { from: "2026-05-11", to: "2026-05-25", tz: "UTC" });
    const answer = (await scenario.get("retention", { periods: "2", cohort: "first_lead", return: "order" })) as RetentionResponse;
    expect(answer.cohorts.map((cohort) => [cohort.size, cohort.cells.map((cell) => cell.users)])).toEqual([[2, [1, 0]]]);
  });

  it("keeps the 100 largest groups and their cohorts, says so, and equals the reference there too", async () => {
    // 102 campaigns: "c000" has three users, "c001" two, the other 100 one each; ties go by name, so c100 and c101 are left out.
    const events = Array.from({ length: 105 }, (_, index) => {
      const campaign = `c${String(index < 3 ? 0 : index < 5 ? 1 : index - 3).padStart(3, "0")}`;
      return {
        id: `00000000-0000-4000-8000-${String(index + 1).padStart(12, "0")}`,
        type: "message_received",
        channel: "telegram" as const,
        botId: "bot-a",
        userId: `u${index}`,
        timestamp: new Date(Date.UTC(2026, 4, 11 + (index % 7), 10)).toISOString(),
        source: { campaign },
      };
    });
    const query = { from: "2026-05-11", to: "2026-05-25", tz: "UTC" };
    const scenario = await referenceScenario(storage, testApp.app, events, query);
    const params = { interval: "week" as const, periods: 2, cohort: "first_seen" as const, return: "any", breakdown: "campaign" as const };
    const answer = (await scenario.get("retention", retentionParamsQuery(params))) as RetentionResponse;
    expect(answer).toEqual(refRetention({ events: scenario.events, spend: [], sources: new Map() }, scenario.filters, params));
    expect(answer.groupsTruncated).toBe(true);
    expect(answer.groups).toHaveLength(100);
    expect(answer.groups.slice(0, 3).map((group) => [group.group, group.size])).toEqual([
      ["c000", 3],
      ["c001", 2],
      ["c002", 1],
    ]);
    expect(answer.groups.at(-1)?.group).toBe("c099");
    expect(answer.cohorts.some((cohort) => cohort.group === "c100" || cohort.group === "c101")).toBe(false);
    expect(answer.cohorts.some((cohort) => cohort.group === "c099")).toBe(true);
  });
});
