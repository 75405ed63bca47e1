/**
 * The funnel generator's parts on the real engine, one small case at a time: the sort key (keys.ts) orders
 * and collapses events as schemas/src/api/funnel.ts says, and each mode's attempt logic (modes/) gives, per
 * user, the furthest step and when each step was completed, on hand-written streams with ties in time,
 * repeated steps, the window's and the range's edges, and steps whose filters differ. Each expectation is
 * also checked against the reference (tests/reference/funnel.ts), so a wrong hand-written case fails too.
 * A failure here names the mode and the case, where the property test only shows a wrong count.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { MAX_FUNNEL_WINDOW_SECONDS, equalityStep, type Event, type FunnelMode, type FunnelStep } from "@chatfunnel/schemas";
import { MAX_RANGE_DAYS } from "../../api/src/http/params.js";
import { runQuery } from "../../warehouse/src/run-query.js";
import { KEY_LAYOUTS, NO_STEP, keyLayoutFor, keyMaskSql, keySql, keyTimeSql } from "../../api/src/metrics/funnel/keys.js";
import { stepMaskSql } from "../../api/src/metrics/funnel/step-conditions.js";
import { userFunnelsSql } from "../../api/src/metrics/funnel/user-funnels-sql.js";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { T0, ev } from "../reference/funnel-examples.js";
import { referenceOutcomes } from "../reference/funnel.js";

const MIN = 60_000;
const MS = 1 / MIN; // one millisecond, in the minutes ev() takes
const step = (type: string, filters: Record<string, string> = {}): FunnelStep => equalityStep(type, filters);
const A = step("bot_started");
const B = step("lead");
const C = step("order");
const X = "message_sent"; // matches no step below
const resend = (event: Event): Event => ({ ...event });

let storage: Storage;
beforeAll(async () => {
  storage = await freshDatabase();
});

async function projectWith(events: Event[]): Promise<string> {
  const { projectId } = await createProject(storage);
  // Two inserts: a resend can sit in another part from its original, as in production before merges.
  await loadEventsInTwoParts(storage, projectId, events);
  return projectId;
}

const filtersFor = (projectId: string, range: [number, number], botId?: string) => ({
  projectId,
  fromMs: T0 + range[0] * MIN,
  toMs: T0 + range[1] * MIN,
  tz: "UTC",
  channels: undefined,
  botId,
  campaign: undefined,
  currency: undefined,
});

describe("funnel sort key", () => {
  const KeyRowSchema = z.object({ key_texts: z.array(z.coerce.string()), t: z.array(z.coerce.number()), m: z.array(z.coerce.number()) });

  /** The user's sorted, distinct keys as the generator builds them, decoded here and by the SQL decoders. */
  async function sortedKeys(steps: FunnelStep[], events: Event[], fromMinutes = 0) {
    const projectId = await projectWith(events);
    const layout = keyLayoutFor({ steps }, false);
    const mask = stepMaskSql(steps);
    const [row] = await runQuery(
      storage,
      `SELECT arrayMap(x -> toString(x), keys) AS key_texts, arrayMap(x -> ${keyTimeSql(layout, "x")}, keys) AS t, arrayMap(x -> ${keyMaskSql(layout, "x")}, keys) AS m FROM (
         SELECT arrayCompact(arraySort(groupArray(key))) AS keys FROM (
           SELECT ${mask.sql} AS mask, ${keySql(layout)} AS key FROM ${storage.database}.events WHERE project_id = {projectId:String}))`,
      { ...mask.params, projectId, fromMs: T0 + fromMinutes * MIN },
      KeyRowSchema,
    );
    const decode = (text: string) => {
      const key = BigInt(text);
      const field = (at: number, bits: number) => Number((key >> BigInt(at)) & ((1n << BigInt(bits)) - 1n));
      return { ms: Number(key >> BigInt(layout.ts)), first: field(layout.firstStep, 5), mask: field(layout.mask, 20) };
    };
    const decoded = row!.key_texts.map(decode);
    // The SQL decoders the modes use read the same fields.
    expect(row!.t).toEqual(decoded.map((d) => d.ms));
    expect(row!.m).toEqual(decoded.map((d) => d.mask));
    return { layout, decoded };
  }

  it("orders by time, then by first step matched, then by the set of steps, non-matching events last", async () => {
    const steps = [A, B, step("lead", { plan: "pro" })];
    const events = [
      ev("u", X, 1),
      ev("u", "lead", 1, { properties: { plan: "pro" } }),
      ev("u", "lead", 1),
      ev("u", "bot_started", 1),
      ev("u", "lead", 1 - MS),
      ev("u", "bot_started", 1 + MS),
    ];
    const { layout, decoded } = await sortedKeys(steps, events);
    expect(layout).toBe(KEY_LAYOUTS.withId);
    expect(decoded).toEqual([
      { ms: MIN - 1, first: 1, mask: 0b010 },
      { ms: MIN, first: 0, mask: 0b001 },
      { ms: MIN, first: 1, mask: 0b010 },
      { ms: MIN, first: 1, mask: 0b110 },
      { ms: MIN, first: NO_STEP, mask: 0 },
      { ms: MIN + 1, first: 0, mask: 0b001 },
    ]);
  });

  it("collapses a resend; keeps two events alike but for their id only when the key carries the id", async () => {
    const lead = ev("u", "lead", 2);
    const events = [ev("u", "bot_started", 0), lead, resend(lead), ev("u", "lead", 2)];
    // Distinct types: copies alike in time and steps are interchangeable, and the key drops the id.
    const withoutId = await sortedKeys([A, B], events);
    expect(withoutId.layout).toBe(KEY_LAYOUTS.withoutId);
    expect(withoutId.decoded.map((d) => d.ms)).toEqual([0, 2 * MIN]);
    // A repeated type: a second lead is a step of its own, a resend is not.
    const withId = await sortedKeys([A, B, B], events);
    expect(withId.layout).toBe(KEY_LAYOUTS.withId);
    expect(withId.decoded.map((d) => d.ms)).toEqual([0, 2 * MIN, 2 * MIN]);
  });

  it("holds the largest offset the limits allow, exactly, and clamps times before the range to 0", async () => {
    const largestMs = MAX_RANGE_DAYS * 86_400_000 + MAX_FUNNEL_WINDOW_SECONDS * 1000 - 1;
    const events = [ev("u", "lead", largestMs / MIN), ev("u", "bot_started", largestMs / MIN - MS), ev("u", "bot_started", -5), ev("u", "lead", 0)];
    for (const steps of [[A, B], [A, B, B]]) {
      const { decoded } = await sortedKeys(steps, events);
      expect(decoded.map(({ ms, first }) => [ms, first])).toEqual([
        [0, 0],
        [0, 1],
        [largestMs - 1, 0],
        [largestMs, 1],
      ]);
    }
  });
});

