/**
 * fast-check arbitraries for the broadcasts, support, surveys and paths property tests: streams of a few users
 * whose gaps sit on the definitions' edges (0 and 1 ms, the 30-minute session gap, 24 h for reopens, 48 h for
 * opt-outs, the conversion windows), with broadcast_* events carrying a broadcastId, clicks and replies under
 * a broadcast, message_sent by the bot or an operator, survey answers (CSAT 1–5 among them), script nodes and
 * buttons, failure and handoff reasons, resends, in shuffled order. Queries add each endpoint's own parameters.
 */
import fc from "fast-check";
import { funnelWindowSeconds } from "@chatfunnel/contract";
import {
  BROADCAST_EVENT_TYPES,
  DEFAULT_BROADCAST_WINDOW,
  DEFAULT_PATHS_DEPTH,
  DEFAULT_PATHS_START,
  DEFAULT_SURVEY_WINDOW,
  INTERVALS,
  type BroadcastDetailResponse,
  type BroadcastsResponse,
  type Channel,
  type Event,
  type Interval,
  type PathsResponse,
  type SupportResponse,
  type SurveysResponse,
} from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { queryArb, type RandomQuery } from "../support/random-events.js";
import { refBroadcastDetail, refBroadcasts } from "./broadcasts.js";
import type { RefEvent } from "./events.js";
import { refPaths } from "./paths.js";
import { refSupport } from "./support.js";
import { refSurveys } from "./surveys.js";

export const BROADCAST_IDS = ["b-fri", "b-sat", "b-sun"] as const;
export const NODES = ["menu", "catalog", "checkout"] as const;
export const BUTTONS = ["buy", "back", "catalog"] as const;
export const SURVEY_QUESTIONS = ["csat", "source"] as const;
export const SURVEY_ANSWERS = ["friend", "ads", "blog"] as const;
export const FAILURE_REASONS = ["blocked_by_user", "timeout"] as const;
/** Telegram and VK never report reads, WhatsApp does: a broadcast on both has a known read figure. */
export const MESSAGING_CHANNELS: Channel[] = ["telegram", "whatsapp", "vk"];
/** Windows near the gaps below: 30 min (the session gap), 1 h, the broadcasts' default 3 d. */
export const WINDOWS = ["30m", "1h", "1d", "3d"] as const;
export const PATH_STARTS = ["bot_started", "message_received", "button_clicked"] as const;

const BROADCAST_TYPES = BROADCAST_EVENT_TYPES;
const CONVERSATION_TYPES = ["bot_started", "message_received", "message_sent", "button_clicked", "handoff", "resolved", "survey_answered"] as const;
const OUTCOME_TYPES = ["lead", "order", "payment", "unsubscribed", "blocked"] as const;

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Gaps inside a burst (one conversation or one broadcast's statuses): ties, 1 ms, seconds, just under the session gap. */
export const BURST_GAPS_MS = [0, 0, 1, 10_000, MIN, 5 * MIN, 30 * MIN - 1] as const;
/** Gaps between bursts: the session gap exactly and just past it, and either side of 24 h, 48 h and 3 d. */
export const BREAK_GAPS_MS = [30 * MIN, 30 * MIN + 1, HOUR, HOUR, 6 * HOUR, DAY - 1, DAY, DAY, DAY + 1, 2 * DAY, 2 * DAY + 1, 3 * DAY, 3 * DAY + 1] as const;

/** `arb` in `present` of `present + absent` draws, else undefined. */
const maybe = <T>(arb: fc.Arbitrary<T>, present = 1, absent = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: present, arbitrary: arb }, { weight: absent, arbitrary: fc.constant(undefined) });

type Content = Omit<Event, "id" | "userId" | "timestamp" | "channel" | "botId">;

