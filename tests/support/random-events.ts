/**
 * fast-check arbitraries of event streams that stress the metric definitions: few users so their
 * events interleave, timestamps on a 5-minute grid (so equal timestamps and gaps of exactly 30
 * minutes are common), anchors at DST changes and midnights, resent duplicates, several channels,
 * bots, campaigns, currencies, sessions with and without sessionId. Shared with the funnel tests.
 */
import fc from "fast-check";
import type { Channel, Event, SpendRow } from "@chatfunnel/schemas";

/** Instants the streams cluster around: DST changes in Europe and the US, and a plain day. */
export const ANCHORS = [
  { name: "EU spring forward", ms: Date.UTC(2026, 2, 29, 1, 0) },
  { name: "EU fall back", ms: Date.UTC(2026, 9, 25, 1, 0) },
  { name: "US spring forward", ms: Date.UTC(2026, 2, 8, 7, 0) },
  { name: "US fall back", ms: Date.UTC(2026, 10, 1, 6, 0) },
  { name: "plain midnight", ms: Date.UTC(2026, 4, 12, 0, 0) },
] as const;

export const TIME_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Europe/Moscow", "Asia/Kolkata"] as const;
export const STREAM_CHANNELS: Channel[] = ["telegram", "whatsapp", "vk"];
export const EVENT_TYPES = ["message_received", "message_sent", "lead", "order", "payment", "resolved", "handoff", "bot_started", "button_clicked"] as const;
export const CAMPAIGNS = ["spring", "autumn"] as const;
export const CURRENCIES = ["RUB", "USD"] as const;
export const BOTS = ["bot-a", "bot-b"] as const;

const FIVE_MIN = 5 * 60 * 1000;
/** ±2 days around an anchor on a 5-minute grid; some events get a sub-second jitter. */
const offsetArb = fc.tuple(fc.integer({ min: -576, max: 576 }), fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 999 }) }));

const idArb = fc.uuid({ version: 4 });

/** One event around `anchorMs`; money (2 decimals) only on order and payment. */
export function eventArb(anchorMs: number, users = 4): fc.Arbitrary<Event> {
  return fc
    .record({
      id: idArb,
      type: fc.constantFrom(...EVENT_TYPES),
      channel: fc.constantFrom(...STREAM_CHANNELS),
      botId: fc.constantFrom(...BOTS),
      user: fc.integer({ min: 1, max: users }),
      session: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom("s1", "s2") }),
      offset: offsetArb,
      campaign: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...CAMPAIGNS) }),
      // Zero amounts are common on purpose: a currency that appears with 0 must still be listed.
      cents: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 100_000 }) }),
      currency: fc.constantFrom(...CURRENCIES),
    })
    .map((r) => {
      const event: Event = {
        id: r.id,
        type: r.type,
        channel: r.channel,
        botId: r.botId,
        userId: `u${r.user}`,
        timestamp: new Date(anchorMs + r.offset[0] * FIVE_MIN + r.offset[1]).toISOString(),
      };
      if (r.session) event.sessionId = r.session;
      if (r.campaign) event.source = { campaign: r.campaign };
      if (r.type === "order" || r.type === "payment") {
        event.revenue = r.cents / 100;
        event.currency = r.currency;
      }
      return event;
    });
}

/**
 * Gaps between a user's consecutive events: 0 (equal timestamps), either side of the 30-minute
 * session rule, within a session, long breaks, and a day (across midnight and DST changes).
 */
export const GAPS_MS = [0, 0, 1, 5 * 60_000, 29 * 60_000 + 59_999, 30 * 60_000, 30 * 60_000, 30 * 60_000 + 1, 2 * 3_600_000, 11 * 3_600_000, 86_400_000] as const;

/** One user's events as a walk through time from a start near the anchor. */
function userTrackArb(anchorMs: number, user: number): fc.Arbitrary<Event[]> {
  return fc
    .record({
      channel: fc.constantFrom(...STREAM_CHANNELS),
      start: fc.integer({ min: -288, max: 288 }),
      steps: fc.array(
        fc.record({
          gap: fc.constantFrom(...GAPS_MS),
          event: eventArb(anchorMs),
          sameChannel: fc.boolean(),
        }),
        { minLength: 1, maxLength: 14 },
      ),
    })
    .map(({ channel, start, steps }) => {
      let ts = anchorMs + start * FIVE_MIN;
      return steps.map(({ gap, event, sameChannel }) => {
        ts += gap;
        // Mostly one channel per track, sometimes another: the same userId on two channels is two users.
        return { ...event, userId: `u${user}`, channel: sameChannel || event.channel === channel ? channel : event.channel, timestamp: new Date(ts).toISOString() };
      });
    });
}

