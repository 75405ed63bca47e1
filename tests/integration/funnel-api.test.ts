/**
 * /api/v1/funnel and /api/v1/funnel/dropoff over HTTP on the real engine: the hand-computed examples, the 400s
 * naming their parameter, CSV and paging of drop-offs, breakdown groups and their cap.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { toEventRow } from "@chatfunnel/warehouse";
import { FunnelDropoffResponseSchema, FunnelResponseSchema, MAX_FUNNEL_BREAKDOWN_GROUPS, funnelStepText, type Event } from "@chatfunnel/schemas";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { FUNNEL_EXAMPLES, T0, ev } from "../reference/funnel-examples.js";
import { funnelWithBound } from "../support/funnel-bound.js";

const MIN = 60_000;
const iso = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();

describe("funnel API", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  async function projectWith(events: Event[]): Promise<{ get: (path: string, accept?: string) => request.Test; withBound: (path: string, plainRows: number) => Promise<{ body: unknown; ranked: boolean }> }> {
    const project = await createProject(storage);
    if (events.length > 0) {
      await storage.insertRows("events", events.map((e) => toEventRow(project.projectId, e, Date.now())));
    }
    return {
      get: (path, accept) => {
        const req = request(testApp.app).get(path).set("Authorization", `Bearer ${project.readKey}`);
        return accept ? req.set("Accept", accept) : req;
      },
      // The same funnel with another bound on the rows of the plain breakdown query (0: the ranked query answers).
      withBound: (path, plainRows) => funnelWithBound(storage, project.projectId, new URL(path, "http://x").searchParams, plainRows),
    };
  }

  it.each(FUNNEL_EXAMPLES)("answers the hand-computed example: $name", async (example) => {
    const api = await projectWith(example.events);
    const params = new URLSearchParams({ from: iso(example.range[0]), to: iso(example.range[1]), mode: example.mode, window: `${example.windowMinutes}m` });
    for (const step of example.steps) params.append("steps", funnelStepText(step));
    for (const exclusion of example.exclude ?? []) params.append("exclude", exclusion);
    const res = await api.get(`/api/v1/funnel?${params}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = FunnelResponseSchema.parse(res.body);
    expect(body.steps.map((s) => s.users)).toEqual(example.users);
    if (example.median) expect(body.steps.map((s) => s.medianSecondsToConvert)).toEqual(example.median);
    if (example.mean) expect(body.steps.map((s) => s.meanSecondsToConvert)).toEqual(example.mean);
    if (example.medianFromPrevious) expect(body.steps.map((s) => s.medianSecondsFromPrevious)).toEqual(example.medianFromPrevious);
    if (example.meanFromPrevious) expect(body.steps.map((s) => s.meanSecondsFromPrevious)).toEqual(example.meanFromPrevious);
    expect(body.steps[0]).toMatchObject({ index: 1, conversionFromFirst: example.users[0] === 0 ? null : 1, dropOff: 0 });
  });

  it("rejects bad parameters with a 400 naming each", async () => {
    const api = await projectWith([]);
    const base = `from=${iso(0)}&to=${iso(60)}`;
    const cases: [string, string][] = [
      [`/api/v1/funnel?${base}`, "steps"],
      [`/api/v1/funnel?${base}&steps=lead`, "steps"],
      [`/api/v1/funnel?${base}&steps=lead&steps=Order`, "steps"],
      [`/api/v1/funnel?${base}&steps=lead&steps=order[plan]`, "steps"],
      [`/api/v1/funnel?${base}&steps=lead&steps=order&window=100d`, "window"],
      [`/api/v1/funnel?${base}&steps=lead&steps=order&mode=loose`, "mode"],
      [`/api/v1/funnel?${base}&steps=lead&steps=order&breakdown=user_id`, "breakdown"],
      [`/api/v1/funnel?from=${iso(60)}&to=${iso(0)}&steps=lead&steps=order`, "to"],
      [`/api/v1/funnel/dropoff?${base}&steps=lead&steps=order`, "step"],
      [`/api/v1/funnel/dropoff?${base}&steps=lead&steps=order&step=3`, "step"],
      [`/api/v1/funnel/dropoff?${base}&steps=lead&steps=order&step=2&limit=0`, "limit"],
    ];
    for (const [path, parameter] of cases) {
      const res = await api.get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe("invalid_parameter");
      expect(res.body.error.message, path).toContain(`'${parameter}'`);
    }
    // Per-step windows: not on the first step, not in any mode, a window's grammar and bound.
    for (const [query, message] of [
      ["steps=lead<=1h&steps=order", "steps[0]"],
      ["steps=lead&steps=order<=1h&mode=any", "steps[1]"],
      ["steps=lead&steps=order<=1w", "steps[1]"],
      ["steps=lead&steps=order<=91d", "steps[1]"],
      [`steps=lead&steps=${encodeURIComponent('{"type":"order","within":30}')}`, "steps[1]"],
    ] as const) {
      const res = await api.get(`/api/v1/funnel?${base}&${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.message, query).toContain("'steps'");
      expect(res.body.error.message, query).toContain(message);
    }
    // Exclusions: a range inside the funnel, from an earlier step to a later one; not in any mode; a step's grammar.
    for (const [query, message] of [
      ["steps=lead&steps=order&exclude=handoff:1-3", "past the last step"],
      ["steps=lead&steps=order&exclude=handoff:2-1", "exclude[0]"],
      ["steps=lead&steps=order&exclude=handoff&mode=any", "needs an order"],
      ["steps=lead&steps=order&exclude=handoff&exclude=Bad", "exclude[1]"],
      ["steps=lead&steps=order&exclude=handoff<=1h", "per-step window"],
      [`steps=lead&steps=order${"&exclude=handoff".repeat(6)}`, "at most 5"],
    ] as const) {
      const res = await api.get(`/api/v1/funnel?${base}&${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.message, query).toContain("'exclude'");
      expect(res.body.error.message, query).toContain(message);
    }
    // A step the grammar cannot read names its position: steps[2] is the third.
    for (const bad of ["order[a!x]", "order[amount>many]", '{"type":"order","filters":[{"property":"a","op":"like","value":"x"}]}', "order[utm?yes]", "lead|"]) {
      const res = await api.get(`/api/v1/funnel?${base}&steps=lead&steps=order&steps=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.message, bad).toContain("'steps'");
      expect(res.body.error.message, bad).toContain("steps[2]");
      expect(res.body.error.details[0].path, bad).toBe("steps.2");
    }
  });

  it("answers time-to-convert bins per step when asked, and refuses a bins count out of bounds", async () => {
    const events = [0, 1, 2, 4].flatMap((minutes, i) => [ev(`b${i}`, "bot_started", 0), ev(`b${i}`, "lead", minutes)]);
    const api = await projectWith(events);
    const base = `from=${iso(0)}&to=${iso(60)}&steps=bot_started&steps=lead`;
    const body = FunnelResponseSchema.parse((await api.get(`/api/v1/funnel?${base}&bins=2`)).body);
    expect(body.timeToConvertBins).toEqual([{ step: 2, bins: [{ fromSeconds: 0, toSeconds: 120, users: 2 }, { fromSeconds: 120, toSeconds: 240, users: 2 }] }]);
    expect((await api.get(`/api/v1/funnel?${base}`)).body).not.toHaveProperty("timeToConvertBins");
    for (const bad of ["0", "51", "1.5", "x"]) {
      const res = await api.get(`/api/v1/funnel?${base}&bins=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.message, bad).toContain("'bins'");
    }
  });

  it("answers the longest funnel with a per-step window on every step, five exclusions and a property at its last step", async () => {
    // 20 steps each within 10 minutes of the previous: the windowed ordered SQL's query tree once outgrew the
    // engine's limit (a 500) at this size.
    const events = Array.from({ length: 21 }, (_, i) => ev("long", "message_received", i * 9, { properties: { plan: `p${i}` } }));
    const api = await projectWith(events);
    const steps = Array.from({ length: 20 }, (_, k) => `steps=${encodeURIComponent(k === 0 ? "message_received" : "message_received<=10m")}`).join("&");
    for (const mode of ["ordered", "strict"]) {
      const exclusions = ["handoff", "lead:2-20", "order:1-19", "message_sent:5-6", "button_clicked"].map((x) => `exclude=${encodeURIComponent(x)}`).join("&");
      const res = await api.get(`/api/v1/funnel?from=${iso(0)}&to=${iso(60)}&window=1d&mode=${mode}&${steps}&${exclusions}&breakdown=properties.plan&breakdownAttribution=step:20`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const body = FunnelResponseSchema.parse(res.body);
      expect(body.steps.map((s) => s.users)).toEqual(Array.from({ length: 20 }, () => 1));
      expect(body.breakdowns.map((g) => g.values["properties.plan"])).toEqual(["p19"]);
    }
  });

  it("lists drop-offs as JSON or CSV, paged, with the total", async () => {
    const events: Event[] = [];
    for (let i = 0; i < 5; i++) events.push(ev(`drop${i}`, "bot_started", i), ev(`drop${i}`, "lead", i + 1));
    events.push(ev('say "hi", =1', "bot_started", 7), ev('say "hi", =1', "lead", 8));
    events.push(ev("kept", "bot_started", 0), ev("kept", "lead", 1), ev("kept", "order", 2), ev("never", "lead", 3));
    const api = await projectWith(events);
    const query = `from=${iso(0)}&to=${iso(60)}&steps=bot_started&steps=lead&steps=order&step=3`;

    const all = FunnelDropoffResponseSchema.parse((await api.get(`/api/v1/funnel/dropoff?${query}`)).body);
    expect(all.total).toBe(6);
    expect(all.users.map((u) => u.userId)).toEqual(["drop0", "drop1", "drop2", "drop3", "drop4", 'say "hi", =1']);
    expect(all.users[1]).toEqual({ channel: "telegram", userId: "drop1", reachedAt: iso(2) });

    const page = FunnelDropoffResponseSchema.parse((await api.get(`/api/v1/funnel/dropoff?${query}&limit=2&offset=2`)).body);
    expect(page).toMatchObject({ total: 6, limit: 2, offset: 2 });
    expect(page.users.map((u) => u.userId)).toEqual(["drop2", "drop3"]);
    const past = FunnelDropoffResponseSchema.parse((await api.get(`/api/v1/funnel/dropoff?${query}&offset=50`)).body);
    expect(past).toMatchObject({ total: 6, users: [] });

    for (const res of [await api.get(`/api/v1/funnel/dropoff?${query}&format=csv&limit=2`), await api.get(`/api/v1/funnel/dropoff?${query}&limit=2`, "text/csv")]) {
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/csv/);
      expect(res.headers["x-total-count"]).toBe("6");
      expect(res.text).toBe(`channel,userId,reachedAt\r\ntelegram,drop0,${iso(1)}\r\ntelegram,drop1,${iso(2)}\r\n`);
    }
    const quoted = await api.get(`/api/v1/funnel/dropoff?${query}&format=csv&offset=5`);
    expect(quoted.text).toBe(`channel,userId,reachedAt\r\ntelegram,"say ""hi"", =1",${iso(8)}\r\n`);
    // format=json wins over Accept.
    expect((await api.get(`/api/v1/funnel/dropoff?${query}&format=json`, "text/csv")).headers["content-type"]).toMatch(/json/);
  });

  it("breaks down by several dimensions at once and sums the groups past breakdownLimit into one other group", async () => {
    const events: Event[] = [];
    for (let i = 0; i <= MAX_FUNNEL_BREAKDOWN_GROUPS; i++) {
      events.push(ev(`u${i}`, "bot_started", 0, { source: { campaign: `c${String(i).padStart(3, "0")}`, source: "ads" } }));
      if (i % 2 === 0) events.push(ev(`u${i}`, "lead", i % 4 === 0 ? 1 : 3));
    }
    events.push(ev("big1", "bot_started", 0, { channel: "vk", botId: "bot-b" }), ev("big2", "bot_started", 0, { channel: "vk", botId: "bot-b" }));
    const api = await projectWith(events);
    const base = `/api/v1/funnel?from=${iso(0)}&to=${iso(60)}&steps=bot_started&steps=lead&breakdown=channel&breakdown=campaign&breakdown=botId`;
    const body = FunnelResponseSchema.parse((await api.get(`${base}&breakdownLimit=${MAX_FUNNEL_BREAKDOWN_GROUPS}`)).body);
    expect(body.steps.map((s) => s.users)).toEqual([MAX_FUNNEL_BREAKDOWN_GROUPS + 3, MAX_FUNNEL_BREAKDOWN_GROUPS / 2 + 1]);
    expect(body.breakdown).toEqual(["channel", "campaign", "botId"]);
    expect(body.breakdownsTruncated).toBe(true);
    expect(body.breakdowns).toHaveLength(MAX_FUNNEL_BREAKDOWN_GROUPS + 1);
    // Most users at step 1 first; the two vk users without a campaign are one group.
    expect(body.breakdowns[0]).toMatchObject({ values: { channel: "vk", campaign: null, botId: "bot-b" } });
    expect(body.breakdowns[0]!.steps.map((s) => s.users)).toEqual([2, 0]);
    expect(body.breakdowns[1]).toMatchObject({ values: { channel: "telegram", campaign: "c000", botId: "bot-a" } });
    expect(body.breakdowns[1]!.steps.map((s) => s.users)).toEqual([1, 1]);
    // 102 groups, 100 listed: c099 and c100 are summed, last.
    expect(body.breakdowns.at(-1)).toMatchObject({ values: {}, other: true });
    expect(body.breakdowns.at(-1)!.steps.map((s) => s.users)).toEqual([2, 1]);

    // The default limit, 25: the other group holds everyone else, its times over all of them (u0..u100 minus the
    // 24 listed telegram groups c000..c023: leads of c024..c100 at 1 or 3 minutes).
    const byDefault = FunnelResponseSchema.parse((await api.get(base)).body);
    expect(byDefault.breakdowns).toHaveLength(26);
    const other = byDefault.breakdowns[25]!;
    expect(other.other).toBe(true);
    const rest = Array.from({ length: MAX_FUNNEL_BREAKDOWN_GROUPS + 1 }, (_, i) => i).filter((i) => i >= 24);
    const leads = rest.filter((i) => i % 2 === 0).map((i) => (i % 4 === 0 ? 60 : 180)).sort((a, b) => a - b);
    expect(other.steps.map((s) => s.users)).toEqual([rest.length, leads.length]);
    expect(other.steps[1]!.medianSecondsToConvert).toBe((leads[Math.floor((leads.length - 1) / 2)]! + leads[Math.floor(leads.length / 2)]!) / 2);
    expect(other.steps[1]!.meanSecondsToConvert).toBe(Math.round((leads.reduce((a, b) => a + b, 0) * 1000) / leads.length) / 1000);
    // Summed with the listed groups, the other group gives the funnel's users.
    expect(byDefault.breakdowns.reduce((sum, group) => sum + group.steps[0]!.users, 0)).toBe(byDefault.steps[0]!.users);

    const bad = await api.get(`${base}&breakdownLimit=${MAX_FUNNEL_BREAKDOWN_GROUPS + 1}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("'breakdownLimit'");
  });

  it("lists the groups in JavaScript's order of values where the engine's byte order differs (from U+E000 on)", async () => {
    // One user each: the tie goes to the values. UTF-16 puts the emoji (a surrogate pair, D83D…) before U+FF01;
    // UTF-8 bytes put U+FF01 (EF …) before it (F0 …).
    const events: Event[] = [
      ev("a", "bot_started", 0, { source: { campaign: "\uFF01", source: "ads" } }),
      ev("a", "lead", 2),
      ev("b", "bot_started", 0, { source: { campaign: "\u{1F600}", source: "ads" } }),
      ev("c", "bot_started", 0, { source: { campaign: "c", source: "ads" } }),
      ev("c", "bot_started", 1),
      ev("d", "bot_started", 0, { source: { campaign: "c", source: "ads" } }),
    ];
    const api = await projectWith(events);
    const path = `/api/v1/funnel?from=${iso(0)}&to=${iso(60)}&steps=bot_started&steps=lead&breakdown=campaign&breakdownLimit=2`;
    const body = FunnelResponseSchema.parse((await api.get(path)).body);
    expect(body.breakdowns.map((group) => group.values.campaign ?? null)).toEqual(["c", "\u{1F600}", null]);
    expect(body.breakdowns.at(-1)).toMatchObject({ values: {}, other: true });
    expect(body.breakdowns.at(-1)!.steps.map((s) => s.users)).toEqual([1, 1]);
    expect(body.breakdownsTruncated).toBe(true);
    // The ranked query sees the engine's order disagree and hands the ranking back to the plain one.
    expect(await api.withBound(path, 0)).toEqual({ body, ranked: true });
  });

  it("counts a group whose users all stop at the first step, so it goes into other past breakdownLimit", async () => {
    // The biggest group converts; the two others (one user each) never reach the lead, so only the first step's
    // row of the ranked query sees them (property seed 453566718 found "other" missing).
    const events: Event[] = [
      ev("a", "bot_started", 0, { source: { campaign: "big", source: "ads" } }),
      ev("a", "lead", 1),
      ev("b", "bot_started", 0, { source: { campaign: "big", source: "ads" } }),
      ev("b", "lead", 1),
      ev("c", "bot_started", 0, { source: { campaign: "lone", source: "ads" } }),
      ev("d", "bot_started", 0, { source: { campaign: "quiet", source: "ads" } }),
    ];
    const api = await projectWith(events);
    const path = `/api/v1/funnel?from=${iso(0)}&to=${iso(60)}&steps=bot_started&steps=lead&breakdown=campaign&breakdownLimit=1`;
    const body = FunnelResponseSchema.parse((await api.get(path)).body);
    expect(body.breakdowns.map((group) => group.values.campaign ?? null)).toEqual(["big", null]);
    expect(body.breakdowns.at(-1)).toMatchObject({ values: {}, other: true });
    expect(body.breakdowns.at(-1)!.steps.map((s) => s.users)).toEqual([2, 0]);
    expect(body.breakdownsTruncated).toBe(true);
    expect(await api.withBound(path, 0)).toEqual({ body, ranked: true });
  });

  it("answers a breakdown past the plain query's bound on rows from the ranked query, as the plain one would", async () => {
    // One user per campaign but for a big one, a third converting: the plain query answers a row per group and
    // step reached and two overall. At that bound it answers; one row fewer and the ranked query does, alike.
    const users = 1200;
    const events: Event[] = Array.from({ length: users }, (_, i) => [
      ev(`u${i}`, "bot_started", 0, { source: { campaign: `c${i % 7 === 0 ? "big" : i}`, source: "ads" } }),
      ...(i % 3 === 0 ? [ev(`u${i}`, "lead", 1 + (i % 5))] : []),
    ]).flat();
    const api = await projectWith(events);
    const path = `/api/v1/funnel?from=${iso(0)}&to=${iso(60)}&steps=bot_started&steps=lead&breakdown=campaign&breakdownLimit=10`;
    const body = FunnelResponseSchema.parse((await api.get(path)).body);
    expect(body.breakdowns).toHaveLength(11);
    expect(body.breakdowns[0]!.values.campaign).toBe("cbig");
    expect(body.breakdowns.at(-1)).toMatchObject({ values: {}, other: true });
    expect(body.breakdownsTruncated).toBe(true);
    const campaignOf = (i: number) => `c${i % 7 === 0 ? "big" : i}`;
    const groups = new Set(Array.from({ length: users }, (_, i) => campaignOf(i)));
    const converting = new Set(Array.from({ length: users }, (_, i) => i).filter((i) => i % 3 === 0).map(campaignOf));
    const rows = groups.size + converting.size + 2;
    expect(await api.withBound(path, rows)).toEqual({ body, ranked: false });
    expect(await api.withBound(path, rows - 1)).toEqual({ body, ranked: true });
  });

  it("breaks down by a property, first touch or at a step, null for a user without it", async () => {
    const events: Event[] = [
      // a: plan on an event before the range counts for first touch; its lead carries another plan.
      ev("a", "message_received", -5, { properties: { plan: "trial" } }),
      ev("a", "bot_started", 0),
      ev("a", "lead", 1, { properties: { plan: "pro" } }),
      // b: no plan before the lead; two leads in the same millisecond with different plans: the smaller text as
      // UTF-8 bytes ("Zeta" < "basic").
      ev("b", "bot_started", 0),
      ev("b", "lead", 2, { properties: { plan: "basic" } }),
      ev("b", "lead", 2, { properties: { plan: "Zeta" } }),
      // c: never a plan; d: a plan of "" is a value.
      ev("c", "bot_started", 0),
      ev("d", "bot_started", 0, { properties: { plan: "" } }),
    ];
    const api = await projectWith(events);
    const base = `/api/v1/funnel?from=${iso(0)}&to=${iso(60)}&steps=bot_started&steps=lead&breakdown=properties.plan`;
    const groups = async (extra: string) =>
      FunnelResponseSchema.parse((await api.get(`${base}${extra}`)).body).breakdowns.map((group) => [group.values["properties.plan"], group.steps.map((s) => s.users)]);
    expect(await groups("")).toEqual([[null, [1, 0]], ["", [1, 0]], ["basic", [1, 1]], ["trial", [1, 1]]]);
    expect(await groups("&breakdownAttribution=step:2")).toEqual([[null, [2, 0]], ["Zeta", [1, 1]], ["pro", [1, 1]]]);
    expect(await groups("&breakdownAttribution=step:1")).toEqual([[null, [3, 2]], ["", [1, 0]]]);
    for (const [value, parameter] of [["step:3", "breakdownAttribution"], ["last_touch", "breakdownAttribution"], ["step:0", "breakdownAttribution"]] as const) {
      const res = await api.get(`${base}&breakdownAttribution=${value}`);
      expect(res.status, value).toBe(400);
      expect(res.body.error.message, value).toContain(`'${parameter}'`);
    }
    const tooMany = await api.get(`${base}&breakdown=properties.a&breakdown=properties.b`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain("'breakdown'");
  });
});