/** One event's content (no time, no user): its type and what the contract attaches to that type. */
const contentArb = (kind: "broadcast" | "conversation", broadcastId: string) =>
  fc
    .record({
      type:
        kind === "broadcast"
          ? fc.oneof(
              { weight: 6, arbitrary: fc.constantFrom(...BROADCAST_TYPES) },
              // a custom type that merely looks like one: it makes no broadcast
              { weight: 1, arbitrary: fc.constantFrom("button_clicked", "message_received", "broadcast_scheduled") },
              { weight: 2, arbitrary: fc.constantFrom(...OUTCOME_TYPES) },
            )
          : fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...CONVERSATION_TYPES) }, { weight: 1, arbitrary: fc.constantFrom(...OUTCOME_TYPES) }),
      // In a broadcast burst, clicks and replies are mostly the ones the broadcast caused.
      tagged: kind === "broadcast" ? fc.boolean() : fc.constant(false),
      sender: fc.constantFrom<"bot" | "operator" | undefined>(undefined, "bot", "operator", "operator"),
      node: maybe(fc.constantFrom(...NODES), 1, 2),
      button: maybe(fc.constantFrom(...BUTTONS), 3, 1),
      question: fc.constantFrom(...SURVEY_QUESTIONS),
      rating: fc.integer({ min: 1, max: 5 }),
      answer: fc.oneof(fc.constantFrom(...SURVEY_ANSWERS), fc.constant(3)),
      reason: maybe(fc.constantFrom(...FAILURE_REASONS)),
      cents: fc.integer({ min: 0, max: 100_000 }),
      currency: fc.constantFrom("RUB", "USD"),
    })
    .map((r): Content => {
      const event: Content = { type: r.type };
      const properties: NonNullable<Event["properties"]> = {};
      if (r.type.startsWith("broadcast_")) event.broadcastId = broadcastId;
      if ((r.type === "button_clicked" || r.type === "message_received") && r.tagged) event.broadcastId = broadcastId;
      if (r.type === "message_sent" && r.sender) properties.sender = r.sender;
      if (r.type === "button_clicked" && r.button) properties.button = r.button;
      if (r.node) properties.node = r.node;
      if (r.type === "survey_answered") {
        properties.question = r.question;
        properties.answer = r.question === "csat" ? r.rating : r.answer;
      }
      if ((r.type === "broadcast_failed" || r.type === "handoff") && r.reason) properties.reason = r.reason;
      if (r.type === "order" || r.type === "payment") {
        event.revenue = r.cents / 100;
        event.currency = r.currency;
      }
      if (Object.keys(properties).length > 0) event.properties = properties;
      return event;
    });

/** A burst: a conversation (mostly bot_started … resolved) or one broadcast's statuses and what followed them. */
const burstArb = fc
  .record({
    kind: fc.constantFrom<"broadcast" | "conversation">("broadcast", "conversation", "conversation"),
    broadcastId: fc.constantFrom(...BROADCAST_IDS),
    breakMs: fc.constantFrom(...BREAK_GAPS_MS),
    sessionId: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom("s1", "s2") }),
    closes: fc.boolean(),
  })
  .chain(({ kind, broadcastId, breakMs, sessionId, closes }) =>
    fc
      .array(
        fc.record({
          gap: fc.constantFrom(...BURST_GAPS_MS),
          content: contentArb(kind, broadcastId),
          // A request is often answered (by the bot, sometimes by an operator), a handoff often by an operator.
          reply: fc.constantFrom<"bot" | "operator" | undefined>("bot", "bot", "operator", undefined),
          replyGap: fc.constantFrom(...BURST_GAPS_MS),
        }),
        { minLength: 1, maxLength: 7 },
      )
      .map((generated) => {
        const drawn = [...generated];
        // A conversation opens with a request or a start (so support has sessions to judge) and often ends resolved.
        if (kind === "conversation") {
          const first = drawn[0]!;
          const node = first.content.properties?.node;
          const type = first.content.type === "bot_started" ? "bot_started" : "message_received";
          drawn[0] = { ...first, content: node === undefined ? { type } : { type, properties: { node } } };
          if (closes) drawn.push({ ...drawn[drawn.length - 1]!, content: { type: "resolved" }, reply: undefined });
        }
        const steps: { gap: number; content: Content }[] = [];
        for (const { gap, content, reply, replyGap } of drawn) {
          steps.push({ gap, content });
          const sender = content.type === "handoff" ? "operator" : reply === "operator" ? "operator" : undefined;
          if (reply && (content.type === "message_received" || content.type === "handoff")) {
            steps.push({ gap: replyGap, content: sender ? { type: "message_sent", properties: { sender } } : { type: "message_sent" } });
          }
        }
        return { breakMs, sessionId, steps };
      }),
  );

/** One user's events: bursts separated by breaks, mostly on one channel and one bot. */
function trackArb(anchorMs: number, user: number): fc.Arbitrary<Event[]> {
  return fc
    .record({
      channel: fc.constantFrom(...MESSAGING_CHANNELS),
      botId: fc.constantFrom("bot-a", "bot-b"),
      start: fc.integer({ min: -288, max: 288 }),
      campaign: fc.option(fc.constantFrom("spring", "autumn"), { nil: undefined, freq: 3 }),
      bursts: fc.array(burstArb, { minLength: 1, maxLength: 4 }),
      ids: fc.array(fc.uuid({ version: 4 }), { minLength: 8, maxLength: 8 }),
      strays: fc.array(fc.record({ index: fc.nat(55), channel: fc.constantFrom(...MESSAGING_CHANNELS), botId: fc.constantFrom("bot-a", "bot-b") }), { maxLength: 2 }),
    })
    .map(({ channel, botId, start, campaign, bursts, ids, strays }) => {
      let ts = anchorMs + start * 5 * MIN;
      const events: Event[] = [];
      bursts.forEach((burst, b) => {
        if (b > 0) ts += burst.breakMs;
        for (const step of burst.steps) {
          ts += step.gap;
          const index = events.length;
          const event: Event = {
            ...step.content,
            // fast-check repeats small uuids; distinct events need distinct ids (only resends share one).
            id: `${ids[index % ids.length]!.slice(0, 24)}${(user * 1000 + index).toString(16).padStart(12, "0")}`,
            channel,
            botId,
            userId: `u${user}`,
            timestamp: new Date(ts).toISOString(),
          };
          if (burst.sessionId) event.sessionId = burst.sessionId;
          if (campaign && index === 0) event.source = { campaign };
          events.push(event);
        }
      });
      // A few events on another channel (another user) or from another bot.
      for (const stray of strays) if (events[stray.index]) events[stray.index] = { ...events[stray.index]!, channel: stray.channel, botId: stray.botId };
      return events;
    });
}

