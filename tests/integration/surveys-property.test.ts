/**
 * Property test: /api/v1/surveys equals the plain-TypeScript reference (tests/reference/surveys.ts) on random
 * messaging streams (resends in separate parts, several channels and bots, every anchor, each window of the
 * arbitraries), plus leads and orders placed right at a window's edge after some answers (1 ms before, at, 1 ms
 * past answeredAt + window), so an edge off by one fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Storage } from "@chatfunnel/core";
import { DEFAULT_SURVEY_WINDOW, type Event } from "@chatfunnel/schemas";
import { funnelWindowSeconds } from "@chatfunnel/contract";
import { freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { expectFloors, referenceInputs, referenceScenario } from "../support/reference-harness.js";
import { ANCHORS } from "../support/random-events.js";
import { endpointParams, messagingExpected, messagingQueryArb, messagingStreamArb, type MessagingQuery } from "../reference/messaging-arbitraries.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS = propertyRuns("SURVEYS_PROPERTY_RUNS", 10);
/** A little under what the fixed-seed streams below reach today (2026-12-03: 68 of 500). */
const CONVERTING_FLOOR = 50;

/** The stream with a lead or an order at answeredAt + window + delta for a few of its answers. */
const withEdgeOutcomes = (anchorMs: number): fc.Arbitrary<[Event[], MessagingQuery]> =>
  fc.tuple(messagingStreamArb(anchorMs), messagingQueryArb(anchorMs)).chain(([events, query]) =>
    fc
      .array(fc.record({ pick: fc.nat(), deltaMs: fc.constantFrom(-1, 0, 1), type: fc.constantFrom("lead", "order") }), { minLength: 1, maxLength: 3 })
      .map((adds): [Event[], MessagingQuery] => {
        const answers = events.filter((e) => e.type === "survey_answered");
        const windowMs = funnelWindowSeconds(query.window ?? DEFAULT_SURVEY_WINDOW)! * 1000;
        const added = answers.length === 0 ? [] : adds.map(({ pick, deltaMs, type }, index): Event => {
          const answer = answers[pick % answers.length]!;
          return {
            id: `eeeeeeee-0000-4000-8000-${index.toString(16).padStart(12, "0")}`,
            type,
            channel: answer.channel,
            botId: answer.botId,
            userId: answer.userId,
            timestamp: new Date(Date.parse(answer.timestamp) + windowMs + deltaMs).toISOString(),
          };
        });
        return [[...events, ...added], query];
      }),
  );

/** An answer some of whose answerers went on to a lead or an order: the figure the test exists for. */
const converts = (surveys: ReturnType<typeof messagingExpected>["surveys"]): boolean =>
  surveys.questions.some((q) => q.answers.some((a) => (a.leadShare ?? 0) > 0 || (a.orderShare ?? 0) > 0));

/**
 * The streams must exercise conversions, not only empty shares. Counted on 100 fixed-seed streams per anchor (the
 * reference alone): counted on the 50 random runs (~14% converting; 5 and 9 in two runs), fewer than the three asked
 * for would be drawn in about one run of thirty (binomial), failing a correct build.
 */
describe("the surveys generator reaches answers that convert (fixed seed)", () => {
  it("answers followed by a lead or an order", () => {
    const answers = ANCHORS.flatMap((anchor) =>
      fc.sample(withEdgeOutcomes(anchor.ms), { seed: 20261203, numRuns: 100 }).map(([events, query]) => {
        const { events: refEvents, filters } = referenceInputs(events, query);
        return messagingExpected(refEvents, filters, query).surveys;
      }),
    );
    expectFloors({ converting: answers.filter(converts).length }, { converting: CONVERTING_FLOOR });
  });
});

describe("surveys equals the reference on random streams", () => {
  let storage: Storage;
  let testApp: TestApp;
  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it.each(ANCHORS)(`matches on ${RUNS} streams around $name`, { timeout: 240_000 }, async (anchor) => {
    await fc.assert(
      fc.asyncProperty(withEdgeOutcomes(anchor.ms), async ([events, query]) => {
        const scenario = await referenceScenario(storage, testApp.app, events, query);
        const expected = messagingExpected(scenario.events, scenario.filters, query).surveys;
        expect(await scenario.get("surveys", endpointParams("surveys", query))).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });
});