interface AttemptCase {
  name: string;
  steps: FunnelStep[];
  events: Event[];
  windowMinutes?: number;
  /** Minutes from T0; default [0, 60). */
  range?: [number, number];
  botId?: string;
  /** Per user: when each step 1..level was completed, in minutes from T0. Users not listed reach nothing. */
  expected: Record<string, number[]>;
  /** Per user: the chosen attempt's start, when it is not step 1's completion (any mode). */
  starts?: Record<string, number>;
}

// A Record over FunnelMode: a new mode does not compile until it has cases.
const CASES: Record<FunnelMode, AttemptCase[]> = {
  ordered: [
    {
      name: "other events between steps are fine; order matters",
      steps: [A, B, C],
      events: [ev("a", "bot_started", 0), ev("a", X, 1), ev("a", "lead", 2), ev("a", "order", 3), ev("b", "bot_started", 0), ev("b", "order", 1), ev("b", "lead", 2)],
      expected: { a: [0, 2, 3], b: [0, 2] },
    },
    {
      name: "ties in time: a later step in the same millisecond as the start sorts after it and counts",
      steps: [A, B, C],
      events: [ev("a", "order", 5), ev("a", "lead", 5), ev("a", "bot_started", 5), ev("b", "lead", 5), ev("b", "bot_started", 5 + MS)],
      expected: { a: [5, 5, 5], b: [5 + MS] },
    },
    {
      name: "repeated steps need as many events: two alike in one millisecond are two, a resend is one",
      steps: [B, B, B],
      events: (() => {
        const lead = ev("c", "lead", 1);
        return [ev("a", "lead", 1), ev("a", "lead", 1), ev("a", "lead", 1), ev("b", "lead", 1), ev("b", "lead", 2), lead, resend(lead), resend(lead)];
      })(),
      expected: { a: [1, 1, 1], b: [1, 2], c: [1] },
    },
    {
      name: "a repeated step around another: the second A must come after B",
      steps: [A, B, A],
      events: [ev("a", "bot_started", 0), ev("a", "lead", 1), ev("a", "bot_started", 2), ev("b", "bot_started", 0), ev("b", "bot_started", 1), ev("b", "lead", 2)],
      expected: { a: [0, 1, 2], b: [0, 2] },
    },
    {
      name: "the window is inclusive to the millisecond; a later start may still make it, and its times count",
      steps: [A, B],
      windowMinutes: 10,
      events: [ev("a", "bot_started", 0), ev("a", "lead", 10), ev("b", "bot_started", 0), ev("b", "lead", 10 + MS), ev("c", "bot_started", 0), ev("c", "bot_started", 1), ev("c", "lead", 11)],
      expected: { a: [0, 10], b: [0], c: [1, 11] },
    },
    {
      name: "a start is in [from, to); later steps may fall after to; events before from are not read",
      steps: [A, B],
      range: [10, 20],
      events: [ev("a", "bot_started", 20), ev("a", "lead", 21), ev("b", "bot_started", 20 - MS), ev("b", "lead", 25), ev("c", "bot_started", 10 - MS), ev("c", "lead", 12)],
      expected: { b: [20 - MS, 25] },
    },
    {
      name: "steps of one type whose filters differ match only their own events",
      steps: [step("button_clicked", { plan: "pro" }), step("button_clicked", { plan: "free" })],
      events: [
        ev("a", "button_clicked", 0, { properties: { plan: "pro" } }),
        ev("a", "button_clicked", 1, { properties: { plan: "free" } }),
        ev("b", "button_clicked", 0, { properties: { plan: "free" } }),
        ev("b", "button_clicked", 1, { properties: { plan: "pro" } }),
        ev("c", "button_clicked", 3, { properties: { plan: "free" } }),
        ev("c", "button_clicked", 3, { properties: { plan: "pro" } }),
        ev("d", "button_clicked", 0, { properties: { plan: "pro" } }),
        ev("d", "button_clicked", 1),
      ],
      expected: { a: [0, 1], b: [1], c: [3, 3], d: [0] },
    },
    {
      name: "one event matching two steps completes only one of them",
      steps: [step("button_clicked"), step("button_clicked", { plan: "pro" })],
      events: [ev("a", "button_clicked", 0, { properties: { plan: "pro" } }), ev("b", "button_clicked", 0), ev("b", "button_clicked", 1, { properties: { plan: "pro" } })],
      expected: { a: [0], b: [0, 1] },
    },
  ],
  strict: [
    {
      name: "any event between two steps ends the attempt",
      steps: [A, B],
      events: [ev("a", "bot_started", 0), ev("a", X, 1), ev("a", "lead", 2), ev("b", "bot_started", 0), ev("b", "lead", 1)],
      expected: { a: [0], b: [0, 1] },
    },
    {
      name: "ties in time: an unmatched event in the same millisecond sorts after the steps",
      steps: [A, B],
      events: [
        ev("a", X, 0),
        ev("a", "lead", 0),
        ev("a", "bot_started", 0),
        ev("b", "bot_started", 0),
        ev("b", X, 1),
        ev("b", "lead", 1),
        ev("c", "bot_started", 0),
        ev("c", X, 0),
        ev("c", "lead", 1),
      ],
      expected: { a: [0, 0], b: [0, 1], c: [0] },
    },
    {
      name: "a repeat of a step ends the attempt, and the repeat starts a new one",
      steps: [A, B, C],
      events: [ev("a", "bot_started", 0), ev("a", "bot_started", 1), ev("a", "lead", 2), ev("b", "bot_started", 0), ev("b", "lead", 1), ev("b", "lead", 2), ev("b", "order", 3)],
      expected: { a: [1, 2], b: [0, 1] },
    },
    {
      name: "a resend between two steps changes nothing; a second event alike but for its id ends the attempt",
      steps: [A, B, C],
      events: (() => {
        const lead = ev("a", "lead", 1);
        return [ev("a", "bot_started", 0), lead, resend(lead), ev("a", "order", 2), ev("b", "bot_started", 0), ev("b", "lead", 1), ev("b", "lead", 1), ev("b", "order", 2)];
      })(),
      expected: { a: [0, 1, 2], b: [0, 1] },
    },
    {
      name: "repeated steps: consecutive events of the type, alike ones in one millisecond included",
      steps: [B, B, B],
      events: [ev("a", "lead", 1), ev("a", "lead", 1), ev("a", "lead", 2), ev("b", "lead", 1), ev("b", X, 2), ev("b", "lead", 3), ev("b", "lead", 4)],
      expected: { a: [1, 1, 2], b: [3, 4] },
    },
    {
      name: "the window is inclusive to the millisecond",
      steps: [A, B],
      windowMinutes: 10,
      events: [ev("a", "bot_started", 0), ev("a", "lead", 10), ev("b", "bot_started", 0), ev("b", "lead", 10 + MS)],
      expected: { a: [0, 10], b: [0] },
    },
    {
      name: "events out of scope (another bot, before from) separate nothing; the window still bounds",
      steps: [A, B],
      range: [10, 20],
      windowMinutes: 5,
      botId: "bot-a",
      events: [
        ev("a", X, 10 - MS),
        ev("a", "bot_started", 12),
        ev("a", X, 13, { botId: "bot-b" }),
        ev("a", "lead", 17),
        ev("b", "bot_started", 19),
        ev("b", "lead", 24),
        ev("b", X, 24 + MS),
        ev("c", "bot_started", 19),
        ev("c", "lead", 24 + MS),
      ],
      expected: { a: [12, 17], b: [19, 24], c: [19] },
    },
    {
      name: "steps of one type whose filters differ: an event of the type matching neither ends the attempt",
      steps: [step("button_clicked", { plan: "pro" }), step("button_clicked", { plan: "free" })],
      events: [
        ev("a", "button_clicked", 0, { properties: { plan: "pro" } }),
        ev("a", "button_clicked", 1, { properties: { plan: "free" } }),
        ev("b", "button_clicked", 0, { properties: { plan: "pro" } }),
        ev("b", "button_clicked", 1, { properties: { plan: "basic" } }),
        ev("b", "button_clicked", 2, { properties: { plan: "free" } }),
      ],
      expected: { a: [0, 1], b: [0] },
    },
  ],
  any: [
    {
      name: "steps in any order within the window, the start being one of them",
      steps: [A, B, C],
      events: [ev("a", "order", 0), ev("a", "lead", 1), ev("a", "bot_started", 2), ev("b", "lead", 0), ev("b", "order", 1), ev("c", "bot_started", 0), ev("c", "order", 1)],
      expected: { a: [2, 2, 2], c: [0] },
      starts: { a: 0 },
    },
    {
      name: "ties in time: steps in one millisecond all count, from the start sorting first",
      steps: [A, B, C],
      events: [ev("a", "order", 5), ev("a", "bot_started", 5), ev("a", "lead", 5), ev("b", "lead", 5), ev("b", "bot_started", 5 + MS)],
      expected: { a: [5, 5, 5], b: [5 + MS, 5 + MS] },
      starts: { b: 5 },
    },
    {
      name: "a step completes when it and all steps before it have occurred",
      steps: [A, B, C],
      events: [ev("a", "bot_started", 0), ev("a", "order", 1), ev("a", "lead", 3)],
      expected: { a: [0, 3, 3] },
    },
    {
      name: "the window is inclusive to the millisecond, from the start forward",
      steps: [A, B],
      windowMinutes: 10,
      events: [ev("a", "lead", 0), ev("a", "bot_started", 10), ev("b", "lead", 0), ev("b", "bot_started", 10 + MS), ev("c", "bot_started", 0), ev("c", "lead", 10 + MS)],
      expected: { a: [10, 10], b: [10 + MS], c: [0] },
      starts: { a: 0 },
    },
    {
      name: "repeated steps: one event satisfies every step it matches",
      steps: [B, B],
      events: [ev("a", "lead", 1), ev("b", "bot_started", 0)],
      expected: { a: [1, 1] },
    },
    {
      name: "steps of one type whose filters differ: each needs its own match, one event may match both",
      steps: [step("button_clicked"), step("button_clicked", { plan: "pro" })],
      events: [
        ev("a", "button_clicked", 0, { properties: { plan: "pro" } }),
        ev("b", "button_clicked", 0, { properties: { plan: "free" } }),
        ev("c", "button_clicked", 0, { properties: { plan: "pro" } }),
        ev("c", "button_clicked", 1),
        ev("d", "button_clicked", 0),
        ev("d", "button_clicked", 2, { properties: { plan: "pro" } }),
      ],
      expected: { a: [0, 0], b: [0], c: [0, 0], d: [0, 2] },
    },
    {
      name: "a start must be one of the steps its attempt completes: a later start is chosen then",
      steps: [A, B, C, step("resolved")],
      events: [ev("a", "resolved", 0), ev("a", "lead", 1), ev("a", "bot_started", 2), ev("b", "lead", 0), ev("b", "bot_started", 1)],
      expected: { a: [2, 2], b: [1, 1] },
      starts: { a: 1, b: 0 },
    },
    {
      name: "a start is in [from, to); the other steps may come after to",
      steps: [A, B],
      range: [10, 20],
      events: [ev("a", "lead", 9), ev("a", "bot_started", 11), ev("b", "lead", 20), ev("b", "bot_started", 25), ev("c", "lead", 19), ev("c", "bot_started", 21)],
      expected: { a: [11], c: [21, 21] },
      starts: { c: 19 },
    },
  ],
};