/** Events of a few users plus exact resends, shuffled. */
export function messagingStreamArb(anchorMs: number, opts: { users?: number } = {}): fc.Arbitrary<Event[]> {
  const users = opts.users ?? 5;
  const tracks = fc.tuple(...Array.from({ length: users }, (_, index) => fc.option(trackArb(anchorMs, index + 1), { nil: [] as Event[], freq: 6 })));
  return tracks
    .map((list) => list.flat())
    .chain((events) =>
      fc.tuple(fc.subarray(events, { maxLength: Math.min(4, events.length) }), fc.array(fc.nat(), { minLength: events.length + 4, maxLength: events.length + 4 })).map(([resent, order]) => {
        const all = [...events, ...resent.map((event) => ({ ...event }))];
        return all.map((event, index) => ({ event, key: order[index] ?? index })).sort((a, b) => a.key - b.key).map(({ event }) => event);
      }),
    );
}

/** The common filters plus each new endpoint's parameters (absent ones take the schema's default). */
export interface MessagingQuery extends RandomQuery {
  window?: (typeof WINDOWS)[number];
  interval: Interval;
  start?: (typeof PATH_STARTS)[number];
  depth?: number;
}

export function messagingQueryArb(anchorMs: number): fc.Arbitrary<MessagingQuery> {
  return fc
    .record({
      common: queryArb(anchorMs),
      window: maybe(fc.constantFrom(...WINDOWS), 2, 1),
      interval: fc.constantFrom(...INTERVALS),
      start: maybe(fc.constantFrom(...PATH_STARTS), 1, 1),
      depth: maybe(fc.integer({ min: 2, max: 10 }), 2, 1),
      // queryArb sets each filter most of the time; here mostly not, so the streams' few users stay in scope.
      keep: fc.record({ channel: fc.boolean(), botId: fc.boolean(), campaign: fc.constantFrom(true, false, false, false), currency: fc.boolean() }),
    })
    .map(({ common, window, interval, start, depth, keep }) => {
      const query: MessagingQuery = { from: common.from, to: common.to, tz: common.tz, interval };
      if (common.channel && keep.channel) query.channel = common.channel;
      if (common.botId && keep.botId) query.botId = common.botId;
      if (common.campaign && keep.campaign) query.campaign = common.campaign;
      if (common.currency && keep.currency) query.currency = common.currency;
      if (window) query.window = window;
      if (start) query.start = start;
      if (depth !== undefined) query.depth = depth;
      return query;
    });
}

/** The extra query-string parameters of one endpoint (toQueryString adds the common ones). */
export function endpointParams(endpoint: "broadcasts" | "support" | "surveys" | "paths", query: MessagingQuery): Record<string, string> {
  const params: Record<string, string> = {};
  if ((endpoint === "broadcasts" || endpoint === "surveys") && query.window) params.window = query.window;
  if (endpoint === "support") params.interval = query.interval;
  if (endpoint === "paths") {
    if (query.start) params.start = query.start;
    if (query.depth !== undefined) params.depth = String(query.depth);
  }
  return params;
}

/** What each new endpoint should answer for `query`, computed by the references (details by broadcastId, 404s absent). */
export interface MessagingExpected {
  broadcasts: BroadcastsResponse;
  broadcastDetails: Map<string, BroadcastDetailResponse>;
  support: SupportResponse;
  surveys: SurveysResponse;
  paths: PathsResponse;
}

export function messagingExpected(events: RefEvent[], filters: ResolvedFilters, query: MessagingQuery): MessagingExpected {
  const broadcastWindow = funnelWindowSeconds(query.window ?? DEFAULT_BROADCAST_WINDOW)!;
  const broadcasts = refBroadcasts(events, filters, broadcastWindow);
  const broadcastDetails = new Map<string, BroadcastDetailResponse>();
  for (const id of BROADCAST_IDS) {
    const detail = refBroadcastDetail(events, filters, broadcastWindow, id);
    if (detail) broadcastDetails.set(id, detail);
  }
  return {
    broadcasts,
    broadcastDetails,
    support: refSupport(events, filters, query.interval),
    surveys: refSurveys(events, filters, funnelWindowSeconds(query.window ?? DEFAULT_SURVEY_WINDOW)!),
    paths: refPaths(events, filters, query.start ?? DEFAULT_PATHS_START, query.depth ?? DEFAULT_PATHS_DEPTH),
  };
}
