/**
 * fast-check arbitraries for the retention property test: a few users whose events spread over weeks and
 * months around the DST anchors (gaps of 0 and 1 ms, either side of a day, a week, a month), on one or two
 * channels, with first-touch campaigns and sources, leads, orders and payments in two currencies, bot-side events
 * (a bot's answer, broadcast sends, deliveries and failures) beside the user's own, resends;
 * spend rows on the days around them; ranges of days to months with bounds as dates or instants; every
 * interval, cohort, return and breakdown.
 */
import fc from "fast-check";
import { INTERVALS, RETENTION_BREAKDOWNS, RETENTION_COHORTS, type Event, type SpendRow } from "@chatfunnel/schemas";
import { BOTS, CAMPAIGNS, CURRENCIES, STREAM_CHANNELS, TIME_ZONES, type RandomQuery } from "../support/random-events.js";
import type { RetentionParams } from "./retention.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
export const SOURCES = ["ads", "blog"] as const;
const TYPES = ["message_received", "button_clicked", "lead", "order", "payment"] as const;
/** Bot-side events (BOT_SIDE_EVENT_TYPES), so that return=any's exclusion is exercised, and a broadcast's read and click (the user's). */
const BROADCAST_AND_BOT_TYPES = ["message_sent", "broadcast_sent", "broadcast_delivered", "broadcast_failed", "broadcast_read", "broadcast_clicked"] as const;
/** Two in five events are bot-side or broadcast ones: often enough to be a user's first event or a period's only one. */
const typeArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TYPES) }, { weight: 2, arbitrary: fc.constantFrom(...BROADCAST_AND_BOT_TYPES) });
/** Gaps between a user's events: ties, 1 ms, either side of a day, a week and a month. */
const GAPS_MS = [0, 1, HOUR, DAY - 1, DAY, DAY + 1, 2 * DAY, 3 * DAY, 5 * DAY, 7 * DAY - 1, 7 * DAY, 7 * DAY + 1, 10 * DAY, 30 * DAY, 31 * DAY + 1] as const;

const idArb = fc.uuid({ version: 4 });
/** `arb` in `present` of `present + absent` draws, else undefined. */
const maybe = <T>(arb: fc.Arbitrary<T>, present: number, absent: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: present, arbitrary: arb }, { weight: absent, arbitrary: fc.constant(undefined) });

function userArb(anchorMs: number, user: number): fc.Arbitrary<Event[]> {
  return fc
    .record({
      channel: fc.constantFrom(...STREAM_CHANNELS),
      // Start up to 20 days before the anchor, to 10 after, on a 15-minute grid, so cohorts begin before the range too.
      start: fc.integer({ min: -20 * 96, max: 10 * 96 }),
      steps: fc.array(
        fc.record({
          id: idArb,
          gap: fc.constantFrom(...GAPS_MS),
          type: typeArb,
          otherChannel: maybe(fc.constantFrom(...STREAM_CHANNELS), 1, 6),
          botId: fc.constantFrom(...BOTS),
          campaign: maybe(fc.constantFrom(...CAMPAIGNS), 1, 5),
          source: maybe(fc.constantFrom(...SOURCES), 1, 5),
          cents: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 100_000 }) }),
          currency: fc.constantFrom(...CURRENCIES),
        }),
        { minLength: 1, maxLength: 12 },
      ),
    })
    .map(({ channel, start, steps }) => {
      let ts = anchorMs + start * 15 * MIN;
      return steps.map((step) => {
        ts += step.gap;
        // Mostly one channel per user; the same userId on another channel is another user.
        const event: Event = { id: step.id, type: step.type, channel: step.otherChannel ?? channel, botId: step.botId, userId: `u${user}`, timestamp: new Date(ts).toISOString() };
        if (step.type.startsWith("broadcast_")) event.broadcastId = "b1";
        if (step.campaign || step.source) event.source = { ...(step.campaign ? { campaign: step.campaign } : {}), ...(step.source ? { source: step.source } : {}) };
        if (step.type === "order" || step.type === "payment") {
          event.revenue = step.cents / 100;
          event.currency = step.currency;
        }
        return event;
      });
    });
}

/** A few users' events plus exact resends, shuffled. */
export function retentionStreamArb(anchorMs: number, users = 6): fc.Arbitrary<Event[]> {
  return fc
    .tuple(...Array.from({ length: users }, (_, index) => fc.option(userArb(anchorMs, index + 1), { nil: [] as Event[], freq: 6 })))
    .map((tracks) => tracks.flat())
    .chain((events) =>
      fc.tuple(fc.subarray(events, { maxLength: Math.min(4, events.length) }), fc.array(fc.nat(), { minLength: events.length + 4, maxLength: events.length + 4 })).map(([resent, order]) => {
        const all = [...events, ...resent.map((event) => ({ ...event }))];
        return all.map((event, index) => ({ event, key: order[index] ?? index })).sort((a, b) => a.key - b.key).map(({ event }) => event);
      }),
    );
}

