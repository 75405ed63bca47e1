/**
 * Broadcasts in plain TypeScript over an in-memory event list, from the semantics in
 * schemas/src/api/broadcasts.ts (DESIGN "Broadcasts, support, surveys, paths"). Naive on purpose.
 */
import {
  BROADCAST_EVENT_TYPES,
  BROADCAST_OPT_OUT_HOURS,
  CHANNELS,
  CHANNELS_WITHOUT_READS,
  MAX_BROADCAST_FAILURE_REASONS,
  type BroadcastDetailResponse,
  type BroadcastFigures,
  type BroadcastsResponse,
  type Money,
} from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { scoped, userKey, type RefEvent } from "./events.js";
import { byTimeThenId, byteOrder, byteOrderNullLast, hourStartMs, iso, money4, rate } from "./figures.js";

const FALLBACK_CURRENCY = "RUB";
const HOUR_MS = 3_600_000;
const reportsReads = (channel: string): boolean => !(CHANNELS_WITHOUT_READS as readonly string[]).includes(channel);

const byTime = byTimeThenId;
const isBroadcastEvent = (e: RefEvent): boolean => (BROADCAST_EVENT_TYPES as readonly string[]).includes(e.type);
const earliest = (events: RefEvent[]): RefEvent | undefined => [...events].sort(byTime)[0];

// Over events carrying the broadcastId: a click under the message proves its delivery, a delivery its send.
const isClicked = (e: RefEvent) => e.type === "broadcast_clicked" || e.type === "button_clicked";
const isRead = (e: RefEvent) => e.type === "broadcast_read";
const isDelivered = (e: RefEvent) => e.type === "broadcast_delivered" || isRead(e) || isClicked(e);
const isSent = (e: RefEvent) => e.type === "broadcast_sent" || e.type === "broadcast_failed" || isDelivered(e);

interface UserState {
  channel: string;
  events: RefEvent[];
  deliveredAt: RefEvent | undefined;
}

interface Computed {
  figures: Omit<BroadcastFigures, "revenue" | "otherRevenue">;
  revenue4: Map<string, number>;
  users: Map<string, UserState>;
  readKnown: boolean;
}

