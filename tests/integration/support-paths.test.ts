/**
 * The support endpoint has two implementations: sessions cut from the events themselves, and the
 * conversation_slots rollup (migration 12). Both are forced on random messaging streams (bot and operator
 * replies, handoffs, resolutions, reopens, CSAT, resends in another part, equal timestamps, sessions with
 * and without sessionId) and on streams aimed at the 24-hour and at-or-after edges, on ranges moved to slot
 * bounds, with a random session timeout the rollup can serve: every figure must be equal, and equal to the
 * reference when the timeout is the reference's 30 minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { INTERVALS, type Event, type Interval, type SupportResponse } from "@chatfunnel/schemas";
import { toEventRow, type ResolvedFilters } from "@chatfunnel/warehouse";
import type { Storage } from "@chatfunnel/core";
import { support } from "../../api/src/metrics/support.js";
import { handEvent, onSlots, REPLY_BEFORE_REQUEST, setTimeoutMin, TIMEOUTS_MIN } from "../support/rollup-paths.js";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { ANCHORS } from "../support/random-events.js";
import { refFilters } from "../reference/bounds.js";
import { dedupe } from "../reference/events.js";
import { messagingQueryArb, messagingStreamArb } from "../reference/messaging-arbitraries.js";
import { refSupport } from "../reference/support.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS_PER_ANCHOR = propertyRuns("SUPPORT_PATHS_RUNS", 6);
const EDGE_RUNS = propertyRuns("SUPPORT_PATHS_EDGE_RUNS", 8);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;


const UTC_DAY: ResolvedFilters = { projectId: "", fromMs: Date.parse("2026-05-12T00:00:00Z"), toMs: Date.parse("2026-05-14T00:00:00Z"), tz: "UTC", channels: undefined, botId: undefined, campaign: undefined, currency: undefined };

const event = handEvent;

/**
 * Per user: a request, a bot reply, a handoff, operator messages at the handoff's at-or-after and 24-hour
 * edges, a resolution and a next request either side of 24 h after it (like the support property test's
 * edge streams), with or without sessionId, some from a second bot.
 */
