import type { SpendRow } from "@chatfunnel/schemas";
import type { Properties, Source, TrackInput } from "@chatfunnel/sdk";
import {
  APPROX_EVENTS_PER_USER,
  AUDIENCE_SURVEY,
  BROADCAST_THEMES,
  CHANNEL_MODELS,
  CSAT_WEIGHTS,
  CURRENCY,
  HOUR_WEIGHTS,
  NODE_BUTTONS,
  SCRIPT_NODES,
  type CampaignModel,
  type ChannelModel,
} from "./model.js";
import { Prng } from "./prng.js";

export interface TrafficOptions {
  /** Days of history, ending at `now`. */
  days: number;
  seed: number;
  /** Exactly this many events are generated. */
  events: number;
  /** End of the window, ms since epoch (default: the current time). Fixed in tests for determinism. */
  now?: number;
}

/** A simulated event: everything the SDK needs, with a deterministic id and timestamp. */
export type SimulatedEvent = TrackInput & { id: string; timestamp: string; channel: NonNullable<TrackInput["channel"]>; botId: string };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Sessions end after 30 min of silence (DESIGN.md); the simulator keeps sessions apart by more. */
const SESSION_GAP_MS = 35 * MINUTE;

/** What a simulated event may add to the common fields. */
type EventExtra = Pick<TrackInput, "source" | "revenue" | "currency" | "properties" | "broadcastId">;
type Emit = (type: string, at: number, extra?: EventExtra) => void;

interface Broadcast {
  at: number;
  id: string;
}

/** Short channel names for broadcast ids. */
const CHANNEL_PREFIX: Record<string, string> = { telegram: "tg", whatsapp: "wa", vk: "vk", max: "max", web: "web" };

/**
 * Streams realistic traffic, user by user: each user arrives once (channel, campaign or organic,
 * weekly and daily seasonality), runs one or more sessions through the bot's script (menu → catalog →
 * product → cart → checkout, `properties.node`) and the funnel bot_started → message_received → lead →
 * order → payment with channel-specific drop-off, sometimes answers a short audience survey, is sometimes
 * handed to an operator (who answers within minutes, slower at night), rates resolved requests (CSAT),
 * may subscribe and then receives the channel's broadcasts. Memory is bounded by one user's events, so
 * any size streams. Same options → the same events, ids included.
 */
export function* generateTraffic(options: TrafficOptions): Generator<SimulatedEvent> {
  const now = options.now ?? Date.now();
  const start = now - options.days * DAY;
  const rng = new Prng(options.seed);
  const ids = new Prng(options.seed ^ 0x5eed1d5);
  const dayPicker = new DayPicker(start, options.days);
  const broadcasts = new Map(CHANNEL_MODELS.map((model, i) => [model.channel, planBroadcasts(new Prng(options.seed + (i + 1) * 7919), model, start, now)]));
  const channelWeights = CHANNEL_MODELS.map((m) => m.weight);
  let emitted = 0;
  let userNumber = 0;
  while (emitted < options.events) {
    const model = CHANNEL_MODELS[rng.weighted(channelWeights)]!;
    const user = simulateUser(rng, ids, model, userNumber++, dayPicker.arrival(rng), now, broadcasts.get(model.channel)!);
    for (const event of user) {
      if (emitted >= options.events) return;
      emitted++;
      yield event;
    }
  }
}

/** Arrival days: traffic grows ~30 % over the window and dips at weekends. */
class DayPicker {
  private readonly cumulative: number[] = [];

  constructor(
    private readonly start: number,
    private readonly days: number,
  ) {
    let total = 0;
    for (let d = 0; d < days; d++) {
      const weekday = new Date(start + d * DAY).getUTCDay();
      total += (1 + (0.3 * d) / Math.max(1, days)) * (weekday === 0 || weekday === 6 ? 0.8 : 1);
      this.cumulative.push(total);
    }
  }

  arrival(rng: Prng): number {
    const target = rng.float() * this.cumulative[this.cumulative.length - 1]!;
    let day = this.cumulative.findIndex((c) => c > target);
    if (day < 0) day = this.days - 1;
    const hour = rng.weighted(HOUR_WEIGHTS);
    const dayStart = Math.floor((this.start + day * DAY) / DAY) * DAY;
    const at = dayStart + hour * HOUR + rng.int(0, HOUR - 1);
    // Clamp into the window: the first and last days are partial.
    return Math.min(Math.max(at, this.start), this.start + this.days * DAY - 1);
  }
}