const UserRowSchema = z.object({ user_id: z.string(), level: z.coerce.number(), start_rel: z.coerce.number(), completed: z.array(z.coerce.number()) });

describe.each(Object.keys(CASES) as FunnelMode[])("funnel attempts, %s mode", (mode) => {
  it.each(CASES[mode])("$name", async ({ steps, events, windowMinutes = 60, range = [0, 60], botId, expected, starts = {} }) => {
    const projectId = await projectWith(events);
    const filters = filtersFor(projectId, range, botId);
    const definition = { steps, window: windowMinutes * 60, mode, breakdown: [] };
    const query = userFunnelsSql(storage.database, filters, definition);
    const rows = await runQuery(storage, `SELECT user_id, level, start_rel, completed FROM (${query.sql}) ORDER BY user_id`, query.params, UserRowSchema);
    // Compared in ms from T0: minutes with a millisecond in them are not exact floats.
    const ms = (minutes: number) => Math.round(minutes * MIN);
    const want = Object.fromEntries(Object.entries(expected).map(([user, at]) => [user, { start: ms(starts[user] ?? at[0]!), completed: at.map(ms) }]));
    const fromT0 = (relMs: number) => filters.fromMs + relMs - T0;
    const got = Object.fromEntries(rows.map((row) => [row.user_id, { start: fromT0(row.start_rel), completed: row.completed.map(fromT0) }]));
    for (const row of rows) expect(row.completed, row.user_id).toHaveLength(row.level);
    expect(got).toEqual(want);
    // The hand-written answer is the written definition's, as the reference computes it.
    const reference = referenceOutcomes(events, { fromMs: filters.fromMs, toMs: filters.toMs, botId }, { steps, windowSeconds: windowMinutes * 60, mode });
    const referenceGot = reference.map((o) => [o.userId, { start: o.completedAtMs[0]! - o.offsetsMs[0]! - T0, completed: o.completedAtMs.map((at) => at! - T0) }]);
    expect(Object.fromEntries(referenceGot)).toEqual(want);
  });
});