const edgeEventsArb = fc
  .array(
    fc.record({
      handoffAfterMs: fc.constantFrom(0, 1, 5 * MIN),
      operatorOffsets: fc.subarray([-1, 0, 1, DAY - 1, DAY, DAY + 1], { minLength: 1 }),
      resolvedAfterMs: fc.constantFrom(0, 10 * MIN),
      reopenOffset: fc.constantFrom(1, DAY - 1, DAY, DAY + 1),
      sessionId: fc.boolean(),
      secondBot: fc.boolean(),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((users) => {
    const start = Date.UTC(2026, 4, 12, 10);
    const events: Event[] = [];
    users.forEach((user, index) => {
      const at = (ms: number, type: string, extra: Partial<Event> = {}): void => {
        events.push(event(index * 100 + events.length + 1, type, new Date(start + index * MIN + ms).toISOString(), { userId: `u${index}`, ...extra }));
      };
      const sid = user.sessionId ? { sessionId: "s1" } : {};
      at(0, "message_received", sid);
      at(1000, "message_sent", { ...sid, ...(user.secondBot ? { botId: "bot-b" } : {}) });
      at(user.handoffAfterMs, "handoff", sid);
      for (const offset of user.operatorOffsets) at(user.handoffAfterMs + offset, "message_sent", { properties: { sender: "operator" } });
      const resolved = user.handoffAfterMs + user.resolvedAfterMs;
      at(resolved, "resolved", sid);
      at(resolved + user.reopenOffset, "message_received", user.sessionId ? { sessionId: "s2" } : {});
      at(resolved + user.reopenOffset + 5, "survey_answered", { properties: { question: "csat", answer: String(1 + (index % 5)) } });
    });
    return events;
  });

describe("support: the rollup path equals the events path", () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await freshDatabase();
  });
  afterAll(async () => storage.close());

  const bothPaths = async (filters: ResolvedFilters, interval: Interval): Promise<SupportResponse> => {
    const events = await support(storage, filters, interval, "events");
    const rollup = await support(storage, filters, interval, "rollup");
    expect(rollup).toEqual(events);
    return events;
  };

  it.each(ANCHORS)(`on ${RUNS_PER_ANCHOR} random messaging streams around $name`, { timeout: 180_000 }, async (anchor) => {
    await fc.assert(
      fc.asyncProperty(messagingStreamArb(anchor.ms), messagingQueryArb(anchor.ms), fc.constantFrom(...TIMEOUTS_MIN), async (events, query, timeoutMin) => {
        const { projectId } = await createProject(storage);
        await setTimeoutMin(storage, projectId, timeoutMin);
        await loadEventsInTwoParts(storage, projectId, events);
        const filters = onSlots(refFilters(projectId, query));
        const answer = await bothPaths(filters, query.interval);
        if (timeoutMin === 30) expect(answer).toEqual(refSupport(dedupe(events), filters, query.interval));
      }),
      { numRuns: RUNS_PER_ANCHOR, endOnFailure: true },
    );
  });

  it(`on ${EDGE_RUNS} streams on the 24-hour and at-or-after edges`, { timeout: 180_000 }, async () => {
    const seen = { reopened: 0, operator: 0, csat: 0 };
    await fc.assert(
      fc.asyncProperty(edgeEventsArb, fc.constantFrom(...INTERVALS), fc.constantFrom(1, 2), fc.constantFrom(...TIMEOUTS_MIN), async (events, interval, days, timeoutMin) => {
        const { projectId } = await createProject(storage);
        await setTimeoutMin(storage, projectId, timeoutMin);
        await loadEventsInTwoParts(storage, projectId, events);
        const filters = { ...UTC_DAY, projectId, toMs: UTC_DAY.fromMs + days * DAY };
        const answer = await bothPaths(filters, interval);
        if (answer.reopened > 0) seen.reopened++;
        if (answer.operatorAnsweredSessions > 0) seen.operator++;
        if (answer.csat.responses > 0) seen.csat++;
      }),
      { numRuns: EDGE_RUNS, endOnFailure: true },
    );
    for (const [figure, runs] of Object.entries(seen)) expect(runs, figure).toBeGreaterThan(EDGE_RUNS / 5);
  });

  it("times the bot reply after a request stored later, from another bot's piece of the slot", async () => {
    const { projectId } = await createProject(storage);
    // First insert: bot-b's reply at 10:05 and an operator's at 10:06 (the same session), a request at 10:08.
    // Second insert: bot-a's request at 10:04, the session's first: bot-b's 10:05 reply answers it (60 s),
    // the operator's does not count as the bot's.
    const insert = (events: Event[]) => storage.insertRows("events", events.map((e) => toEventRow(projectId, e, Date.now())));
    await insert([
      event(1, "message_sent", "2026-05-12T10:05:00.000Z", { botId: "bot-b" }),
      event(2, "message_sent", "2026-05-12T10:04:30.000Z", { properties: { sender: "operator" } }),
      event(3, "message_received", "2026-05-12T10:08:00.000Z"),
    ]);
    await insert([event(4, "message_received", "2026-05-12T10:04:00.000Z")]);
    const answer = await bothPaths({ ...UTC_DAY, projectId }, "day");
    expect(answer).toMatchObject({ requests: 1, botAnsweredSessions: 1, medianBotFirstResponseSeconds: 60 });
  });

  it("finds the bot reply in a slot whose first event is a reply before the request", async () => {
    const { projectId } = await createProject(storage);
    await storage.insertRows("events", REPLY_BEFORE_REQUEST.map((e) => toEventRow(projectId, e, Date.now())));
    const answer = await bothPaths({ ...UTC_DAY, projectId }, "day");
    expect(answer).toMatchObject({ requests: 1, botAnsweredSessions: 1, medianBotFirstResponseSeconds: 120 });
  });
});
