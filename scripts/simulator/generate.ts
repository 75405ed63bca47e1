import type { SpendRow } from "@chatfunnel/schemas";
import type { Properties, Source, TrackInput } from "@chatfunnel/sdk";
import { APPROX_EVENTS_PER_USER, CHANNEL_MODELS, CURRENCY, HOUR_WEIGHTS, type CampaignModel, type ChannelModel } from "./model.js";
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
type EventExtra = Pick<TrackInput, "source" | "revenue" | "currency" | "properties">;

interface Broadcast {
  at: number;
  name: string;
}

/**
 * Streams realistic traffic, user by user: each user arrives once (channel, campaign or organic,
 * weekly and daily seasonality), runs one or more sessions through the funnel bot_started →
 * message_received → lead → order → payment with channel-specific drop-off, is sometimes handed
 * to an operator, may subscribe and then receives broadcasts. Memory is bounded by one user's
 * events, so any size streams. Same options → the same events, ids included.
 */
export function* generateTraffic(options: TrafficOptions): Generator<SimulatedEvent> {
  const now = options.now ?? Date.now();
  const start = now - options.days * DAY;
  const rng = new Prng(options.seed);
  const ids = new Prng(options.seed ^ 0x5eed1d5);
  const dayPicker = new DayPicker(start, options.days);
  const broadcasts = new Map(CHANNEL_MODELS.map((model) => [model.channel, planBroadcasts(new Prng(options.seed + model.channel.length * 7919), start, now)]));
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

function planBroadcasts(rng: Prng, start: number, now: number): Broadcast[] {
  const out: Broadcast[] = [];
  // Around noon Moscow time every 3–5 days.
  for (let day = Math.floor(start / DAY) * DAY + 9 * HOUR; day < now; day += rng.int(3, 5) * DAY) {
    if (day > start) out.push({ at: day + rng.int(0, 30) * MINUTE, name: `digest_${new Date(day).toISOString().slice(0, 10)}` });
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
  const emit = (type: string, at: number, extra: EventExtra = {}) => {
    if (at > now) return;
    events.push({ id: ids.uuid(), type, channel: model.channel, botId: model.botId, userId, timestamp: new Date(at).toISOString(), ...extra });
  };
  const campaign = pickCampaign(rng, model);
  const source = sourceOf(campaign);
  let hasLead = false;
  let orders = 0;
  let subscribedAt: number | undefined;
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
    // A same-second burst: the user's message, the bot's instant reply and its keyboard.
    t += rng.int(2, 90) * 1000;
    emit("message_received", t, { source: first ? source : undefined });
    emit("message_sent", t);
    const exchanges = rng.int(0, 4);
    for (let i = 0; i < exchanges; i++) {
      t += rng.int(5, 240) * 1000;
      if (rng.chance(0.45)) emit("button_clicked", t, { properties: { button: rng.pick(["catalog", "prices", "delivery", "contacts", "promo"]) } });
      else emit("message_received", t);
      emit("message_sent", t + (rng.chance(0.7) ? 0 : 1000));
    }
    if (first && subscribedAt === undefined && rng.chance(model.subscribe)) {
      t += rng.int(5, 60) * 1000;
      subscribedAt = t;
      emit("subscribed", t);
    }
    if (rng.chance(0.12)) {
      t += rng.int(10, 120) * 1000;
      emit("survey_answered", t, { properties: { question: "nps", score: rng.int(3, 10) } });
    }
    const leadChance = hasLead ? 0.05 : first ? model.lead : model.lead * 0.6;
    if (rng.chance(leadChance)) {
      t += rng.int(30, 600) * 1000;
      hasLead = true;
      emit("lead", t, { properties: { form: rng.pick(["phone", "quiz", "booking"]) } });
      if (rng.chance(orders > 0 ? model.order * 1.3 : model.order)) {
        t += rng.int(60, 900) * 1000;
        orders++;
        const revenue = Math.round(rng.logNormal(model.medianCheck, 0.5));
        const props: Properties = { items: rng.int(1, 4) };
        if (rng.chance(model.payOnline)) {
          emit("order", t, { properties: props });
          if (rng.chance(0.88)) emit("payment", t + rng.int(20, 300) * 1000, { revenue, currency: CURRENCY, properties: { method: rng.pick(["card", "sbp", "wallet"]) } });
        } else {
          emit("order", t, { revenue, currency: CURRENCY, properties: { ...props, payment: "on_delivery" } });
        }
      }
    }
    if (rng.chance(model.handoff)) {
      t += rng.int(10, 300) * 1000;
      emit("handoff", t, { properties: { reason: rng.pick(["complex_question", "complaint", "asked_for_human"]) } });
      // The operator answers within the session and closes it.
      t += rng.int(60, 1200) * 1000;
      emit("message_sent", t, { properties: { by: "operator" } });
      if (rng.chance(0.75)) emit("resolved", t + rng.int(30, 300) * 1000, { properties: { by: "operator" } });
    } else if (rng.chance(model.resolved)) {
      emit("resolved", t + rng.int(5, 60) * 1000, { properties: { by: "bot" } });
    }
    if (!rng.chance(model.returning)) break;
    sessionStart = t + SESSION_GAP_MS + rng.exponential(3.5 * DAY);
  }
  if (subscribedAt !== undefined) addBroadcasts(rng, model, subscribedAt, broadcasts, emit);
  events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  return events;
}

function addBroadcasts(rng: Prng, model: ChannelModel, subscribedAt: number, broadcasts: Broadcast[], emit: (type: string, at: number, extra?: EventExtra) => void): void {
  const unsubscribeAfter = rng.chance(0.2) ? rng.int(1, 6) : Infinity;
  let received = 0;
  for (const broadcast of broadcasts) {
    if (broadcast.at <= subscribedAt) continue;
    if (received >= unsubscribeAfter) {
      emit("unsubscribed", broadcast.at + rng.int(60, 3600) * 1000);
      return;
    }
    received++;
    const props = { broadcast: broadcast.name };
    // Every recipient of one broadcast shares its send second: the largest same-second bursts.
    emit("broadcast_sent", broadcast.at, { properties: props });
    if (!rng.chance(model.broadcast.delivered)) {
      // Most undelivered sends are ones the messenger reports as failed (a blocked bot, a number gone).
      if (rng.chance(0.5)) emit("broadcast_failed", broadcast.at + rng.int(1, 60) * 1000, { properties: { ...props, reason: "undeliverable" } });
      continue;
    }
    const delivered = broadcast.at + rng.int(1, 120) * 1000;
    emit("broadcast_delivered", delivered, { properties: props });
    if (!rng.chance(model.broadcast.read)) continue;
    const read = delivered + Math.round(rng.exponential(2 * HOUR));
    emit("broadcast_read", read, { properties: props });
    if (rng.chance(model.broadcast.clicked)) emit("broadcast_clicked", read + rng.int(2, 120) * 1000, { properties: props });
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
