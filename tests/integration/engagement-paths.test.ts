/**
 * The engagement endpoint has two implementations: sessions cut from the events themselves, and the
 * conversation_slots rollup (migration 12, which replaced migration 11's engagement_slots). Both are forced on random streams (resends in another part,
 * equal timestamps, several bots in one slot, sessions with and without sessionId) and random scopes on
 * slot bounds, with a random session timeout the rollup can serve: every figure must be equal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Event } from "@chatfunnel/schemas";
import { toEventRow } from "@chatfunnel/warehouse";
import { type Storage } from "@chatfunnel/core";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { engagement } from "../../api/src/metrics/engagement.js";
import { handEvent, onSlots, REPLY_BEFORE_REQUEST, setTimeoutMin, TIMEOUTS_MIN } from "../support/rollup-paths.js";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { ANCHORS, eventStreamArb, queryArb } from "../support/random-events.js";
import { refFilters } from "../reference/bounds.js";
import { dedupe } from "../reference/events.js";
import { refEngagement } from "../reference/metrics.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS_PER_ANCHOR = propertyRuns("ENGAGEMENT_PATHS_RUNS", 10);


const event = handEvent;

describe("engagement: the rollup path equals the events path", () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await freshDatabase();
  });
  afterAll(async () => storage.close());

  const bothPaths = async (filters: ResolvedFilters) => {
    const events = await engagement(storage, filters, "events");
    const rollup = await engagement(storage, filters, "rollup");
    expect(rollup).toEqual(events);
    return events;
  };

  it.each(ANCHORS)(`on ${RUNS_PER_ANCHOR} random streams around $name`, { timeout: 120_000 }, async (anchor) => {
    await fc.assert(
      fc.asyncProperty(eventStreamArb(anchor.ms), queryArb(anchor.ms), fc.constantFrom(...TIMEOUTS_MIN), async (events, query, timeoutMin) => {
        const { projectId } = await createProject(storage);
        await setTimeoutMin(storage, projectId, timeoutMin);
        await loadEventsInTwoParts(storage, projectId, events);
        const filters = onSlots(refFilters(projectId, query));
        const answer = await bothPaths(filters);
        if (timeoutMin === 30) expect(answer).toEqual(refEngagement({ events: dedupe(events), spend: [] }, filters));
      }),
      { numRuns: RUNS_PER_ANCHOR, endOnFailure: true },
    );
  });

  it("merges the pieces several bots hold of one slot before cutting sessions", async () => {
    const { projectId } = await createProject(storage);
    // bot-a's piece of the 10:00 slot ends at 10:14, bot-b's at 10:02: the next event, 10:43, is 29 min
    // after the slot's last event, so it continues the session (a gap taken from bot-b's piece would cut it).
    await storage.insertRows("events", [
      event(1, "message_received", "2026-05-12T10:00:00.000Z"),
      event(2, "message_sent", "2026-05-12T10:14:00.000Z"),
      event(3, "message_received", "2026-05-12T10:01:00.000Z", { botId: "bot-b" }),
      event(4, "message_sent", "2026-05-12T10:02:00.000Z", { botId: "bot-b" }),
      event(5, "message_received", "2026-05-12T10:43:00.000Z"),
    ].map((e) => toEventRow(projectId, e, Date.now())));
    const answer = await bothPaths({ projectId, fromMs: Date.parse("2026-05-12T00:00:00Z"), toMs: Date.parse("2026-05-13T00:00:00Z"), tz: "UTC", channels: undefined, botId: undefined, campaign: undefined, currency: undefined });
    expect(answer.sessions).toBe(1);
    expect(answer.medianFirstResponseSeconds).toBe(120);
  });

  it("times the reply after a request stored later than the reply, in an earlier instant", async () => {
    const { projectId } = await createProject(storage);
    // First insert: a reply at 10:05, a request at 10:08 and its reply at 10:10. Second insert: a request at
    // 10:04, which becomes the session's first and is answered by the 10:05 reply (60 s), a reply that came
    // before every request the first insert knew of.
    const insert = (events: Event[]) => storage.insertRows("events", events.map((e) => toEventRow(projectId, e, Date.now())));
    await insert([event(1, "message_sent", "2026-05-12T10:05:00.000Z"), event(2, "message_received", "2026-05-12T10:08:00.000Z"), event(3, "message_sent", "2026-05-12T10:10:00.000Z")]);
    await insert([event(4, "message_received", "2026-05-12T10:04:00.000Z")]);
    const answer = await bothPaths({ projectId, fromMs: Date.parse("2026-05-12T00:00:00Z"), toMs: Date.parse("2026-05-13T00:00:00Z"), tz: "UTC", channels: undefined, botId: undefined, campaign: undefined, currency: undefined });
    expect(answer).toMatchObject({ sessions: 1, answeredSessions: 1, medianFirstResponseSeconds: 60 });
  });

  it("finds the reply in a slot whose first event is a reply before the request", async () => {
    const { projectId } = await createProject(storage);
    await storage.insertRows("events", REPLY_BEFORE_REQUEST.map((e) => toEventRow(projectId, e, Date.now())));
    const answer = await bothPaths({ projectId, fromMs: Date.parse("2026-05-12T00:00:00Z"), toMs: Date.parse("2026-05-13T00:00:00Z"), tz: "UTC", channels: undefined, botId: undefined, campaign: undefined, currency: undefined });
    expect(answer).toMatchObject({ sessions: 1, answeredSessions: 1, medianFirstResponseSeconds: 120 });
  });
});
