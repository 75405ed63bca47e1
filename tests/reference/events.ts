import type { Event, SpendRow } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";

/** An event as the metrics see it: after dedup, timestamps as epoch ms, money in 1/10 000 units. */
export interface RefEvent {
  id: string;
  type: string;
  channel: string;
  botId: string;
  userId: string;
  sessionId: string;
  ts: number;
  campaign: string;
  /** Revenue in ten-thousandths (storage is Decimal(18, 4)), so sums are exact integers. */
  revenue4: number;
  currency: string;
  /** "" when the event has none. */
  broadcastId: string;
  /** As stored: strings as they are; numbers, booleans and null as their JSON text. */
  properties: Record<string, string>;
}

const propertyText = (value: string | number | boolean | null): string => (typeof value === "string" ? value : JSON.stringify(value));

export const userKey = (event: { channel: string; userId: string }): string => `${event.channel}\u0000${event.userId}`;
export const toUnits4 = (amount: number): number => Math.round(amount * 1e4);

/** A resent event (same id, same user) counts once. */
export function dedupe(events: Event[]): RefEvent[] {
  const byKey = new Map<string, RefEvent>();
  for (const event of events) {
    const id = event.id.toLowerCase();
    byKey.set(`${userKey(event)}\u0000${id}`, {
      id,
      type: event.type,
      channel: event.channel,
      botId: event.botId,
      userId: event.userId,
      sessionId: event.sessionId ?? "",
      ts: Date.parse(event.timestamp),
      campaign: event.source?.campaign ?? "",
      revenue4: toUnits4(event.revenue ?? 0),
      currency: event.currency ?? "",
      broadcastId: event.broadcastId ?? "",
      properties: Object.fromEntries(Object.entries(event.properties ?? {}).map(([key, value]) => [key, propertyText(value)])),
    });
  }
  return [...byKey.values()];
}

/** Spend rows re-imported for the same (date, channel, campaign) replace the earlier ones. */
export interface RefSpend {
  date: string;
  channel: string;
  campaign: string;
  amount4: number;
  currency: string;
}
export function latestSpend(imports: SpendRow[][]): RefSpend[] {
  const byKey = new Map<string, RefSpend>();
  for (const rows of imports) {
    for (const row of rows) {
      const campaign = row.campaign ?? "";
      byKey.set(JSON.stringify([row.date, row.channel, campaign]), { date: row.date, channel: row.channel, campaign, amount4: toUnits4(row.amount), currency: row.currency });
    }
  }
  return [...byKey.values()];
}

/**
 * First touch: the campaign of the user's earliest event that has one, over all the user's
 * events whatever the filters; equal times are broken by the smaller event id text.
 */
export function firstTouchCampaigns(events: RefEvent[]): Map<string, string> {
  const best = new Map<string, RefEvent>();
  for (const event of events) {
    if (event.campaign === "") continue;
    const key = userKey(event);
    const current = best.get(key);
    if (!current || event.ts < current.ts || (event.ts === current.ts && event.id < current.id)) best.set(key, event);
  }
  return new Map([...best].map(([key, event]) => [key, event.campaign]));
}

/** The events the filters keep: channel, bot, and users whose first-touch campaign is the one asked. */
export function scoped(events: RefEvent[], filters: ResolvedFilters): RefEvent[] {
  const firstTouch = filters.campaign === undefined ? undefined : firstTouchCampaigns(events);
  return events.filter(
    (event) =>
      (!filters.channels || filters.channels.includes(event.channel)) &&
      (filters.botId === undefined || event.botId === filters.botId) &&
      (!firstTouch || firstTouch.get(userKey(event)) === filters.campaign),
  );
}

export const inRange = (ts: number, filters: ResolvedFilters): boolean => ts >= filters.fromMs && ts < filters.toMs;
