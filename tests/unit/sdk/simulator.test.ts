import { describe, expect, it } from "vitest";
import { EventSchema, SpendRowSchema, RESERVED_EVENT_TYPES } from "@chatfunnel/schemas";
import { generateSpend, generateTraffic, Prng, type SimulatedEvent } from "../../../simulator/src/index.js";
import { parseSimulateArgs } from "../../../simulator/src/args.js";

const NOW = Date.parse("2026-05-31T12:00:00Z");
const DAY = 86_400_000;
const run = (seed: number, events: number, days = 30): SimulatedEvent[] => [...generateTraffic({ seed, events, days, now: NOW })];
const groupByUser = (events: SimulatedEvent[]) => {
  const byUser = new Map<string, SimulatedEvent[]>();
  for (const e of events) byUser.set(`${e.channel}:${e.userId}`, [...(byUser.get(`${e.channel}:${e.userId}`) ?? []), e]);
  return byUser;
};

describe("traffic simulator", () => {
  it("is deterministic: the same seed gives the same events, ids included; another seed differs", () => {
    const a = run(42, 5000);
    const b = run(42, 5000);
    expect(b).toEqual(a);
    const c = run(43, 5000);
    expect(c.map((e) => e.id)).not.toEqual(a.map((e) => e.id));
    // A longer run starts with the shorter one: sizes only cut the stream.
    expect(run(42, 6000).slice(0, 5000)).toEqual(a);
  });

  it("generates exactly the requested number of valid events inside the window, ending now", () => {
    const events = run(7, 20_000);
    expect(events).toHaveLength(20_000);
    expect(new Set(events.map((e) => e.id)).size).toBe(20_000);
    for (const event of events) {
      const clean = Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined));
      const parsed = EventSchema.safeParse(clean);
      if (!parsed.success) throw new Error(`${JSON.stringify(event)}: ${JSON.stringify(parsed.error.issues)}`);
      const t = Date.parse(event.timestamp);
      expect(t).toBeLessThanOrEqual(NOW);
      expect(t).toBeGreaterThanOrEqual(NOW - 30 * DAY);
    }
  });

  it("looks like real traffic: every reserved type, repeat users, same-second bursts, channel-specific conversion", () => {
    const events = run(42, 60_000);
    const types = new Set(events.map((e) => e.type));
    for (const type of RESERVED_EVENT_TYPES) expect(types, type).toContain(type);
    const perUser = new Map<string, SimulatedEvent[]>();
    for (const e of events) perUser.set(`${e.channel}:${e.userId}`, [...(perUser.get(`${e.channel}:${e.userId}`) ?? []), e]);
    const sessionsOf = (list: SimulatedEvent[]) => {
      let sessions = 0;
      let last = -Infinity;
      for (const t of list.map((e) => Date.parse(e.timestamp)).sort((x, y) => x - y)) {
        if (t - last >= 30 * 60_000) sessions++;
        last = t;
      }
      return sessions;
    };
    const repeat = [...perUser.values()].filter((list) => sessionsOf(list.filter((e) => !e.type.startsWith("broadcast_"))) > 1).length;
    expect(repeat / perUser.size).toBeGreaterThan(0.2);
    const bySecond = new Map<string, number>();
    for (const e of events) bySecond.set(e.timestamp.slice(0, 19), (bySecond.get(e.timestamp.slice(0, 19)) ?? 0) + 1);
    expect(Math.max(...bySecond.values())).toBeGreaterThan(20);
    const leadRate = (channel: string) => {
      const users = new Set(events.filter((e) => e.channel === channel && e.type === "bot_started").map((e) => e.userId));
      const leads = new Set(events.filter((e) => e.channel === channel && e.type === "lead").map((e) => e.userId));
      return leads.size / users.size;
    };
    expect(leadRate("whatsapp")).toBeGreaterThan(leadRate("telegram"));
    expect(leadRate("telegram")).toBeGreaterThan(leadRate("vk"));
    // Attribution: campaign users carry the campaign on bot_started.
    expect(events.filter((e) => e.type === "bot_started" && e.source?.campaign).length).toBeGreaterThan(events.filter((e) => e.type === "bot_started").length / 3);
    // Revenue lands on exactly one of order/payment per purchase, always with a currency.
    for (const e of events.filter((x) => x.revenue !== undefined)) expect(e.currency).toBe("RUB");
  });

  it("sends a few broadcasts a month per channel, with ids, reads only where the messenger reports them, failures with reasons", () => {
    const events = run(42, 60_000);
    const broadcastEvents = events.filter((e) => e.type.startsWith("broadcast_"));
    for (const e of broadcastEvents) expect(e.broadcastId, e.type).toMatch(/^[a-z]+-\d{4}-\d{2}-\d{2}-[a-z_]+$/);
    for (const channel of ["telegram", "whatsapp", "vk"]) {
      const ids = new Set(broadcastEvents.filter((e) => e.channel === channel).map((e) => e.broadcastId));
      expect(ids.size, channel).toBeGreaterThanOrEqual(2);
      expect(ids.size, channel).toBeLessThanOrEqual(6);
    }
    const count = (type: string, channel?: string) => events.filter((e) => e.type === type && (channel === undefined || e.channel === channel)).length;
    expect(count("broadcast_read", "telegram") + count("broadcast_read", "vk")).toBe(0);
    expect(count("broadcast_read", "whatsapp") / count("broadcast_delivered", "whatsapp")).toBeGreaterThan(0.5);
    const failedShare = count("broadcast_failed") / count("broadcast_sent");
    expect(failedShare).toBeGreaterThan(0.01);
    expect(failedShare).toBeLessThan(0.15);
    for (const e of events.filter((x) => x.type === "broadcast_failed")) expect(typeof e.properties?.["reason"]).toBe("string");
    const clickShare = count("broadcast_clicked") / count("broadcast_delivered");
    expect(clickShare).toBeGreaterThan(0.02);
    expect(clickShare).toBeLessThan(0.2);
    // The clicks carry the broadcast as the adapters map a button under it; some clickers buy within 3 days.
    const byUser = groupByUser(events);
    let optOuts = 0;
    let converted = 0;
    for (const list of byUser.values()) {
      for (const delivered of list.filter((e) => e.type === "broadcast_delivered")) {
        const at = Date.parse(delivered.timestamp);
        if (list.some((e) => (e.type === "unsubscribed" || e.type === "blocked") && Date.parse(e.timestamp) > at && Date.parse(e.timestamp) <= at + 2 * DAY)) optOuts++;
      }
      for (const click of list.filter((e) => e.type === "broadcast_clicked")) {
        const at = Date.parse(click.timestamp);
        expect(list.some((e) => e.type === "button_clicked" && e.broadcastId === click.broadcastId && e.timestamp === click.timestamp)).toBe(true);
        if (list.some((e) => e.type === "lead" && Date.parse(e.timestamp) > at && Date.parse(e.timestamp) <= at + 3 * DAY)) converted++;
      }
    }
    expect(optOuts / count("broadcast_delivered")).toBeGreaterThan(0.01);
    expect(optOuts / count("broadcast_delivered")).toBeLessThan(0.1);
    expect(converted / count("broadcast_clicked")).toBeGreaterThan(0.1);
  });

  it("hands some sessions to operators who answer in minutes (slower at night), asks CSAT after resolved requests, and surveys the audience", () => {
    const events = run(42, 60_000);
    const handoffs = events.filter((e) => e.type === "handoff");
    expect(handoffs.length / events.filter((e) => e.type === "bot_started").length).toBeGreaterThan(0.05);
    for (const e of handoffs) expect(typeof e.properties?.["reason"]).toBe("string");
    const waits: { minutes: number; night: boolean }[] = [];
    for (const list of groupByUser(events).values()) {
      list.forEach((e, i) => {
        if (e.type === "handoff") {
          const reply = list.slice(i).find((x) => x.type === "message_sent" && x.properties?.["sender"] === "operator");
          const hour = (new Date(e.timestamp).getUTCHours() + 3) % 24;
          if (reply) waits.push({ minutes: (Date.parse(reply.timestamp) - Date.parse(e.timestamp)) / 60_000, night: hour >= 22 || hour < 8 });
        }
        if (e.type === "survey_answered" && e.properties?.["question"] === "csat") {
          // A rating follows a resolved request of the same user, within minutes.
          expect(list.slice(0, i).some((x) => x.type === "resolved" && Date.parse(e.timestamp) - Date.parse(x.timestamp) <= 10 * 60_000)).toBe(true);
        }
      });
    }
    expect(waits.length).toBe(handoffs.length);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
    const day = median(waits.filter((w) => !w.night).map((w) => w.minutes));
    const night = median(waits.filter((w) => w.night).map((w) => w.minutes));
    expect(day).toBeGreaterThan(1);
    expect(day).toBeLessThan(8);
    expect(night).toBeGreaterThan(day * 1.5);
    // Every answer still falls inside the session it answers (30 min without events ends a session).
    expect(Math.max(...waits.map((w) => w.minutes))).toBeLessThan(30);
    const senders = new Set(events.filter((e) => e.type === "message_sent").map((e) => e.properties?.["sender"]));
    expect([...senders].sort()).toEqual(["operator", undefined]);

    const ratings = events.filter((e) => e.type === "survey_answered" && e.properties?.["question"] === "csat").map((e) => e.properties!["answer"]);
    expect(ratings.length / events.filter((e) => e.type === "resolved").length).toBeGreaterThan(0.2);
    expect(new Set(ratings)).toEqual(new Set([1, 2, 3, 4, 5]));
    const mean = (ratings as number[]).reduce((a, b) => a + b, 0) / ratings.length;
    expect(mean).toBeGreaterThan(3.5);
    expect(mean).toBeLessThan(4.5);

    const answers = new Map<string, Set<unknown>>();
    for (const e of events.filter((x) => x.type === "survey_answered" && x.properties?.["question"] !== "csat")) {
      const question = String(e.properties?.["question"]);
      answers.set(question, (answers.get(question) ?? new Set()).add(e.properties?.["answer"]));
    }
    expect(answers.size).toBeGreaterThanOrEqual(2);
    expect(answers.size).toBeLessThanOrEqual(3);
    for (const [question, set] of answers) {
      expect(set.size, question).toBeGreaterThanOrEqual(3);
      expect(set.size, question).toBeLessThanOrEqual(5);
    }
  });

  it("puts the bot's events on script nodes, so paths show where people leave", () => {
    const events = run(42, 60_000);
    const botEvents = events.filter((e) => ["message_received", "message_sent", "button_clicked", "lead", "order", "handoff"].includes(e.type));
    expect(botEvents.every((e) => typeof e.properties?.["node"] === "string")).toBe(true);
    const users = (node: string) => new Set(botEvents.filter((e) => e.properties?.["node"] === node).map((e) => `${e.channel}:${e.userId}`)).size;
    for (const node of ["menu", "catalog", "product", "cart", "checkout", "support"]) expect(users(node), node).toBeGreaterThan(0);
    // Fewer people get further into the script.
    expect(users("menu")).toBeGreaterThan(users("catalog"));
    expect(users("catalog")).toBeGreaterThan(users("product"));
    expect(users("product")).toBeGreaterThan(users("cart"));
  });

  it("produces valid spend rows for every campaign and day, sized to the traffic", () => {
    const rows = generateSpend({ seed: 42, events: 100_000, days: 30, now: NOW });
    for (const row of rows) expect(SpendRowSchema.safeParse(row).success).toBe(true);
    expect(new Set(rows.map((r) => r.date)).size).toBe(31);
    expect(new Set(rows.map((r) => r.campaign)).size).toBe(9);
    const small = generateSpend({ seed: 42, events: 10_000, days: 30, now: NOW });
    const total = (list: typeof rows) => list.reduce((s, r) => s + r.amount, 0);
    expect(total(rows) / total(small)).toBeGreaterThan(8);
    expect(generateSpend({ seed: 42, events: 100_000, days: 30, now: NOW })).toEqual(rows);
  });

  it("has a PRNG with a sane distribution", () => {
    const rng = new Prng(1);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += rng.float();
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
    expect(rng.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("parses its command line, naming a bad flag", () => {
    expect(parseSimulateArgs(["--days", "7", "--events", "1000", "--write-key", "w"], {})).toMatchObject({ days: 7, events: 1000, seed: 42, writeKey: "w" });
    expect(parseSimulateArgs([], { writeKey: "from-env" }).writeKey).toBe("from-env");
    // Spend import is an editor action: the manage key, from the flag or CHATFUNNEL_MANAGE_KEY.
    expect(parseSimulateArgs(["--manage-key", "m"], { writeKey: "w" }).manageKey).toBe("m");
    expect(parseSimulateArgs([], { writeKey: "w", manageKey: "from-env" }).manageKey).toBe("from-env");
    expect(() => parseSimulateArgs(["--days", "0", "--write-key", "w"], {})).toThrow(/--days/);
    expect(() => parseSimulateArgs([], {})).toThrow(/--write-key/);
  });
});
