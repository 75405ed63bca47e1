/**
 * Optional steps and hold constant on hand-made streams whose figures are worked out in the comments (from
 * the definitions in schemas/src/api/funnel.ts, not from the reference), plus their bad input: 400s naming
 * the parameter and the step.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import type { Event } from "@chatfunnel/schemas";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

const T0 = Date.UTC(2026, 4, 12, 9, 0);
const MIN = 60_000;
let serial = 0;
const ev = (userId: string, type: string, minute: number, properties: Record<string, string | number> = {}): Event => ({
  id: `00000000-0000-4000-8000-${(++serial).toString(16).padStart(12, "0")}`,
  type,
  channel: "telegram",
  botId: "shop_bot",
  userId,
  timestamp: new Date(T0 + minute * MIN).toISOString(),
  properties,
});

let storage: Storage;
let testApp: TestApp;
let readKey: string;

beforeAll(async () => {
  storage = await freshDatabase();
  testApp = createTestApp(storage);
  const project = await createProject(storage);
  readKey = project.readKey;
  await loadEventsInTwoParts(storage, project.projectId, [
    // u1 takes every step; u2 skips `subscribed`; u3 subscribes and stops; u4 skips it and stops at lead.
    ev("u1", "bot_started", 0), ev("u1", "subscribed", 1), ev("u1", "lead", 2), ev("u1", "order", 3, { orderId: "A" }), ev("u1", "review", 4, { orderId: "A" }),
    ev("u2", "bot_started", 0), ev("u2", "lead", 5), ev("u2", "order", 10, { orderId: "B" }), ev("u2", "review", 20, { orderId: "C" }),
    ev("u3", "bot_started", 0), ev("u3", "subscribed", 2),
    ev("u4", "bot_started", 0), ev("u4", "lead", 1),
    // u5 never started the bot: with `?bot_started` it enters at lead.
    ev("u5", "lead", 0), ev("u5", "order", 1, { orderId: "D" }),
  ]);
});
afterAll(async () => testApp.close());

const get = (query: string) => request(testApp.app).get(`/api/v1/funnel?from=2026-05-12&to=2026-05-13&${query}`).set({ Authorization: `Bearer ${readKey}` });
const figures = (body: { steps: Array<{ users: number; conversionFromPrevious: number | null; dropOff: number; conversionFromFirst: number | null }> }) =>
  body.steps.map((s) => [s.users, s.conversionFromPrevious, s.dropOff, s.conversionFromFirst]);

describe("optional steps", () => {
  it("count a step where the chain took it, and convert from the nearest earlier required step", async () => {
    const res = await get("steps=bot_started&steps=?subscribed&steps=lead&steps=order");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Entered: u1..u4 (u5 has no bot_started). subscribed: u1, u3 of the 4 at bot_started; lead: u1, u2, u4 of
    // the 4 at bot_started (not of subscribed's 2); order: u1, u2 of lead's 3.
    expect(figures(res.body)).toEqual([
      [4, 1, 0, 1],
      [2, 0.5, 2, 0.5],
      [3, 0.75, 1, 0.75],
      [2, 2 / 3, 1, 0.5],
    ]);
    expect(res.body.steps[1].text).toBe("?subscribed");
    // From previous: lead after the previous TAKEN step: u1 1 min after subscribed, u2 5 min, u4 1 min after bot_started.
    expect(res.body.steps[2].medianSecondsFromPrevious).toBe(60);
    expect(res.body.steps[2].meanSecondsFromPrevious).toBe(140);
  });

  it("an optional first step: users enter at whichever step their chain starts", async () => {
    const res = await get("steps=?bot_started&steps=lead&steps=order");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Entered: u1..u5 (u3 only through bot_started). bot_started: u1..u4 of 5; lead: u1, u2, u4, u5 of the 5 who
    // entered; order: u1, u2, u5 of lead's 4. u5's times are from its own start, lead.
    expect(figures(res.body)).toEqual([
      [4, 0.8, 1, 0.8],
      [4, 0.8, 1, 0.8],
      [3, 0.75, 1, 0.6],
    ]);
    const dropoff = await request(testApp.app)
      .get("/api/v1/funnel/dropoff?from=2026-05-12&to=2026-05-13&steps=?bot_started&steps=lead&steps=order&step=2")
      .set({ Authorization: `Bearer ${readKey}` });
    // Lost between entering and lead: u3, reached at its start.
    expect(dropoff.body.users).toEqual([{ channel: "telegram", userId: "u3", reachedAt: new Date(T0).toISOString() }]);
  });

  it("an optional last step: its users took it; trends convert at the last required step", async () => {
    const res = await get("steps=bot_started&steps=order&steps=?review");
    expect(figures(res.body)).toEqual([
      [4, 1, 0, 1],
      [2, 0.5, 2, 0.5],
      [2, 1, 0, 0.5],
    ]);
    const trends = await request(testApp.app)
      .get("/api/v1/funnel/trends?from=2026-05-12&to=2026-05-13&steps=bot_started&steps=order&steps=?review&interval=day")
      .set({ Authorization: `Bearer ${readKey}` });
    expect(trends.status, JSON.stringify(trends.body)).toBe(200);
    expect(trends.body.points[0]).toMatchObject({ entered: 4, converted: 2 });
  });
});

describe("optional steps and breakdown groups", () => {
  it("rank the groups by the users who entered, not by those who took an optional step 1", async () => {
    const project = await createProject(storage);
    await loadEventsInTwoParts(storage, project.projectId, [
      // Telegram: two users enter at lead (no bot_started); VK: one user takes both steps.
      { ...ev("t1", "lead", 1) },
      { ...ev("t2", "lead", 1) },
      { ...ev("v1", "bot_started", 0), channel: "vk" },
      { ...ev("v1", "lead", 1), channel: "vk" },
    ]);
    const res = await request(testApp.app)
      .get("/api/v1/funnel?from=2026-05-12&to=2026-05-13&steps=?bot_started&steps=lead&breakdown=channel")
      .set({ Authorization: `Bearer ${project.readKey}` });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Telegram has 2 who entered (0 at step 1), VK 1 (1 at step 1): Telegram first.
    expect(res.body.breakdowns.map((g: { values: { channel: string } }) => g.values.channel)).toEqual(["telegram", "vk"]);
    expect(res.body.breakdowns.map((g: { steps: Array<{ users: number }> }) => g.steps.map((s) => s.users))).toEqual([[0, 2], [1, 1]]);
  });
});

describe("optional steps in any mode", () => {
  it("an optional step counts where it occurs within the window, before the start's other steps too", async () => {
    const project = await createProject(storage);
    await loadEventsInTwoParts(storage, project.projectId, [
      // u6 subscribed a minute before starting the bot; u7 never subscribed; u8 never started the bot.
      ev("u6", "subscribed", 0), ev("u6", "bot_started", 1), ev("u6", "lead", 2),
      ev("u7", "bot_started", 0), ev("u7", "lead", 1),
      ev("u8", "subscribed", 0),
    ]);
    const query = (mode: string) =>
      request(testApp.app).get(`/api/v1/funnel?from=2026-05-12&to=2026-05-13&steps=bot_started&steps=?subscribed&steps=lead&mode=${mode}`).set({ Authorization: `Bearer ${project.readKey}` });
    const any = await query("any");
    expect(any.status, JSON.stringify(any.body)).toBe(200);
    // Entered: u6, u7 (u8 lacks the required bot_started). In any order u6's start is its subscribed at 0
    // (taking step 2 beats skipping it), so subscribed counts u6 of the 2; lead: both.
    expect(figures(any.body)).toEqual([
      [2, 1, 0, 1],
      [1, 0.5, 1, 0.5],
      [2, 1, 0, 1],
    ]);
    // Lead from the start: u6 2 min, u7 1 min. From the previous taken step: u6's subscribed completes with its
    // bot_started at 1 min (a step completes when every taken step up to it has occurred), u7's bot_started at 0.
    expect(any.body.steps[2].medianSecondsToConvert).toBe(90);
    expect(any.body.steps[2].medianSecondsFromPrevious).toBe(60);
    // In order, u6's subscribed is before its bot_started: skipped.
    const ordered = await query("ordered");
    expect(figures(ordered.body)).toEqual([
      [2, 1, 0, 1],
      [0, 0, 2, 0],
      [2, 1, 0, 1],
    ]);
  });
});

describe("optional steps in strict mode", () => {
  // Each case loads its own users into a project of its own, so the figures below count only them.
  const strictFunnel = async (events: Event[], query: string) => {
    const project = await createProject(storage);
    await loadEventsInTwoParts(storage, project.projectId, events);
    const at = (path: string, more = "", steps = query) =>
      request(testApp.app).get(`/api/v1/${path}?from=2026-05-12&to=2026-05-13&${steps}${more}`).set({ Authorization: `Bearer ${project.readKey}` });
    const res = await at("funnel");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { body: res.body, at };
  };

  it("a run may skip an optional step; any other event between, or a repeat, ends it", async () => {
    const events = [
      // s1 takes every step; s2 skips subscribed; s3's message_sent between bot_started and lead ends its run at
      // bot_started; s4 subscribes twice: the second is not lead (the only step after subscribed), so it stops at subscribed.
      ev("s1", "bot_started", 0), ev("s1", "subscribed", 1), ev("s1", "lead", 2),
      ev("s2", "bot_started", 0), ev("s2", "lead", 1),
      ev("s3", "bot_started", 0), ev("s3", "message_sent", 1), ev("s3", "lead", 2),
      ev("s4", "bot_started", 0), ev("s4", "subscribed", 1), ev("s4", "subscribed", 2), ev("s4", "lead", 3),
    ];
    const { body, at } = await strictFunnel(events, "steps=bot_started&steps=?subscribed&steps=lead&mode=strict");
    // Entered: all 4. subscribed: s1, s4 of bot_started's 4; lead: s1, s2 of bot_started's 4 (its nearest
    // earlier required step).
    expect(figures(body)).toEqual([
      [4, 1, 0, 1],
      [2, 0.5, 2, 0.5],
      [2, 0.5, 2, 0.5],
    ]);
    // lead from the start: s1 2 min, s2 1 min; from the previous taken step: s1 from subscribed, s2 from bot_started, both 1 min.
    expect(body.steps[2].medianSecondsToConvert).toBe(90);
    expect(body.steps[2].medianSecondsFromPrevious).toBe(60);
    expect(body.steps[2].meanSecondsFromPrevious).toBe(60);
    // In ordered mode the separator and the repeat do not matter: s3 and s4 reach lead too.
    const ordered = await at("funnel", "", "steps=bot_started&steps=?subscribed&steps=lead&mode=ordered");
    expect(ordered.body.steps.map((step: { users: number }) => step.users)).toEqual([4, 2, 4]);
  });

  it("an event matching two steps takes whichever reaches further, then the step taken rather than skipped", async () => {
    const events = [
      // x5's order is either ?order (then nothing follows: level 2) or order (level 3, skipping ?order): it reaches order.
      ev("x5", "lead", 0), ev("x5", "order", 1),
      // x6: lead, order as ?order, order as order reaches order taking ?order, which beats skipping it (lead, order at 1 as order).
      ev("x6", "lead", 0), ev("x6", "order", 1), ev("x6", "order", 2),
    ];
    const { body } = await strictFunnel(events, "steps=lead&steps=?order&steps=order&mode=strict");
    // lead: both; ?order: x6 of lead's 2; order: both, of lead's 2.
    expect(figures(body)).toEqual([
      [2, 1, 0, 1],
      [1, 0.5, 1, 0.5],
      [2, 1, 0, 1],
    ]);
    // order from the start: x5 1 min, x6 2 min (its order at 2); from the previous taken step: 1 min each.
    expect(body.steps[2].medianSecondsToConvert).toBe(90);
    expect(body.steps[2].medianSecondsFromPrevious).toBe(60);
    // ?order's time is x6's order at 1 min.
    expect(body.steps[1].medianSecondsToConvert).toBe(60);
  });

  it("an optional first and last step: the run starts at whichever step it can", async () => {
    const events = [
      // f1 takes all three; f2 enters at lead and orders; f3's run from bot_started ends at message_sent, but a run
      // from its lead reaches lead (further), so it is counted at lead and not at bot_started; f4 only starts the
      // bot; f5's first lead is followed by a lead (not ?order): its run from the second lead reaches order.
      ev("f1", "bot_started", 0), ev("f1", "lead", 1), ev("f1", "order", 2),
      ev("f2", "lead", 0), ev("f2", "order", 1),
      ev("f3", "bot_started", 0), ev("f3", "message_sent", 1), ev("f3", "lead", 2),
      ev("f4", "bot_started", 0),
      ev("f5", "lead", 0), ev("f5", "lead", 1), ev("f5", "order", 2),
    ];
    const query = "steps=?bot_started&steps=lead&steps=?order&mode=strict";
    const { body, at } = await strictFunnel(events, query);
    // Entered: 5. ?bot_started: f1, f4 (of the 5 who entered); lead: f1, f2, f3, f5 (of the 5: no required step
    // before it); ?order: f1, f2, f5 of lead's 4.
    expect(figures(body)).toEqual([
      [2, 0.4, 3, 0.4],
      [4, 0.8, 1, 0.8],
      [3, 0.75, 1, 0.6],
    ]);
    // lead from the start: f1 1 min, f2, f3, f5 0 (they start at it); order: f1 2 min, f2 1, f5 1 (from its second lead).
    expect(body.steps[1].meanSecondsToConvert).toBe(15);
    expect(body.steps[2].medianSecondsToConvert).toBe(60);
    expect(body.steps[2].meanSecondsToConvert).toBe(80);
    // Lost between entering and lead: f4, reached at its start.
    const dropoff = await at("funnel/dropoff", "&step=2");
    expect(dropoff.body.users).toEqual([{ channel: "telegram", userId: "f4", reachedAt: new Date(T0).toISOString() }]);
    // Trends: converted at lead, the last required step: 4 of 5.
    const trends = await at("funnel/trends", "&interval=day");
    expect(trends.body.points[0]).toMatchObject({ entered: 5, converted: 4 });
  });

  it("a per-step window counts from the previous taken step", async () => {
    const events = [
      // lead<=10m: w1's lead is 4 min after subscribed; w2's 7 min after subscribed though 15 after bot_started;
      // w3 skips subscribed and its lead is 15 min after bot_started (too late: it stays at bot_started); w4's lead
      // is 11 min after subscribed (it stays at subscribed).
      ev("w1", "bot_started", 0), ev("w1", "subscribed", 1), ev("w1", "lead", 5),
      ev("w2", "bot_started", 0), ev("w2", "subscribed", 8), ev("w2", "lead", 15),
      ev("w3", "bot_started", 0), ev("w3", "lead", 15),
      ev("w4", "bot_started", 0), ev("w4", "subscribed", 2), ev("w4", "lead", 13),
    ];
    const { body } = await strictFunnel(events, "steps=bot_started&steps=?subscribed&steps=lead<=10m&mode=strict");
    expect(figures(body)).toEqual([
      [4, 1, 0, 1],
      [3, 0.75, 1, 0.75],
      [2, 0.5, 2, 0.5],
    ]);
    // lead from subscribed: w1 4 min, w2 7 min.
    expect(body.steps[2].medianSecondsFromPrevious).toBe(330);
  });

  it("hold: each next event of the run carries the start's value", async () => {
    const events = [
      // h1 pays and reviews order A; h2 reviews A without paying; h3's payment is of B, the very next event: it
      // neither carries A nor is a review, so h3 stays at order; h4's order has no orderId: it goes no further.
      ev("h1", "order", 0, { orderId: "A" }), ev("h1", "payment", 1, { orderId: "A" }), ev("h1", "review", 2, { orderId: "A" }),
      ev("h2", "order", 0, { orderId: "A" }), ev("h2", "review", 1, { orderId: "A" }),
      ev("h3", "order", 0, { orderId: "A" }), ev("h3", "payment", 1, { orderId: "B" }), ev("h3", "review", 2, { orderId: "A" }),
      ev("h4", "order", 0), ev("h4", "review", 1, { orderId: "A" }),
    ];
    const { body } = await strictFunnel(events, "steps=order&steps=?payment&steps=review&hold=orderId&mode=strict");
    expect(figures(body)).toEqual([
      [4, 1, 0, 1],
      [1, 0.25, 3, 0.25],
      [2, 0.5, 2, 0.5],
    ]);
  });

  it("answers the longest funnel: 20 steps, every other one optional, per-step windows, hold and a property at its last step", async () => {
    // One event matching every step each 9 minutes: the run from the first takes steps 1..20 in order (taking a
    // step beats skipping it), step k at minute 9(k − 1), each within 10 minutes of the previous and carrying
    // oid A; step 20's event is the 20th, plan p19. The query tree of 2 × 20 passes must stay within the
    // engine's limits.
    const events = Array.from({ length: 21 }, (_, i) => ev("long", "message_received", i * 9, { plan: `p${i}`, oid: "A" }));
    const steps = Array.from({ length: 20 }, (_, k) => `steps=${encodeURIComponent(k === 0 ? "message_received" : `${k % 2 === 1 ? "?" : ""}message_received<=10m`)}`).join("&");
    const { body } = await strictFunnel(events, `${steps}&mode=strict&hold=oid&breakdown=properties.plan&breakdownAttribution=step:20`);
    expect(body.steps.map((step: { users: number }) => step.users)).toEqual(Array.from({ length: 20 }, () => 1));
    expect(body.steps[19].medianSecondsToConvert).toBe(19 * 9 * 60);
    expect(body.breakdowns.map((g: { values: Record<string, string | null> }) => g.values["properties.plan"])).toEqual(["p19"]);
  });
});

describe("hold", () => {
  it("later steps carry the first step's value; a first step without it goes no further", async () => {
    const free = await get("steps=order&steps=review");
    const held = await get("steps=order&steps=review&hold=orderId");
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    // u2's review is of another order (C after B): it converts only without hold.
    expect(free.body.steps.map((s: { users: number }) => s.users)).toEqual([3, 2]);
    expect(held.body.steps.map((s: { users: number }) => s.users)).toEqual([3, 1]);
    const strict = await get("steps=order&steps=review&hold=orderId&mode=strict");
    expect(strict.body.steps.map((s: { users: number }) => s.users)).toEqual([3, 1]);
    // bot_started has no orderId: with it first, nobody reaches a step carrying "its" value.
    const none = await get("steps=bot_started&steps=order&hold=orderId");
    expect(none.body.steps.map((s: { users: number }) => s.users)).toEqual([4, 0]);
  });
});

describe("hold in strict mode, events in one millisecond", () => {
  // Each user orders (orderId A) at minute 0, then reviews twice at minute 1: once of order A, once without an
  // orderId, with the two ids in both orders across users (so an order by id would put the one without first
  // for some). Held values order ties, those carrying one first: every user's next event is review A.
  // u9 orders B and reviews A and B at minute 1: A sorts before B, so the next event is review A, and u9
  // stops at order.
  const tied = (userId: string, withoutFirst: boolean): Event[] => {
    const held = ev(userId, "review", 1, { orderId: "A" });
    const bare = ev(userId, "review", 1);
    return [ev(userId, "order", 0, { orderId: "A" }), ...(withoutFirst ? [bare, held] : [held, bare])];
  };
  let key = "";
  beforeAll(async () => {
    const project = await createProject(storage);
    key = project.readKey;
    const users = ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"];
    await loadEventsInTwoParts(storage, project.projectId, [
      ...users.flatMap((userId, index) => tied(userId, index % 2 === 0)),
      ev("u9", "order", 0, { orderId: "B" }), ev("u9", "review", 1, { orderId: "B" }), ev("u9", "review", 1, { orderId: "A" }),
    ]);
  });
  it("takes the tied event carrying a value first, the smallest value first", async () => {
    const res = await request(testApp.app)
      .get("/api/v1/funnel?from=2026-05-12&to=2026-05-13&steps=order&steps=review&hold=orderId&mode=strict")
      .set({ Authorization: `Bearer ${key}` });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.steps.map((s: { users: number }) => s.users)).toEqual([9, 8]);
  });
});

describe("bad input", () => {
  const refused = async (query: string, parameter: string, says: RegExp) => {
    const res = await get(query);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.message).toContain(`'${parameter}'`);
    expect(JSON.stringify(res.body)).toMatch(says);
  };
  it("names the parameter and the step", async () => {
    await refused("steps=?lead&steps=?order", "steps", /at least one step must be required/);
    await refused("steps=lead&steps=order&exclude=?handoff", "exclude", /cannot be optional/);
    await refused("steps=lead&steps=order[orderId!?]&hold=orderId", "hold", /steps\[1\]/);
    await refused(`steps=lead&steps=order&hold=${"x".repeat(200)}`, "hold", /hold/);
    await refused("steps=lead&steps=order<=1h&mode=any", "steps", /steps\[1\]/);
    await refused("steps=lead&steps=order&exclude=handoff&mode=any", "exclude", /order/);
  });
});