/** Events of a few users, plus some scattered ones, plus exact resends, in shuffled order. */
export function eventStreamArb(anchorMs: number, opts: { maxEvents?: number; users?: number } = {}): fc.Arbitrary<Event[]> {
  const users = opts.users ?? 4;
  const tracks = fc.tuple(...Array.from({ length: users }, (_, index) => fc.option(userTrackArb(anchorMs, index + 1), { nil: [] as Event[], freq: 5 })));
  const scattered = fc.array(eventArb(anchorMs, users), { maxLength: opts.maxEvents ?? 20 });
  return fc
    .tuple(tracks, scattered)
    .map(([userTracks, loose]) => [...userTracks.flat(), ...loose])
    .chain((events) =>
      fc
        .tuple(fc.subarray(events), fc.array(fc.nat(), { minLength: events.length * 2, maxLength: events.length * 2 }))
        .map(([resent, order]) => {
          const all = [...events, ...resent.map((event) => ({ ...event }))];
          return all.map((event, index) => ({ event, key: order[index] ?? index })).sort((a, b) => a.key - b.key).map(({ event }) => event);
        }),
    );
}

/** Imports of spend rows; each import has unique (date, channel, campaign), later imports may replace earlier rows. */
export function spendImportsArb(anchorMs: number): fc.Arbitrary<SpendRow[][]> {
  const anchorDay = Date.parse(new Date(anchorMs).toISOString().slice(0, 10));
  const rowArb = fc
    .record({
      day: fc.integer({ min: -3, max: 3 }),
      channel: fc.constantFrom(...STREAM_CHANNELS),
      campaign: fc.option(fc.constantFrom(...CAMPAIGNS), { nil: undefined }),
      cents: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) }),
      currency: fc.constantFrom(...CURRENCIES),
    })
    .map((r): SpendRow => {
      const row: SpendRow = { date: new Date(anchorDay + r.day * 86_400_000).toISOString().slice(0, 10), channel: r.channel, amount: r.cents / 100, currency: r.currency };
      if (r.campaign) row.campaign = r.campaign;
      return row;
    });
  const importArb = fc.uniqueArray(rowArb, { minLength: 1, maxLength: 8, selector: (row) => `${row.date}|${row.channel}|${row.campaign ?? ""}` });
  return fc.array(importArb, { minLength: 0, maxLength: 3 });
}

/** Query filters around an anchor: bounds as local dates or as instants, optional channel, bot, campaign, currency. */
export interface RandomQuery {
  from: string;
  to: string;
  tz: string;
  channel?: Channel[];
  botId?: string;
  campaign?: string;
  currency?: string;
}

export function queryArb(anchorMs: number): fc.Arbitrary<RandomQuery> {
  const anchorDay = Date.parse(new Date(anchorMs).toISOString().slice(0, 10));
  const dateBound = fc.integer({ min: -2, max: 2 }).map((day) => new Date(anchorDay + day * 86_400_000).toISOString().slice(0, 10));
  const bounds = fc.oneof(
    fc.tuple(dateBound, fc.integer({ min: 1, max: 3 })).map(([from, days]) => [from, new Date(Date.parse(from) + days * 86_400_000).toISOString().slice(0, 10)] as const),
    fc
      .tuple(fc.integer({ min: -288, max: 288 }), fc.integer({ min: 1, max: 576 }))
      .map(([start, length]) => [new Date(anchorMs + start * FIVE_MIN).toISOString(), new Date(anchorMs + (start + length) * FIVE_MIN).toISOString()] as const),
  );
  return fc
    .record({
      bounds,
      tz: fc.constantFrom(...TIME_ZONES),
      channel: fc.option(fc.subarray(STREAM_CHANNELS, { minLength: 1 }), { nil: undefined, freq: 3 }),
      botId: fc.option(fc.constantFrom(...BOTS), { nil: undefined, freq: 4 }),
      campaign: fc.option(fc.constantFrom(...CAMPAIGNS), { nil: undefined, freq: 4 }),
      currency: fc.option(fc.constantFrom(...CURRENCIES), { nil: undefined, freq: 4 }),
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

/** The query string supertest sends: `channel` repeated. */
export function toQueryString(query: RandomQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  params.set("from", query.from);
  params.set("to", query.to);
  params.set("tz", query.tz);
  for (const channel of query.channel ?? []) params.append("channel", channel);
  if (query.botId) params.set("botId", query.botId);
  if (query.campaign) params.set("campaign", query.campaign);
  if (query.currency) params.set("currency", query.currency);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}
