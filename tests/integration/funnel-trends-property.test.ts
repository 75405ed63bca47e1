/**
 * Property test: random event streams spread over eleven days around a DST change, a Monday and a month's
 * end (Europe/Berlin and America/New_York change in that span, Asia/Kathmandu is +05:45), go into the real
 * engine; /api/v1/funnel/trends by day, week and month must answer exactly what the plain-TypeScript
 * reference (tests/reference/funnel-trends.ts, on the funnel reference's per-user outcomes) computes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { FUNNEL_MODES, FunnelTrendsResponseSchema, INTERVALS, parseFunnelStep, type Channel, type Event, type FunnelMode, type FunnelStep } from "@chatfunnel/schemas";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { referenceFunnel, type ReferenceScope } from "../reference/funnel.js";
import { referenceFunnelTrends } from "../reference/funnel-trends.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS = propertyRuns("FUNNEL_TRENDS_PROPERTY_RUNS", 40);
const HOUR = 3_600_000;
const MINUTE = 60_000;
/** 2026-10-23 00:00 UTC: Berlin leaves summer time on Sunday the 25th, New York on Sunday 1 November. */
const BASE_MS = Date.UTC(2026, 9, 23);
const SPAN_HOURS = 11 * 24;
const ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kathmandu", "UTC"] as const;
const WINDOWS = [
  { text: "30m", ms: 30 * MINUTE },
  { text: "6h", ms: 6 * HOUR },
  { text: "2d", ms: 2 * 86_400_000 },
] as const;
const STEP_TYPES = ["bot_started", "message_received", "lead", "order"] as const;
const CHANNELS: Channel[] = ["telegram", "whatsapp"];

/**
 * A user's events come in a few visits: each at an hour of the span (often at or next to a local midnight of
 * some zone, where buckets split), then events on a 10-minute grid with some ±1 ms off it.
 */
const visitArb = (user: number, channel: Channel, stepTypes: string[]) =>
  fc
    .tuple(
      fc.oneof(fc.integer({ min: 0, max: SPAN_HOURS - 1 }), fc.constantFrom(22, 23, 46, 47, 70, 71, 72, 166, 167, 214, 215, 216)),
      fc.array(
        fc.record({
          // Mostly the funnel's own types, so funnels convert; the others interrupt strict funnels.
          type: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...stepTypes) }, { weight: 1, arbitrary: fc.constantFrom("message_sent", ...STEP_TYPES) }),
          minutes: fc.integer({ min: -3, max: 9 }).map((n) => n * 10),
          jitter: fc.constantFrom(0, 0, 0, 1, -1),
          plan: fc.constantFrom<"pro" | "basic" | undefined>("pro", "basic", undefined),
        }),
        { minLength: 2, maxLength: 8, size: "max" },
      ),
    )
    .map(([hour, items]) =>
      items.map((item, index): Event => ({
        id: `00000000-0000-4000-8000-${(user * 10_000 + hour * 10 + index).toString(16).padStart(12, "0")}`,
        type: item.type,
        channel,
        botId: "bot-a",
        userId: `u${user}`,
        timestamp: new Date(BASE_MS + hour * HOUR + item.minutes * MINUTE + item.jitter).toISOString(),
        ...(item.plan ? { properties: { plan: item.plan } } : {}),
      })),
    );

const userArb = (user: number, stepTypes: string[]) =>
  fc.constantFrom(...CHANNELS).chain((channel) => fc.array(visitArb(user, channel, stepTypes), { minLength: 1, maxLength: 5, size: "max" }).map((visits) => visits.flat()));

/** Ids are unique per (user, hour, index); two visits of one hour would repeat them, so the later copy gets a new id. */
function withUniqueIds(events: Event[]): Event[] {
  const seen = new Set<string>();
  return events.map((event, index) => {
    const id = seen.has(event.id) ? `ffffffff-ffff-4fff-bfff-${index.toString(16).padStart(12, "0")}` : event.id;
    seen.add(id);
    return { ...event, id };
  });
}

/**
 * A step as the API reads it, with the step grammar's features — `lead`, `lead[plan=pro]`, `[plan!=pro]`,
 * `[plan~PR]`, `[plan!?]`, `lead|order`; per-step windows are added below — and its types for the stream to favour.
 */
const stepArb = fc
  .tuple(
    fc.constantFrom(...STEP_TYPES),
    fc.constantFrom("", "", "", "[plan=pro]", "[plan!=pro]", "[plan~PR]", "[plan!?]"),
    fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...STEP_TYPES) }),
  )
  .map(([type, filter, other]) => ({ types: other ? [type, other] : [type], text: `${type}${filter}${other ? `|${other}` : ""}` }));

