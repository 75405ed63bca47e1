/**
 * The new references on random streams: every answer fits its response schema and the identities a reader
 * relies on hold (stages nest, the timeline sums to the totals, a Sankey conserves its users). Also proves
 * the arbitraries produce events the ingest contract accepts.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  BroadcastDetailResponseSchema,
  BroadcastsResponseSchema,
  EventSchema,
  PathsResponseSchema,
  SupportResponseSchema,
  SurveysResponseSchema,
} from "@chatfunnel/schemas";
import { ANCHORS } from "../support/random-events.js";
import { dedupe } from "../reference/events.js";
import { refFilters } from "../reference/bounds.js";
import { messagingExpected, messagingQueryArb, messagingStreamArb } from "../reference/messaging-arbitraries.js";

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe("broadcasts/support/surveys/paths references on random streams", () => {
  it.each(ANCHORS)("hold their identities around $name", (anchor) => {
    fc.assert(
      fc.property(messagingStreamArb(anchor.ms), messagingQueryArb(anchor.ms), (events, query) => {
        for (const event of events) expect(EventSchema.safeParse(event).success, JSON.stringify(event)).toBe(true);
        const expected = messagingExpected(dedupe(events), refFilters("p", query), query);

        expect(BroadcastsResponseSchema.parse(expected.broadcasts)).toEqual(expected.broadcasts);
        for (const row of expected.broadcasts.broadcasts) {
          expect(row.delivered).toBeLessThanOrEqual(row.sent);
          expect(row.delivered + row.failed).toBeLessThanOrEqual(row.sent);
          expect(row.clicked).toBeLessThanOrEqual(row.delivered);
          if (row.read !== null) expect(row.read).toBeLessThanOrEqual(row.delivered);
          expect(Math.max(row.leads, row.orders, row.unsubscribedOrBlocked)).toBeLessThanOrEqual(row.delivered);
          expect(sum(row.failureReasons.map((r) => r.users))).toBeLessThanOrEqual(row.failed);
          const detail = expected.broadcastDetails.get(row.broadcastId)!;
          expect(BroadcastDetailResponseSchema.parse(detail)).toEqual(detail);
          expect(detail.broadcast).toEqual(row);
          expect(sum(detail.hours.map((h) => h.delivered))).toBe(row.delivered);
          expect(sum(detail.hours.map((h) => h.clicked))).toBe(row.clicked);
          if (row.read === null) expect(detail.hours.every((h) => h.read === null)).toBe(true);
          else expect(sum(detail.hours.map((h) => h.read ?? 0))).toBe(row.read);
        }
        expect(expected.broadcastDetails.size).toBe(expected.broadcasts.broadcasts.length);

        const support = expected.support;
        expect(SupportResponseSchema.parse(support)).toEqual(support);
        expect(support.requests).toBeLessThanOrEqual(sum(support.mix.map((b) => b.sessions)));
        expect(support.reopened).toBeLessThanOrEqual(support.resolved);
        expect(support.resolved).toBeLessThanOrEqual(support.requests);
        expect(sum(support.csat.distribution.map((d) => d.responses))).toBe(support.csat.responses);

        expect(SurveysResponseSchema.parse(expected.surveys)).toEqual(expected.surveys);
        for (const question of expected.surveys.questions) {
          expect(sum(question.answers.map((a) => a.responses)) + question.otherResponses).toBe(question.responses);
          expect(question.users).toBeLessThanOrEqual(question.responses);
        }

        const paths = expected.paths;
        expect(PathsResponseSchema.parse(paths)).toEqual(paths);
        expect(paths.nodes.filter((n) => n.step === 1).map((n) => n.users)).toEqual(paths.users === 0 ? [] : [paths.users]);
        paths.nodes.forEach((node, index) => {
          const out = sum(paths.links.filter((l) => l.from === index).map((l) => l.users));
          const incoming = sum(paths.links.filter((l) => l.to === index).map((l) => l.users));
          if (node.step < paths.depth) expect(node.users).toBe(node.endedUsers + out);
          else expect(out).toBe(0);
          if (node.step > 1) expect(incoming).toBe(node.users);
        });
        for (const link of paths.links) expect(paths.nodes[link.to]!.step).toBe(paths.nodes[link.from]!.step + 1);
      }),
      { numRuns: 60 },
    );
  });
});
