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
import { referenceScenario } from "../support/reference-harness.js";
import { ANCHORS } from "../support/random-events.js";
import { refPathNodeUsers } from "../reference/paths.js";
import { endpointParams, messagingExpected, messagingQueryArb, messagingStreamArb } from "../reference/messaging-arbitraries.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS = propertyRuns("PATHS_PROPERTY_RUNS", 10);

describe("paths equals the reference on random streams", () => {
  let storage: Storage;
  let testApp: TestApp;
  // The streams must make paths longer than the start and cut ones: counted over every anchor, asserted at the end.
  const seen = { long: 0, cut: 0 };
  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => {
    await testApp.close();
    expect(seen.long).toBeGreaterThan(RUNS / 2);
    expect(seen.cut).toBeGreaterThan(0);
  });

  it.each(ANCHORS)(`matches on ${RUNS} streams around $name`, { timeout: 240_000 }, async (anchor) => {
    await fc.assert(
      fc.asyncProperty(messagingStreamArb(anchor.ms), messagingQueryArb(anchor.ms), fc.nat(), async (events, query, pick) => {
        const scenario = await referenceScenario(storage, testApp.app, events, query);
        const expected = messagingExpected(scenario.events, scenario.filters, query).paths;
        const params = endpointParams("paths", query);
        expect(await scenario.get("paths", params)).toEqual(expected);
        if (expected.nodes.some((n) => n.step > 1)) seen.long++;
        if (expected.nodes.some((n) => n.step === expected.depth && n.endedUsers < n.users)) seen.cut++;

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