/** A few broadcasts a month per channel, around noon Moscow time, every 5–10 days. */
function planBroadcasts(rng: Prng, model: ChannelModel, start: number, now: number): Broadcast[] {
  const out: Broadcast[] = [];
  for (let day = Math.floor(start / DAY) * DAY + 9 * HOUR; day < now; day += rng.int(5, 10) * DAY) {
    const theme = rng.pick(BROADCAST_THEMES);
    if (day > start) out.push({ at: day + rng.int(0, 30) * MINUTE, id: `${CHANNEL_PREFIX[model.channel] ?? model.channel}-${new Date(day).toISOString().slice(0, 10)}-${theme}` });
  }
  return out;
}

function userIdFor(model: ChannelModel, rng: Prng, n: number): string {
  switch (model.channel) {
    case "telegram":
      return String(100_000_000 + ((n * 7_919 + rng.int(0, 7_000)) % 6_900_000_000));
    case "whatsapp":
      return `79${String(100_000_000 + ((n * 104_729) % 899_999_999)).padStart(9, "0")}`;
    case "vk":
      return String(1_000_000 + n * 13 + rng.int(0, 12));
    default:
      return `${model.channel}-${n.toString(36)}`;
  }
}

function pickCampaign(rng: Prng, model: ChannelModel): CampaignModel | undefined {
  let r = rng.float();
  for (const campaign of model.campaigns) {
    r -= campaign.share;
    if (r < 0) return campaign;
  }
  return undefined; // organic
}

function sourceOf(campaign: CampaignModel | undefined): Source | undefined {
  if (!campaign) return undefined;
  return { source: campaign.source, medium: campaign.medium, campaign: campaign.name, payload: `src-${campaign.source.replace(/_/g, "-")}_cmp-${campaign.name.replace(/_/g, "-")}` };
}

/** One user's whole history, sorted by time. */
function simulateUser(rng: Prng, ids: Prng, model: ChannelModel, n: number, arrival: number, now: number, broadcasts: Broadcast[]): SimulatedEvent[] {
  const userId = userIdFor(model, rng, n);
  const events: SimulatedEvent[] = [];
  const emit: Emit = (type, at, extra = {}) => {
    if (at > now) return;
    events.push({ id: ids.uuid(), type, channel: model.channel, botId: model.botId, userId, timestamp: new Date(at).toISOString(), ...extra });
  };
  const campaign = pickCampaign(rng, model);
  const source = sourceOf(campaign);
  const state: UserState = { hasLead: false, orders: 0 };
  let subscribedAt: number | undefined;
  let surveyed = false;
  let sessionStart = arrival;
  for (let session = 0; session < 8 && sessionStart < now; session++) {
    let t = sessionStart;
    const first = session === 0;
    if (first) {
      emit("bot_started", t, { source });
      if (!rng.chance(model.engage)) {
        if (rng.chance(0.15)) emit("blocked", t + rng.int(20, 600) * 1000);
        break;
      }
    }
    // A same-second burst: the user's message, the bot's instant reply and its keyboard, at the menu.
    t += rng.int(2, 90) * 1000;
    emit("message_received", t, { source: first ? source : undefined, properties: { node: "menu" } });
    emit("message_sent", t, { properties: { node: "menu" } });
    // Through the script: mostly forward along menu → catalog → product → cart, sometimes back to the menu.
    let step = 0;
    const exchanges = rng.int(0, 4);
    for (let i = 0; i < exchanges; i++) {
      t += rng.int(5, 240) * 1000;
      if (rng.chance(0.55)) {
        step = rng.chance(0.8) ? Math.min(step + 1, SCRIPT_NODES.length - 1) : 0;
        const node = SCRIPT_NODES[step]!;
        emit("button_clicked", t, { properties: { button: NODE_BUTTONS[node], node } });
      } else {
        emit("message_received", t, { properties: { node: SCRIPT_NODES[step]! } });
      }
      emit("message_sent", t + (rng.chance(0.7) ? 0 : 1000), { properties: { node: SCRIPT_NODES[step]! } });
    }
    if (first && subscribedAt === undefined && rng.chance(model.subscribe)) {
      t += rng.int(5, 60) * 1000;
      subscribedAt = t;
      emit("subscribed", t, { properties: { node: "menu" } });
    }
    if (!surveyed && rng.chance(0.14)) {
      surveyed = true;
      t = audienceSurvey(rng, t, emit);
    }
    const leadChance = state.hasLead ? 0.05 : first ? model.lead : model.lead * 0.6;
    if (rng.chance(leadChance)) t = checkout(rng, model, t + rng.int(30, 600) * 1000, state, emit);
    if (rng.chance(model.handoff)) {
      t = operatorConversation(rng, t, emit);
    } else if (rng.chance(model.resolved)) {
      t += rng.int(5, 60) * 1000;
      emit("resolved", t, { properties: { by: "bot" } });
      t = csat(rng, t, CSAT_WEIGHTS.bot, emit);
    }
    if (!rng.chance(model.returning)) break;
    sessionStart = t + SESSION_GAP_MS + rng.exponential(3.5 * DAY);
  }
  if (subscribedAt !== undefined) addBroadcasts(rng, model, subscribedAt, broadcasts, state, emit);
  events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  return events;
}

