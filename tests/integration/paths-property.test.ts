/**
 * Property test: /api/v1/paths and /api/v1/paths/users equal the plain-TypeScript references (refPaths,
 * refPathNodeUsers in tests/reference/paths.ts) on random messaging streams: ties in time (ordered by id), gaps
 * of exactly the session timeout and 1 ms under it, sessionId sessions, buttons and nodes repeated in a row,
 * every depth 2–10 and each start type, every anchor. The users list is checked at a node drawn from the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Storage } from "@chatfunnel/core";
import { DEFAULT_PATHS_DEPTH, DEFAULT_PATHS_START, type PathsResponse } from "@chatfunnel/schemas";
import { freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { expectFloors, referenceInputs, referenceScenario } from "../support/reference-harness.js";
import { ANCHORS } from "../support/random-events.js";
import { refPathNodeUsers } from "../reference/paths.js";
import { endpointParams, messagingExpected, messagingQueryArb, messagingStreamArb } from "../reference/messaging-arbitraries.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS = propertyRuns("PATHS_PROPERTY_RUNS", 10);
/** A little under what the fixed-seed streams below reach today (2026-12-03: 143 and 40 of 500). */
const FLOORS = { long: 110, cut: 30 };

/**
 * The streams must make paths longer than the start and paths cut at the depth. Counted on 100 fixed-seed streams per
 * anchor (the reference alone): counted on the 50 random runs, cut paths (~10% of streams) would be missing from all of
 * them in one run of two hundred (0.9^50), failing a correct build.
 */
describe("the paths generator reaches long and cut paths (fixed seed)", () => {
  it("paths past the start and paths cut at the depth", () => {
    const answers = ANCHORS.flatMap((anchor) =>
      fc.sample(fc.tuple(messagingStreamArb(anchor.ms), messagingQueryArb(anchor.ms)), { seed: 20261203, numRuns: 100 }).map(([events, query]) => {
        const { events: refEvents, filters } = referenceInputs(events, query);
        return messagingExpected(refEvents, filters, query).paths;
      }),
    );
    const seen = {
      long: answers.filter((paths) => paths.nodes.some((n) => n.step > 1)).length,
      cut: answers.filter((paths) => paths.nodes.some((n) => n.step === paths.depth && n.endedUsers < n.users)).length,
    };
    expectFloors(seen, FLOORS);
  });
});

describe("paths equals the reference on random streams", () => {
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
      fc.asyncProperty(messagingStreamArb(anchor.ms), messagingQueryArb(anchor.ms), fc.nat(), async (events, query, pick) => {
        const scenario = await referenceScenario(storage, testApp.app, events, query);
        const expected = messagingExpected(scenario.events, scenario.filters, query).paths;
        const params = endpointParams("paths", query);
        expect(await scenario.get("paths", params)).toEqual(expected);

        // The users of one node of the answer (or, with none, of a node nobody reached).
        const node: PathsResponse["nodes"][number] = expected.nodes[pick % Math.max(1, expected.nodes.length)] ?? { step: 2, kind: "node", label: "menu", users: 1, endedUsers: 0 };
        const users = refPathNodeUsers(scenario.events, scenario.filters, query.start ?? DEFAULT_PATHS_START, query.depth ?? DEFAULT_PATHS_DEPTH, node);
        const listed = await scenario.get("paths/users", { ...params, step: String(node.step), kind: node.kind, label: node.label });
        expect(listed).toEqual({ step: node.step, kind: node.kind, label: node.label, total: users.length, limit: 1000, offset: 0, users });
      }),
      { numRuns: RUNS },
    );
  });
});