/**
 * Spend on days from 20 before the anchor to 25 after; one import (later rows for the same key replace, tested elsewhere).
 * `maxCents` small makes a cohort's cost per user small enough for its revenue to pay it back, and `minRows` large
 * puts spend on its days: payback needs a cohort with spend and with revenue past its cost, which the defaults
 * left at 0 of 40 runs in a CI run (2026-12-02) and in one of three runs here.
 */
export function retentionSpendArb(anchorMs: number, maxCents = 5_000, minRows = 10): fc.Arbitrary<SpendRow[]> {
  const anchorDay = Date.parse(new Date(anchorMs).toISOString().slice(0, 10));
  const rowArb = fc
    .record({
      day: fc.integer({ min: -20, max: 25 }),
      channel: fc.constantFrom(...STREAM_CHANNELS),
      campaign: maybe(fc.constantFrom(...CAMPAIGNS), 1, 1),
      cents: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: maxCents }) }),
      currency: fc.constantFrom(...CURRENCIES),
    })
    .map((r): SpendRow => {
      const row: SpendRow = { date: new Date(anchorDay + r.day * DAY).toISOString().slice(0, 10), channel: r.channel, amount: r.cents / 100, currency: r.currency };
      if (r.campaign) row.campaign = r.campaign;
      return row;
    });
  return fc.uniqueArray(rowArb, { minLength: minRows, maxLength: Math.max(80, minRows), selector: (row) => `${row.date}|${row.channel}|${row.campaign ?? ""}` });
}

/** A range of 1 to 70 days (mostly weeks) from up to 25 days before the anchor, as dates or instants, with the common filters. */
export function retentionQueryArb(anchorMs: number): fc.Arbitrary<RandomQuery> {
  const anchorDay = Date.parse(new Date(anchorMs).toISOString().slice(0, 10));
  const dates = fc
    .tuple(fc.integer({ min: -25, max: 2 }), fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 10, max: 70 })))
    .map(([start, days]) => [new Date(anchorDay + start * DAY).toISOString().slice(0, 10), new Date(anchorDay + (start + days) * DAY).toISOString().slice(0, 10)] as const);
  const instants = fc
    .tuple(fc.integer({ min: -25 * 96, max: 2 * 96 }), fc.integer({ min: 1, max: 70 * 96 }))
    .map(([start, length]) => [new Date(anchorMs + start * 15 * MIN).toISOString(), new Date(anchorMs + (start + length) * 15 * MIN).toISOString()] as const);
  return fc
    .record({
      bounds: fc.oneof({ weight: 3, arbitrary: dates }, { weight: 1, arbitrary: instants }),
      tz: fc.constantFrom(...TIME_ZONES),
      channel: maybe(fc.subarray(STREAM_CHANNELS, { minLength: 1 }), 1, 4),
      botId: maybe(fc.constantFrom(...BOTS), 1, 6),
      campaign: maybe(fc.constantFrom(...CAMPAIGNS), 1, 6),
      currency: maybe(fc.constantFrom(...CURRENCIES), 1, 3),
    })
    .map(({ bounds: [from, to], ...rest }) => {
      const query: RandomQuery = { from, to, tz: rest.tz };
      if (rest.channel) query.channel = rest.channel;
      if (rest.botId) query.botId = rest.botId;
      if (rest.campaign) query.campaign = rest.campaign;
      if (rest.currency) query.currency = rest.currency;
      return query;
    });
}

export const retentionParamsArb: fc.Arbitrary<RetentionParams> = fc
  .record({
    interval: fc.constantFrom(...INTERVALS),
    periods: fc.oneof({ weight: 1, arbitrary: fc.constant(1) }, { weight: 6, arbitrary: fc.integer({ min: 2, max: 6 }) }, { weight: 1, arbitrary: fc.constant(24) }),
    cohort: fc.constantFrom(...RETENTION_COHORTS),
    // An explicit bot-side type is counted as asked (message_sent, broadcast_delivered); broadcast_clicked is the user's.
    return: fc.constantFrom("any", "any", "any", "order", "lead", "payment", "message_received", "message_sent", "broadcast_delivered", "broadcast_clicked"),
    breakdown: maybe(fc.constantFrom(...RETENTION_BREAKDOWNS), 2, 1),
  })
  .map(({ breakdown, ...rest }) => (breakdown ? { ...rest, breakdown } : rest));

/** The endpoint's own query parameters. */
export function retentionParamsQuery(params: RetentionParams): Record<string, string> {
  const query: Record<string, string> = { interval: params.interval, periods: String(params.periods), cohort: params.cohort, return: params.return };
  if (params.breakdown) query.breakdown = params.breakdown;
  return query;
}
