import { describe, expect, it } from "vitest";
import { RetentionResponseSchema, type Event, type RetentionResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import type { RefSpend } from "../reference/events.js";
import { hev, refEvents } from "../reference/hand-events.js";
import { eventSources, refRetention, refRetentionUsers, type RetentionParams } from "../reference/retention.js";

const WEEKLY: RetentionParams = { interval: "week", periods: 3, cohort: "first_seen", return: "any" };

function filters(from: string, to: string, extra: Partial<ResolvedFilters> = {}): ResolvedFilters {
  return { projectId: "p", fromMs: Date.parse(from), toMs: Date.parse(to), tz: "UTC", channels: undefined, botId: undefined, campaign: undefined, currency: undefined, ...extra };
}

/** An event at an ISO instant. */
const at = (user: string, type: string, iso: string, extra: Partial<Event> = {}): Event => ({ ...hev(user, type, 0, extra), timestamp: iso });

function run(events: Event[], range: ResolvedFilters, params: RetentionParams, spend: RefSpend[] = []): RetentionResponse {
  const answer = refRetention({ events: refEvents(events), spend, sources: eventSources(events) }, range, params);
  expect(RetentionResponseSchema.parse(answer)).toEqual(answer);
  return answer;
}

const users = (answer: RetentionResponse, row = 0) => answer.cohorts[row]!.cells.map((cell) => cell.users);

describe("retention reference", () => {
  it("weeks are Monday to Monday in local time across the spring-forward change (Europe/Berlin)", () => {
    // Week of Mon 2026-03-23 lasts 167 hours: clocks jump on Sunday 29th 02:00 → 03:00.
    const events = [
      at("A", "message_received", "2026-03-22T23:30:00Z"), // Mon 23rd 00:30 CET: first seen, week of the 23rd
      at("A", "message_received", "2026-03-29T21:30:00Z"), // Sun 29th 23:30 CEST: still period 0
      at("B", "message_received", "2026-03-23T08:00:00Z"),
      at("B", "message_received", "2026-03-29T22:15:00Z"), // Mon 30th 00:15 CEST (Sunday in UTC): period 1
    ];
    const answer = run(events, filters("2026-03-22T23:00:00Z", "2026-04-12T22:00:00Z", { tz: "Europe/Berlin" }), WEEKLY);
    expect(answer.cohorts.map((c) => [c.start, c.size])).toEqual([["2026-03-23", 2]]);
    expect(users(answer)).toEqual([2, 1, 0]);
    expect(answer.cohorts[0]!.cells.map((c) => c.share)).toEqual([1, 0.5, 0]);
    expect(answer.cohorts[0]!.cells.every((c) => c.observed && c.complete)).toBe(true);
    // In UTC the same instants fall in the week of the 16th (A) and of the 23rd (B), and B's return is in its period 0.
    const utc = run(events, filters("2026-03-16T00:00:00Z", "2026-04-13T00:00:00Z"), WEEKLY);
    expect(utc.cohorts.map((c) => [c.start, c.size, c.cells.map((cell) => cell.users)])).toEqual([
      ["2026-03-16", 1, [1, 1, 0]],
      ["2026-03-23", 1, [1, 0, 0]],
    ]);
  });

  it("the same userId on two channels is two users, each in their channel's group", () => {
    const events = [
      at("A", "message_received", "2026-05-04T10:00:00Z"),
      at("A", "message_received", "2026-05-06T10:00:00Z", { channel: "vk" }),
      at("A", "message_received", "2026-05-12T10:00:00Z", { channel: "vk" }),
    ];
    const range = filters("2026-05-04T00:00:00Z", "2026-05-25T00:00:00Z");
    const plain = run(events, range, WEEKLY);
    expect(plain.cohorts.map((c) => [c.group, c.size, c.cells.map((cell) => cell.users)])).toEqual([[null, 2, [2, 1, 0]]]);
    const byChannel = run(events, range, { ...WEEKLY, breakdown: "channel" });
    expect(byChannel.cohorts.map((c) => [c.group, c.size, c.cells.map((cell) => cell.users)])).toEqual([
      ["telegram", 1, [1, 0, 0]],
      ["vk", 1, [1, 1, 0]],
    ]);
    expect(byChannel.groups.map((g) => [g.group, g.size])).toEqual([
      ["telegram", 1],
      ["vk", 1],
    ]);
    const listed = refRetentionUsers({ events: refEvents(events), spend: [], sources: new Map() }, range, { ...WEEKLY, breakdown: "channel" }, { cohortStart: "2026-05-04", period: 1 });
    expect(listed).toEqual([{ channel: "vk", userId: "A", cohortAt: "2026-05-06T10:00:00.000Z", returnedAt: "2026-05-12T10:00:00.000Z" }]);
  });

  it("the range end cuts cohorts: a period after `to` is not observed, one across it is not complete, later events do not count", () => {
    const events = [
      at("A", "message_received", "2026-05-04T10:00:00Z"),
      at("A", "order", "2026-05-05T10:00:00Z", { revenue: 10, currency: "RUB" }),
      at("A", "message_received", "2026-05-12T10:00:00Z"),
      at("A", "order", "2026-05-13T10:00:00Z", { revenue: 5, currency: "RUB" }), // after `to`
      at("B", "message_received", "2026-05-12T09:00:00Z"), // a cohort of the last, cut week
      at("B", "message_received", "2026-05-14T09:00:00Z"), // after `to`
      at("C", "message_received", "2026-05-13T09:00:00Z"), // first seen after `to`: in no cohort
    ];
    const answer = run(events, filters("2026-05-04T00:00:00Z", "2026-05-13T00:00:00Z"), WEEKLY);
    expect(answer.cohorts.map((c) => [c.start, c.size])).toEqual([
      ["2026-05-04", 1],
      ["2026-05-11", 1],
    ]);
    expect(answer.cohorts[0]!.cells).toEqual([
      { period: 0, observed: true, complete: true, users: 1, share: 1, revenuePerUser: 10 },
      { period: 1, observed: true, complete: false, users: 1, share: 1, revenuePerUser: 10 },
      { period: 2, observed: false, complete: false, users: null, share: null, revenuePerUser: null },
    ]);
    expect(users(answer, 1)).toEqual([1, null, null]);
    // Groups add up the cohorts that observed each period: period 1 only the first.
    expect(answer.groups).toEqual([
      {
        group: null,
        size: 2,
        cac: null,
        paybackPeriod: null,
        cells: [
          { period: 0, users: 2, share: 1, revenuePerUser: 5 },
          { period: 1, users: 1, share: 1, revenuePerUser: 10 },
          { period: 2, users: null, share: null, revenuePerUser: null },
        ],
      },
    ]);
  });

  it("revenue in two currencies: one per answer, the other listed; LTV is cumulative from the cohort event", () => {
    const events = [
      at("A", "lead", "2026-05-04T10:00:00Z"),
      at("A", "order", "2026-05-04T09:00:00Z", { revenue: 100, currency: "USD" }), // before the lead: not in its LTV
      at("A", "order", "2026-05-05T10:00:00Z", { revenue: 7, currency: "USD" }),
      at("A", "payment", "2026-05-12T10:00:00Z", { revenue: 3, currency: "USD" }),
      at("A", "payment", "2026-05-12T11:00:00Z", { revenue: 50, currency: "RUB" }),
      at("B", "lead", "2026-05-06T10:00:00Z"),
    ];
    const range = filters("2026-05-04T00:00:00Z", "2026-05-25T00:00:00Z");
    const params: RetentionParams = { ...WEEKLY, cohort: "first_lead", return: "order" };
    const usd = run(events, range, params);
    expect(usd.currency).toBe("USD");
    expect(usd.otherCurrencies).toEqual([{ currency: "RUB", revenue: 50, spend: 0 }]);
    expect(usd.cohorts[0]!.cells.map((c) => [c.users, c.revenuePerUser])).toEqual([
      [1, 3.5],
      [0, 5],
      [0, 5],
    ]);
    const rub = run(events, { ...range, currency: "RUB" }, params);
    expect(rub.cohorts[0]!.cells.map((c) => c.revenuePerUser)).toEqual([0, 25, 25]);
    expect(rub.otherCurrencies).toEqual([{ currency: "USD", revenue: 110, spend: 0 }]);
  });

  it("a return before the cohort event in its own bucket does not count", () => {
    const events = [at("A", "order", "2026-05-04T09:00:00Z", { revenue: 1, currency: "RUB" }), at("A", "lead", "2026-05-04T10:00:00Z")];
    const answer = run(events, filters("2026-05-04T00:00:00Z", "2026-05-11T00:00:00Z"), { ...WEEKLY, periods: 1, cohort: "first_lead", return: "order" });
    expect(users(answer)).toEqual([0]);
  });

  it("CAC is the spend of the cohort's bucket and group over its size; payback the first period whose LTV reaches it", () => {
    const events = [
      at("A", "message_received", "2026-05-04T10:00:00Z", { source: { campaign: "spring", source: "ads" } }),
      at("A", "order", "2026-05-13T10:00:00Z", { revenue: 30, currency: "RUB" }),
      at("B", "message_received", "2026-05-05T10:00:00Z", { source: { campaign: "spring" } }),
      at("C", "message_received", "2026-05-05T10:00:00Z"),
    ];
    const spend: RefSpend[] = [
      { date: "2026-05-04", channel: "telegram", campaign: "spring", amount4: 200_000, currency: "RUB" }, // 20 in the week of the 4th
      { date: "2026-05-12", channel: "telegram", campaign: "spring", amount4: 100_000, currency: "RUB" }, // 10 in the next week
      { date: "2026-05-06", channel: "telegram", campaign: "", amount4: 50_000, currency: "USD" }, // another currency: no CAC
    ];
    const range = filters("2026-05-04T00:00:00Z", "2026-05-25T00:00:00Z", { currency: "RUB" });
    const byCampaign = run(events, range, { ...WEEKLY, breakdown: "campaign" }, spend);
    const spring = byCampaign.cohorts.find((c) => c.group === "spring")!;
    expect([spring.size, spring.cac, spring.paybackPeriod]).toEqual([2, 10, 1]);
    expect(spring.cells.map((c) => c.revenuePerUser)).toEqual([0, 15, 15]);
    expect(byCampaign.cohorts.find((c) => c.group === null)).toMatchObject({ size: 1, cac: null, paybackPeriod: null });
    // The group's CAC is its spend on every day of the range: 30 over 2 users, paid back in period 1 too.
    expect(byCampaign.groups.find((g) => g.group === "spring")).toMatchObject({ size: 2, cac: 15, paybackPeriod: 1 });
    const plain = run(events, range, WEEKLY, spend);
    expect(plain.cohorts[0]).toMatchObject({ size: 3, cac: 6.6667, paybackPeriod: 1 });
    const bySource = run(events, range, { ...WEEKLY, breakdown: "source" }, spend);
    expect(bySource.cohorts.map((c) => [c.group, c.size, c.cac])).toEqual([
      [null, 2, null],
      ["ads", 1, null],
    ]);
  });

  it("days and months follow local dates", () => {
    const events = [at("A", "message_received", "2026-01-31T22:30:00Z"), at("A", "message_received", "2026-02-28T21:30:00Z"), at("A", "message_received", "2026-03-01T00:30:00Z")];
    // Moscow (+3): Feb 1st 01:30, Mar 1st 00:30, Mar 1st 03:30.
    const months = run(events, filters("2026-01-31T21:00:00Z", "2026-04-30T21:00:00Z", { tz: "Europe/Moscow" }), { interval: "month", periods: 3, cohort: "first_seen", return: "any" });
    expect(months.cohorts.map((c) => [c.start, c.cells.map((cell) => cell.users)])).toEqual([["2026-02-01", [1, 1, 0]]]);
    const days = run(events, filters("2026-01-31T21:00:00Z", "2026-03-01T21:00:00Z", { tz: "Europe/Moscow" }), { interval: "day", periods: 2, cohort: "first_seen", return: "any" });
    expect(days.cohorts.map((c) => [c.start, c.cells.map((cell) => cell.users)])).toEqual([["2026-02-01", [1, 0]]]);
  });

  it("return=any is what the user did: a broadcast delivery or a bot's message is no return, a broadcast click is; a user first seen on a delivery is in the cohort", () => {
    const events = [
      at("A", "message_received", "2026-05-04T10:00:00Z"),
      at("A", "broadcast_delivered", "2026-05-12T10:00:00Z", { broadcastId: "b1" }), // week 2 (period 1): not a return
      at("A", "message_sent", "2026-05-13T10:00:00Z"), // the bot's answer: not a return either
      at("B", "message_received", "2026-05-04T11:00:00Z"),
      at("B", "broadcast_delivered", "2026-05-12T10:00:00Z", { broadcastId: "b1" }),
      at("B", "broadcast_clicked", "2026-05-12T10:05:00Z", { broadcastId: "b1" }), // the user's own: a return
      at("C", "broadcast_delivered", "2026-05-05T10:00:00Z", { broadcastId: "b0" }), // first seen: joins the cohort, returns in no period 0
      at("C", "broadcast_read", "2026-05-19T10:00:00Z", { broadcastId: "b0" }), // a read is the user's: week 3 (period 2)
    ];
    const range = filters("2026-05-04T00:00:00Z", "2026-05-25T00:00:00Z");
    const data = { events: refEvents(events), spend: [], sources: new Map<string, string>() };
    const answer = run(events, range, WEEKLY);
    expect(answer.cohorts.map((c) => [c.start, c.size, c.cells.map((cell) => cell.users)])).toEqual([["2026-05-04", 3, [2, 1, 1]]]);
    expect(refRetentionUsers(data, range, WEEKLY, { cohortStart: "2026-05-04", period: 1 })).toEqual([
      { channel: "telegram", userId: "B", cohortAt: "2026-05-04T11:00:00.000Z", returnedAt: "2026-05-12T10:05:00.000Z" },
    ]);
    // A bot-side type asked for by name counts as asked.
    expect(users(run(events, range, { ...WEEKLY, return: "broadcast_delivered" }))).toEqual([1, 2, 0]);
    expect(users(run(events, range, { ...WEEKLY, return: "message_sent" }))).toEqual([0, 1, 0]);
  });
});
