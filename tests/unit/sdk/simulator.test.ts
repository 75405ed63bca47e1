import { describe, expect, it } from "vitest";
import { EventSchema, SpendRowSchema, RESERVED_EVENT_TYPES } from "@chatfunnel/schemas";
import { generateSpend, generateTraffic, Prng, type SimulatedEvent } from "../../../scripts/simulator/index.js";
import { parseSimulateArgs } from "../../../scripts/simulator/args.js";

const NOW = Date.parse("2026-05-31T12:00:00Z");
const DAY = 86_400_000;
const run = (seed: number, events: number, days = 30): SimulatedEvent[] => [...generateTraffic({ seed, events, days, now: NOW })];

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
    expect(() => parseSimulateArgs(["--days", "0", "--write-key", "w"], {})).toThrow(/--days/);
    expect(() => parseSimulateArgs([], {})).toThrow(/--write-key/);
  });
});