interface UserState {
  hasLead: boolean;
  orders: number;
}

/** Checkout: the button, the lead (a phone or a booking), then maybe an order, paid online or on delivery. */
function checkout(rng: Prng, model: ChannelModel, at: number, state: UserState, emit: Emit): number {
  let t = at;
  const node = "checkout";
  emit("button_clicked", t, { properties: { button: "checkout", node } });
  t += rng.int(20, 300) * 1000;
  state.hasLead = true;
  emit("lead", t, { properties: { form: rng.pick(["phone", "quiz", "booking"]), node } });
  if (rng.chance(state.orders > 0 ? model.order * 1.3 : model.order)) {
    t += rng.int(60, 900) * 1000;
    state.orders++;
    const revenue = Math.round(rng.logNormal(model.medianCheck, 0.5));
    const props: Properties = { items: rng.int(1, 4), node };
    if (rng.chance(model.payOnline)) {
      emit("order", t, { properties: props });
      if (rng.chance(0.88)) emit("payment", t + rng.int(20, 300) * 1000, { revenue, currency: CURRENCY, properties: { method: rng.pick(["card", "sbp", "wallet"]), node } });
    } else {
      emit("order", t, { revenue, currency: CURRENCY, properties: { ...props, payment: "on_delivery" } });
    }
  }
  return t;
}

/** Two or three short questions, each answered by fewer people than the one before. */
function audienceSurvey(rng: Prng, at: number, emit: Emit): number {
  let t = at;
  for (const [i, { question, answers, weights }] of AUDIENCE_SURVEY.entries()) {
    if (i > 0 && !rng.chance(0.8)) break;
    t += rng.int(5, 40) * 1000;
    emit("survey_answered", t, { properties: { question, answer: answers[rng.weighted(weights)]!, node: "survey" } });
  }
  return t;
}

/**
 * A handoff to a person: the operator's first answer takes minutes (median ~3 min by day, ~12 at night, when
 * fewer people are on shift, Moscow time), then a short exchange, mostly closed by the operator with a CSAT
 * question. The wait is capped below the 30-minute session timeout so the answer stays in the session it answers.
 */
function operatorConversation(rng: Prng, at: number, emit: Emit): number {
  let t = at + rng.int(10, 120) * 1000;
  const node = "support";
  emit("message_received", t, { properties: { node } });
  t += rng.int(2, 30) * 1000;
  emit("handoff", t, { properties: { reason: rng.pick(["complex_question", "complaint", "asked_for_human", "payment_problem"]), node } });
  const moscowHour = (new Date(t).getUTCHours() + 3) % 24;
  const night = moscowHour >= 22 || moscowHour < 8;
  const firstResponse = Math.min(28 * MINUTE, Math.max(20_000, Math.round(rng.logNormal(night ? 12 * MINUTE : 3 * MINUTE, 0.7))));
  t += firstResponse;
  emit("message_sent", t, { properties: { sender: "operator", node } });
  const turns = rng.int(0, 3);
  for (let i = 0; i < turns; i++) {
    t += rng.int(20, 240) * 1000;
    emit("message_received", t, { properties: { node } });
    t += rng.int(30, 300) * 1000;
    emit("message_sent", t, { properties: { sender: "operator", node } });
  }
  if (!rng.chance(0.75)) return t;
  t += rng.int(30, 300) * 1000;
  emit("resolved", t, { properties: { by: "operator", node } });
  return csat(rng, t, firstResponse > 10 * MINUTE ? CSAT_WEIGHTS.operatorSlow : CSAT_WEIGHTS.operatorFast, emit);
}