/** The broadcasts starting in range, with their per-currency revenue, before the currency is chosen. */
function compute(events: RefEvent[], filters: ResolvedFilters, windowSeconds: number): Computed[] {
  const inScope = scoped(events, filters);
  const byUser = new Map<string, RefEvent[]>();
  for (const event of inScope) byUser.set(userKey(event), [...(byUser.get(userKey(event)) ?? []), event]);
  const ids = new Set(inScope.filter((e) => e.broadcastId !== "" && isBroadcastEvent(e)).map((e) => e.broadcastId));
  const result: Computed[] = [];
  for (const id of ids) {
    const mine = inScope.filter((e) => e.broadcastId === id);
    const starts = mine.filter((e) => e.type === "broadcast_sent");
    const start = earliest(starts.length > 0 ? starts : mine.filter(isBroadcastEvent))!;
    if (start.ts < filters.fromMs || start.ts >= filters.toMs) continue;
    const users = new Map<string, UserState>();
    for (const event of mine) {
      const key = userKey(event);
      const state = users.get(key) ?? { channel: event.channel, events: [], deliveredAt: undefined };
      state.events.push(event);
      users.set(key, state);
    }
    for (const state of users.values()) state.deliveredAt = earliest(state.events.filter(isDelivered));
    const states = [...users.entries()];
    const delivered = states.filter(([, s]) => s.deliveredAt);
    const channels = CHANNELS.filter((channel) => mine.some((e) => e.channel === channel));
    const readKnown = channels.some(reportsReads);
    const deliveredReporting = delivered.filter(([, s]) => reportsReads(s.channel));
    const read = readKnown ? deliveredReporting.filter(([, s]) => s.events.some(isRead)).length : null;
    const failedUsers = states.filter(([, s]) => !s.deliveredAt && s.events.some((e) => e.type === "broadcast_failed"));
    const reasons = new Map<string | null, number>();
    for (const [, s] of failedUsers) {
      const last = [...s.events.filter((e) => e.type === "broadcast_failed")].sort(byTime).at(-1)!;
      // The engine's Map cannot tell a missing property from "": both are "no reason".
      const reason = last.properties.reason || null;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    const failureReasons = [...reasons]
      .map(([reason, count]) => ({ reason, users: count }))
      .sort((a, b) => b.users - a.users || byteOrderNullLast(a.reason, b.reason))
      .slice(0, MAX_BROADCAST_FAILURE_REASONS);
    // After-delivery figures read every event of the user in scope, tagged or not.
    const within = (key: string, deliveredAt: number, limitMs: number, test: (e: RefEvent) => boolean) =>
      (byUser.get(key) ?? []).filter((e) => e.ts >= deliveredAt && e.ts <= deliveredAt + limitMs && test(e));
    const windowMs = windowSeconds * 1000;
    const countWithin = (limitMs: number, test: (e: RefEvent) => boolean) => delivered.filter(([key, s]) => within(key, s.deliveredAt!.ts, limitMs, test).length > 0).length;
    const revenue4 = new Map<string, number>();
    for (const [key, s] of delivered) {
      for (const e of within(key, s.deliveredAt!.ts, windowMs, (e) => (e.type === "order" || e.type === "payment") && e.currency !== "")) revenue4.set(e.currency, (revenue4.get(e.currency) ?? 0) + e.revenue4);
    }
    const deliveredCount = delivered.length;
    const clicked = states.filter(([, s]) => s.events.some(isClicked)).length;
    const unsubscribedOrBlocked = countWithin(BROADCAST_OPT_OUT_HOURS * HOUR_MS, (e) => e.type === "unsubscribed" || e.type === "blocked");
    const leads = countWithin(windowMs, (e) => e.type === "lead");
    const orders = countWithin(windowMs, (e) => e.type === "order");
    result.push({
      users,
      readKnown,
      revenue4,
      figures: {
        broadcastId: id,
        channels,
        firstSentAt: iso(start.ts),
        sent: states.filter(([, s]) => s.events.some(isSent)).length,
        delivered: deliveredCount,
        read,
        clicked,
        failed: failedUsers.length,
        failureReasons,
        unsubscribedOrBlocked,
        leads,
        orders,
        deliveryRate: rate(deliveredCount, states.filter(([, s]) => s.events.some(isSent)).length),
        readRate: read === null ? null : rate(read, deliveredReporting.length),
        clickRate: rate(clicked, deliveredCount),
        unsubscribeRate: rate(unsubscribedOrBlocked, deliveredCount),
        leadRate: rate(leads, deliveredCount),
        orderRate: rate(orders, deliveredCount),
      },
    });
  }
  return result;
}

function chooseCurrency(rows: Computed[], filters: ResolvedFilters): string {
  if (filters.currency) return filters.currency;
  const totals = new Map<string, number>();
  for (const row of rows) for (const [currency, amount4] of row.revenue4) totals.set(currency, (totals.get(currency) ?? 0) + amount4);
  const best = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  return best?.[0] ?? FALLBACK_CURRENCY;
}

function finish(row: Computed, currency: string): BroadcastFigures {
  const otherRevenue: Money[] = [...row.revenue4]
    .filter(([code, amount4]) => code !== currency && amount4 !== 0)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([code, amount4]) => money4(amount4, code));
  const { deliveryRate, readRate, clickRate, unsubscribeRate, leadRate, orderRate, ...counts } = row.figures;
  return { ...counts, revenue: money4(row.revenue4.get(currency) ?? 0, currency), otherRevenue, deliveryRate, readRate, clickRate, unsubscribeRate, leadRate, orderRate };
}

export function refBroadcasts(events: RefEvent[], filters: ResolvedFilters, windowSeconds: number): BroadcastsResponse {
  const rows = compute(events, filters, windowSeconds);
  const currency = chooseCurrency(rows, filters);
  const broadcasts = rows
    .map((row) => finish(row, currency))
    .sort((a, b) => (a.firstSentAt > b.firstSentAt ? -1 : a.firstSentAt < b.firstSentAt ? 1 : byteOrder(a.broadcastId, b.broadcastId)));
  return { range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz }, windowSeconds, currency, broadcasts };
}

/** The list's row for `broadcastId` plus its hours; undefined where the API answers 404. */
export function refBroadcastDetail(events: RefEvent[], filters: ResolvedFilters, windowSeconds: number, broadcastId: string): BroadcastDetailResponse | undefined {
  const rows = compute(events, filters, windowSeconds);
  const currency = chooseCurrency(rows, filters);
  const row = rows.find((r) => r.figures.broadcastId === broadcastId);
  if (!row) return undefined;
  const hours = new Map<number, { delivered: number; read: number; clicked: number }>();
  const add = (event: RefEvent | undefined, stage: "delivered" | "read" | "clicked") => {
    if (!event) return;
    const hour = hourStartMs(event.ts, filters.tz);
    const entry = hours.get(hour) ?? { delivered: 0, read: 0, clicked: 0 };
    entry[stage]++;
    hours.set(hour, entry);
  };
  for (const state of row.users.values()) {
    add(state.deliveredAt, "delivered");
    if (row.readKnown && state.deliveredAt && reportsReads(state.channel)) add(earliest(state.events.filter(isRead)), "read");
    add(earliest(state.events.filter(isClicked)), "clicked");
  }
  return {
    range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz },
    windowSeconds,
    currency,
    broadcast: finish(row, currency),
    hours: [...hours]
      .sort((a, b) => a[0] - b[0])
      .map(([hour, counts]) => ({ hour: iso(hour), delivered: counts.delivered, read: row.readKnown ? counts.read : null, clicked: counts.clicked })),
  };
}
