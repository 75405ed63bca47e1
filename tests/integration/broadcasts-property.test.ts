/**
 * Property test: random messaging streams (broadcast bursts with broadcastId, tagged clicks and replies, failures
 * with reasons, opt-outs and conversions on the 48 h / window edges, resends in separate parts) go into the real
 * engine; /api/v1/broadcasts and /api/v1/broadcasts/{id} must answer exactly what tests/reference/broadcasts.ts
 * computes from the same events, and 404 exactly where the reference has no such broadcast.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Storage } from "@chatfunnel/core";
import { freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { expectFloors, referenceInputs, referenceScenario } from "../support/reference-harness.js";
import { ANCHORS } from "../support/random-events.js";
import type { Event } from "@chatfunnel/schemas";
import { BROADCAST_IDS, type MessagingQuery, endpointParams, messagingExpected, messagingQueryArb, messagingStreamArb } from "../reference/messaging-arbitraries.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS_PER_ANCHOR = propertyRuns("BROADCASTS_PROPERTY_RUNS", 8);

/** A little under what the fixed-seed streams below reach today (2026-12-03: 140, 25, 73, 25, 20, 50 and 152). */
const FLOORS = { listed: 110, read: 18, nullRead: 55, failed: 18, leads: 15, optOuts: 38, hours: 120 };

/**
 * The streams must exercise the figures, not just empty lists. Counted on 100 fixed-seed streams per anchor (the
 * reference alone), so the random runs below explore new streams every run: with the floors counted on them, a failed
 * send never delivered (rare here) was missing about one CI run in two with nothing wrong, and the runs were pinned to
 * fixed seeds, which compared the same 40 streams on every run.
 */
describe("the broadcasts generator reaches every figure (fixed seed)", () => {
  it("listed broadcasts, reads and unknown reads, failures, leads, opt-outs, hours", () => {
    const seen = { listed: 0, read: 0, nullRead: 0, failed: 0, leads: 0, optOuts: 0, hours: 0 };
    for (const anchor of ANCHORS) {
      for (const [events, query] of fc.sample(fc.tuple(messagingStreamArb(anchor.ms), messagingQueryArb(anchor.ms)), { seed: 20261203, numRuns: 100 })) {
        const { events: refEvents, filters } = referenceInputs(events, query);
        const expected = messagingExpected(refEvents, filters, query);
        for (const detail of expected.broadcastDetails.values()) seen.hours += detail.hours.length;
        for (const row of expected.broadcasts.broadcasts) {
          seen.listed++;
          if (row.read === null) seen.nullRead++;
          else if (row.read > 0) seen.read++;
          if (row.failed > 0) seen.failed++;
          if (row.leads > 0) seen.leads++;
          if (row.unsubscribedOrBlocked > 0) seen.optOuts++;
        }
      }
    }
    expectFloors(seen, FLOORS);
  });
});

describe("broadcasts equal the reference implementation on random streams", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  it(`matches on ${RUNS_PER_ANCHOR} streams around each anchor`, { timeout: 300_000 }, async () => {
    for (const anchor of ANCHORS) {
      await fc.assert(
        fc.asyncProperty(messagingStreamArb(anchor.ms), messagingQueryArb(anchor.ms), async (events, query) => {
          const scenario = await referenceScenario(storage, testApp.app, events, query);
          const expected = messagingExpected(scenario.events, scenario.filters, query);
          const params = endpointParams("broadcasts", query);
          expect(await scenario.get("broadcasts", params)).toEqual(expected.broadcasts);
          for (const id of BROADCAST_IDS) {
            const res = await scenario.request(`broadcasts/${encodeURIComponent(id)}`, params);
            const detail = expected.broadcastDetails.get(id);
            expect(res.status, `${id}: ${JSON.stringify(res.body)}`).toBe(detail ? 200 : 404);
            if (detail) expect(res.body).toEqual(detail);
          }
        }),
        { numRuns: RUNS_PER_ANCHOR },
      );
    }
  });

  // Random streams seldom put an opt-out or a conversion exactly on a limit, so the edges are also pinned here.
  it("counts opt-outs and conversions at delivery + limit, not 1 ms later, and a failure only without delivery", async () => {
    const t0 = Date.UTC(2026, 4, 12, 9, 0);
    const hour = 3_600_000;
    let n = 0;
    const at = (userId: string, ms: number, type: string, extra: Partial<Event> = {}): Event => ({
      id: `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, "0")}`,
      type,
      channel: "whatsapp",
      botId: "bot-a",
      userId,
      timestamp: new Date(ms).toISOString(),
      ...extra,
    });
    const b = { broadcastId: "b-edge" };
    const events: Event[] = [
      at("u1", t0, "broadcast_sent", b),
      at("u1", t0 + 1000, "broadcast_delivered", b),
      at("u1", t0 + 1000 + 48 * hour, "unsubscribed"),
      at("u1", t0 + 1000 + hour, "lead"),
      at("u2", t0, "broadcast_sent", b),
      at("u2", t0 + 2000, "broadcast_read", b),
      at("u2", t0 + 2000 + 48 * hour + 1, "blocked"),
      at("u2", t0 + 2000 + hour + 1, "order", { revenue: 99, currency: "USD" }),
      at("u2", t0 + 2000 + hour, "payment", { revenue: 12.34, currency: "USD" }),
      at("u2", t0 + 1999, "lead"),
      at("u3", t0 + 1, "broadcast_failed", { ...b, properties: { reason: "timeout" } }),
      at("u3", t0 + 2, "broadcast_failed", { ...b, properties: { reason: "blocked_by_user" } }),
      at("u4", t0 + 1, "broadcast_failed", { ...b, properties: { reason: "timeout" } }),
      at("u4", t0 + 3, "broadcast_clicked", b),
    ];
    const query: MessagingQuery = { from: "2026-05-12", to: "2026-05-13", tz: "UTC", interval: "day", window: "1h" };
    const scenario = await referenceScenario(storage, testApp.app, events, query);
    const expected = messagingExpected(scenario.events, scenario.filters, query);
    const body = await scenario.get("broadcasts", endpointParams("broadcasts", query));
    expect(body).toEqual(expected.broadcasts);
    expect(expected.broadcasts.broadcasts).toEqual([
      expect.objectContaining({
        broadcastId: "b-edge",
        sent: 4,
        delivered: 3,
        read: 1,
        clicked: 1,
        failed: 1,
        failureReasons: [{ reason: "blocked_by_user", users: 1 }],
        unsubscribedOrBlocked: 1,
        leads: 1,
        orders: 0,
        revenue: { amount: 12.34, currency: "USD" },
      }),
    ]);
  });
});