/** About a third of users answer the rating question sent after a resolved request. */
function csat(rng: Prng, at: number, weights: readonly number[], emit: Emit): number {
  if (!rng.chance(0.33)) return at;
  const t = at + rng.int(10, 600) * 1000;
  emit("survey_answered", t, { properties: { question: "csat", answer: rng.weighted(weights) + 1 } });
  return t;
}

/**
 * The broadcasts a subscriber receives: sent → delivered → read (where the messenger reports reads) → clicked,
 * or failed with the messenger's reason. Within 48 h of a delivery some unsubscribe (no more broadcasts) or
 * block the bot (every later send fails as blocked); some who click buy within 3 days.
 */
function addBroadcasts(rng: Prng, model: ChannelModel, subscribedAt: number, broadcasts: Broadcast[], state: UserState, emit: Emit): void {
  let blockedAt = Infinity;
  for (const { at, id: broadcastId } of broadcasts) {
    if (at <= subscribedAt) continue;
    // Every recipient of one broadcast shares its send second: the largest same-second bursts.
    emit("broadcast_sent", at, { broadcastId });
    if (at > blockedAt) {
      emit("broadcast_failed", at + rng.int(1, 20) * 1000, { broadcastId, properties: { reason: model.failReasons[0] } });
      continue;
    }
    if (!rng.chance(model.broadcast.delivered)) {
      // Most undelivered sends are ones the messenger reports as failed; the rest are never heard of again.
      if (rng.chance(0.7)) emit("broadcast_failed", at + rng.int(1, 60) * 1000, { broadcastId, properties: { reason: rng.pick(model.failReasons) } });
      continue;
    }
    const delivered = at + rng.int(1, 120) * 1000;
    emit("broadcast_delivered", delivered, { broadcastId });
    let seen = delivered;
    const read = model.broadcast.read;
    const opened = read === null || rng.chance(read);
    if (read !== null && opened) {
      seen = delivered + Math.round(rng.exponential(2 * HOUR));
      emit("broadcast_read", seen, { broadcastId });
    }
    if (opened && rng.chance(model.broadcast.clicked)) {
      const clicked = seen + rng.int(2, 600) * 1000;
      // A button under the broadcast: the adapters make both events of such a click (cf:b=<id>).
      emit("broadcast_clicked", clicked, { broadcastId });
      emit("button_clicked", clicked, { broadcastId, properties: { button: "open_offer", node: "catalog" } });
      if (rng.chance(0.3)) checkout(rng, model, clicked + Math.min(3 * DAY - HOUR, Math.round(rng.exponential(6 * HOUR))), state, emit);
    }
    const optOut = rng.float();
    if (optOut < 0.03) {
      // Like the messengers' own opt-out updates, these name no broadcast: the report links them by the 48 h window.
      emit("unsubscribed", delivered + rng.int(5 * 60, 48 * 3600) * 1000);
      return;
    }
    if (optOut < 0.04) {
      blockedAt = delivered + rng.int(60, 48 * 3600) * 1000;
      emit("blocked", blockedAt);
    }
  }
}

/**
 * Daily spend per campaign, sized to the traffic: the expected users a campaign brings per day
 * times its cost per user, with day-to-day noise. Dates are UTC days of the window.
 */
export function generateSpend(options: TrafficOptions): SpendRow[] {
  const now = options.now ?? Date.now();
  const rng = new Prng(options.seed ^ 0x5bed);
  const expectedUsers = options.events / APPROX_EVENTS_PER_USER;
  const rows: SpendRow[] = [];
  const firstDay = Math.floor((now - options.days * DAY) / DAY) * DAY;
  for (let day = firstDay; day <= now; day += DAY) {
    const date = new Date(day).toISOString().slice(0, 10);
    for (const model of CHANNEL_MODELS) {
      for (const campaign of model.campaigns) {
        const usersPerDay = (expectedUsers * model.weight * campaign.share) / Math.max(1, options.days);
        const amount = Math.round(usersPerDay * campaign.costPerUser * (0.75 + rng.float() * 0.5) * 100) / 100;
        rows.push({ date, channel: model.channel, campaign: campaign.name, amount, currency: CURRENCY });
      }
    }
  }
  return rows;
}