/** The step as the funnel reference takes it: the API's own parse of the text, whatever shape steps have. */
function parsedStep(text: string): FunnelStep {
  const parsed = parseFunnelStep(text);
  if ("error" in parsed) throw new Error(`${text}: ${parsed.error}`);
  return parsed.step;
}

const streamArb = (stepTypes: string[]) =>
  fc
    .integer({ min: 3, max: 12 })
    .chain((users) => fc.tuple(...Array.from({ length: users }, (_, index) => userArb(index + 1, stepTypes))))
    .map((lists) => withUniqueIds(lists.flat()))
    // A few exact resends: counted once.
    .chain((events) => fc.subarray(events, { maxLength: Math.min(3, events.length) }).map((resent) => [...events, ...resent.map((event) => ({ ...event }))]));

/** The steps first: the events are mostly of their types. */
const stepsAndEventsArb = fc
  .array(stepArb, { minLength: 2, maxLength: 3 })
  .chain((steps) => streamArb([...new Set(steps.flatMap((step) => step.types))]).map((events) => ({ texts: steps.map((step) => step.text), events })));

const scenarioArb = fc.record({
  funnel: stepsAndEventsArb,
  mode: fc.constantFrom<FunnelMode>(...FUNNEL_MODES),
  window: fc.constantFrom(...WINDOWS),
  tz: fc.constantFrom(...ZONES),
  /** Per-step windows (`lead<=1h`) on steps 2.., where the API takes them (ordered and strict). */
  withins: fc.array(fc.constantFrom(null, null, "30m", "1h"), { minLength: 3, maxLength: 3 }),
  /** Whole local dates (midnight in tz) or instants on the hour grid. */
  range: fc.noBias(fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 11 })).map(([from, days]) => ({ kind: "dates" as const, from, days })),
    fc.tuple(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: SPAN_HOURS })).map(([from, hours]) => ({ kind: "instants" as const, from, hours })),
  )),
  /** A channel filter in one scenario out of six. */
  channel: fc.noBias(fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...CHANNELS) })),
});

const dateText = (days: number) => new Date(BASE_MS + days * 86_400_000).toISOString().slice(0, 10);

describe("funnel trends equal the reference on random streams across DST, weeks and months", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  it(`matches on ${RUNS} random streams`, { timeout: 600_000 }, async () => {
    // The generator must exercise conversions in several buckets: counted below, asserted at the end.
    let converting = 0;
    let severalBuckets = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ funnel: { texts: plain, events }, ...s }) => {
        const texts = plain.map((text, i) => (i > 0 && s.mode !== "any" && s.withins[i] ? `${text}<=${s.withins[i]}` : text));
        const steps = texts.map(parsedStep);
        const project = await createProject(storage);
        await loadEventsInTwoParts(storage, project.projectId, events);
        const params = new URLSearchParams({ window: s.window.text, mode: s.mode, tz: s.tz });
        for (const text of texts) params.append("steps", text);
        if (s.channel) params.set("channel", s.channel);
        if (s.range.kind === "dates") {
          params.set("from", dateText(s.range.from));
          params.set("to", dateText(s.range.from + s.range.days));
        } else {
          params.set("from", new Date(BASE_MS + s.range.from * HOUR).toISOString());
          params.set("to", new Date(BASE_MS + (s.range.from + s.range.hours) * HOUR).toISOString());
        }
        for (const interval of INTERVALS) {
          params.set("interval", interval);
          const res = await request(testApp.app).get(`/api/v1/funnel/trends?${params}`).set("Authorization", `Bearer ${project.readKey}`);
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          const body = FunnelTrendsResponseSchema.parse(res.body);
          // The range as the API resolved it (dates are local midnights in tz): the reference reads the same instants.
          const scope: ReferenceScope = { fromMs: Date.parse(body.range.from), toMs: Date.parse(body.range.to), channels: s.channel ? [s.channel] : undefined };
          const definition = { steps: steps, windowSeconds: s.window.ms / 1000, mode: s.mode };
          const expected = referenceFunnelTrends(events, scope, definition, s.tz, interval);
          expect(body.points).toEqual(expected);
          // The buckets partition the funnel's users: first and last step.
          const funnel = referenceFunnel(events, scope, definition).steps;
          expect(body.points.reduce((sum, p) => sum + p.entered, 0)).toBe(funnel[0]!.users);
          expect(body.points.reduce((sum, p) => sum + p.converted, 0)).toBe(funnel.at(-1)!.users);
          if (interval === "day") {
            if (expected.some((p) => p.converted > 0)) converting++;
            if (expected.filter((p) => p.entered > 0).length > 1) severalBuckets++;
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(converting).toBeGreaterThan(RUNS / 5);
    expect(severalBuckets).toBeGreaterThan(RUNS / 5);
  });
});
