/**
 * The reference implementation of every metric, in plain TypeScript over an in-memory event list,
 * straight from DESIGN.md's definitions and the API's documented choices. The property tests load
 * the same events into the real engine and expect every endpoint to answer exactly this.
 */
import type {
  ChannelFigures,
  ChannelsResponse,
  CostsGrouping,
  CostsResponse,
  CostsRow,
  EngagementResponse,
  Interval,
  OtherCurrency,
  OverviewFigures,
  OverviewResponse,
  RepeatResponse,
  TimeseriesMetric,
  TimeseriesResponse,
} from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { firstTouchCampaigns, inRange, scoped, userKey, type RefEvent, type RefSpend } from "./events.js";
import { firstResponseMs, hasRequest, isResolved, sessionsInRange, type RefSession } from "./sessions.js";

export interface RefData {
  events: RefEvent[];
  spend: RefSpend[];
}

const FALLBACK_CURRENCY = "RUB";
const round4 = (value: number): number => Math.round(value * 1e4) / 1e4;
const rate = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
const money = (amount4: number, currency: string) => ({ amount: round4(amount4 / 1e4), currency });
const perCount = (amount4: number, count: number, currency: string) => (count === 0 ? null : { amount: round4(amount4 / 1e4 / count), currency });
const roas = (revenue4: number, spend4: number): number | null => (spend4 === 0 ? null : round4(revenue4 / spend4));
const iso = (ms: number): string => new Date(ms).toISOString();
const isRevenue = (event: RefEvent): boolean => (event.type === "order" || event.type === "payment") && event.currency !== "";

/** The local date of an instant in `tz`, as YYYY-MM-DD. */
export function refLocalDate(ms: number, tz: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((part) => part.type === type)!.value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
function bucketOf(date: string, interval: Interval): string {
  if (interval === "day") return date;
  if (interval === "month") return `${date.slice(0, 7)}-01`;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // Sunday = 0
  return addDays(date, -((weekday + 6) % 7));
}

/** Spend rows whose local day overlaps [from, to); the campaign filter matches the row's campaign, botId does not apply. */
function spendInRange(spend: RefSpend[], filters: ResolvedFilters): RefSpend[] {
  const firstDay = refLocalDate(filters.fromMs, filters.tz);
  const lastDay = refLocalDate(filters.toMs - 1, filters.tz);
  return spend.filter(
    (row) =>
      row.date >= firstDay &&
      row.date <= lastDay &&
      (!filters.channels || filters.channels.includes(row.channel)) &&
      (filters.campaign === undefined || row.campaign === filters.campaign),
  );
}

/** Revenue and spend per currency in range, most revenue + spend first, then by code. */
function currencyTotals(data: RefData, filters: ResolvedFilters): { currency: string; revenue4: number; spend4: number }[] {
  const totals = new Map<string, { currency: string; revenue4: number; spend4: number }>();
  const entry = (currency: string) => {
    if (!totals.has(currency)) totals.set(currency, { currency, revenue4: 0, spend4: 0 });
    return totals.get(currency)!;
  };
  for (const event of scoped(data.events, filters)) if (inRange(event.ts, filters) && isRevenue(event)) entry(event.currency).revenue4 += event.revenue4;
  for (const row of spendInRange(data.spend, filters)) entry(row.currency).spend4 += row.amount4;
  return [...totals.values()].sort((a, b) => b.revenue4 + b.spend4 - (a.revenue4 + a.spend4) || (a.currency < b.currency ? -1 : 1));
}

function chosenCurrency(data: RefData, filters: ResolvedFilters) {
  const totals = currencyTotals(data, filters);
  const currency = filters.currency ?? totals[0]?.currency ?? FALLBACK_CURRENCY;
  const others: OtherCurrency[] = totals
    .filter((row) => row.currency !== currency)
    .map((row) => ({ currency: row.currency, revenue: round4(row.revenue4 / 1e4), spend: round4(row.spend4 / 1e4) }));
  const mine = totals.find((row) => row.currency === currency) ?? { currency, revenue4: 0, spend4: 0 };
  return { currency, others, mine };
}

function newUserKeys(events: RefEvent[], filters: ResolvedFilters): Map<string, number> {
  const firstSeen = new Map<string, number>();
  for (const event of events) {
    if (event.ts >= filters.toMs) continue;
    const key = userKey(event);
    firstSeen.set(key, Math.min(firstSeen.get(key) ?? Infinity, event.ts));
  }
  return new Map([...firstSeen].filter(([, ts]) => ts >= filters.fromMs));
}

function figures(data: RefData, filters: ResolvedFilters, currencyOverride?: string): { figures: OverviewFigures; others: OtherCurrency[] } {
  const events = scoped(data.events, filters);
  const inside = events.filter((event) => inRange(event.ts, filters));
  const sessions = sessionsInRange(events, filters);
  const { currency, others, mine } = chosenCurrency(data, currencyOverride ? { ...filters, currency: currencyOverride } : filters);
  const leads = inside.filter((event) => event.type === "lead").length;
  const orders = inside.filter((event) => event.type === "order").length;
  return {
    figures: {
      users: new Set(inside.map(userKey)).size,
      newUsers: newUserKeys(events, filters).size,
      sessions: sessions.length,
      leads,
      orders,
      revenue: money(mine.revenue4, currency),
      spend: money(mine.spend4, currency),
      cpl: perCount(mine.spend4, leads, currency),
      cpo: perCount(mine.spend4, orders, currency),
      roas: roas(mine.revenue4, mine.spend4),
      resolutionRate: rate(sessions.filter(isResolved).length, sessions.filter(hasRequest).length),
    },
    others,
  };
}

export function refOverview(data: RefData, filters: ResolvedFilters): OverviewResponse {
  const current = figures(data, filters);
  const length = filters.toMs - filters.fromMs;
  const previousFilters = { ...filters, fromMs: filters.fromMs - length, toMs: filters.fromMs };
  const previous = figures(data, previousFilters, current.figures.revenue.currency);
  return {
    range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz },
    current: current.figures,
    previous: { ...previous.figures, range: { from: iso(previousFilters.fromMs), to: iso(previousFilters.toMs) } },
    otherCurrencies: current.others,
  };
}

export function refTimeseries(data: RefData, filters: ResolvedFilters, metric: TimeseriesMetric, interval: Interval): TimeseriesResponse {
  const events = scoped(data.events, filters);
  const inside = events.filter((event) => inRange(event.ts, filters));
  const labels: string[] = [];
  const last = bucketOf(refLocalDate(filters.toMs - 1, filters.tz), interval);
  for (let day = refLocalDate(filters.fromMs, filters.tz); bucketOf(day, interval) <= last; day = addDays(day, 1)) {
    const label = bucketOf(day, interval);
    if (labels[labels.length - 1] !== label) labels.push(label);
  }
  const bucket = (ms: number) => bucketOf(refLocalDate(ms, filters.tz), interval);
  const isMoney = metric === "revenue" || metric === "spend";
  const chosen = isMoney ? chosenCurrency(data, filters) : undefined;
  const sessions = (): RefSession[] => sessionsInRange(events, filters);
  const tally = new Map<string, { value: number; base: number }>();
  const add = (label: string, value: number, base = 1) => {
    const entry = tally.get(label) ?? { value: 0, base: 0 };
    tally.set(label, { value: entry.value + value, base: entry.base + base });
  };
  switch (metric) {
    case "users": {
      const seen = new Set<string>();
      for (const event of inside) {
        const key = `${bucket(event.ts)}\u0000${userKey(event)}`;
        if (!seen.has(key)) seen.add(key), add(bucket(event.ts), 1);
      }
      break;
    }
    case "new_users":
      for (const ts of newUserKeys(events, filters).values()) add(bucket(ts), 1);
      break;
    case "sessions":
      for (const session of sessions()) add(bucket(session.start), 1);
      break;
    case "leads":
    case "orders":
      for (const event of inside) if (event.type === metric.slice(0, -1)) add(bucket(event.ts), 1);
      break;
    case "revenue":
      for (const event of inside) if (isRevenue(event) && event.currency === chosen!.currency) add(bucket(event.ts), event.revenue4);
      break;
    case "spend":
      for (const row of spendInRange(data.spend, filters)) if (row.currency === chosen!.currency) add(bucketOf(row.date, interval), row.amount4);
      break;
    case "resolution_rate":
      for (const session of sessions()) add(bucket(session.start), isResolved(session) ? 1 : 0, hasRequest(session) ? 1 : 0);
      break;
  }
  const points = labels.map((label) => {
    const entry = tally.get(label);
    if (metric === "resolution_rate") return { bucket: label, value: entry ? rate(entry.value, entry.base) : null };
    if (isMoney) return { bucket: label, value: round4((entry?.value ?? 0) / 1e4) };
    return { bucket: label, value: entry?.value ?? 0 };
  });
  return {
    range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz },
    metric,
    interval,
    currency: chosen?.currency ?? null,
    points,
    otherCurrencies: chosen ? chosen.others.filter((row) => (metric === "revenue" ? row.revenue : row.spend) !== 0) : [],
  };
}

export function refChannels(data: RefData, filters: ResolvedFilters): ChannelsResponse {
  const events = scoped(data.events, filters);
  const inside = events.filter((event) => inRange(event.ts, filters));
  const sessions = sessionsInRange(events, filters);
  const newUsers = newUserKeys(events, filters);
  const spend = spendInRange(data.spend, filters);
  const { currency, others } = chosenCurrency(data, filters);
  const listed = new Set([...inside.map((event) => event.channel), ...spend.map((row) => row.channel)]);
  const channels: ChannelFigures[] = [...listed].map((channel) => {
    const mine = inside.filter((event) => event.channel === channel);
    const users = new Set(mine.map(userKey)).size;
    const leads = mine.filter((event) => event.type === "lead").length;
    const orders = mine.filter((event) => event.type === "order").length;
    const spend4 = spend.filter((row) => row.channel === channel && row.currency === currency).reduce((sum, row) => sum + row.amount4, 0);
    const revenue4 = mine.filter((event) => isRevenue(event) && event.currency === currency).reduce((sum, event) => sum + event.revenue4, 0);
    return {
      channel: channel as ChannelFigures["channel"],
      users,
      newUsers: [...newUsers.keys()].filter((key) => key.startsWith(`${channel}\u0000`)).length,
      sessions: sessions.filter((session) => session.channel === channel).length,
      leads,
      orders,
      revenue: money(revenue4, currency),
      spend: money(spend4, currency),
      cpl: perCount(spend4, leads, currency),
      cpo: perCount(spend4, orders, currency),
      leadConversion: rate(new Set(mine.filter((event) => event.type === "lead").map(userKey)).size, users),
      returningShare: returningShare(sessions.filter((session) => session.channel === channel)),
    };
  });
  channels.sort((a, b) => b.users - a.users || a.channel.localeCompare(b.channel));
  return { range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz }, currency, channels, otherCurrencies: others };
}

export function refCosts(data: RefData, filters: ResolvedFilters, by: CostsGrouping): CostsResponse {
  const inside = scoped(data.events, filters).filter((event) => inRange(event.ts, filters));
  const firstTouch = firstTouchCampaigns(data.events);
  const spend = spendInRange(data.spend, filters);
  const { currency, others } = chosenCurrency(data, filters);
  const tally = new Map<string, { spend4: number; leads: number; orders: number; revenue4: number }>();
  const entry = (key: string) => {
    if (!tally.has(key)) tally.set(key, { spend4: 0, leads: 0, orders: 0, revenue4: 0 });
    return tally.get(key)!;
  };
  for (const event of inside) {
    if (!["lead", "order", "payment"].includes(event.type)) continue;
    const row = entry(by === "channel" ? event.channel : (firstTouch.get(userKey(event)) ?? ""));
    if (event.type === "lead") row.leads++;
    if (event.type === "order") row.orders++;
    if (isRevenue(event) && event.currency === currency) row.revenue4 += event.revenue4;
  }
  for (const row of spend) {
    const target = entry(by === "channel" ? row.channel : row.campaign);
    if (row.currency === currency) target.spend4 += row.amount4;
  }
  const toRow = (key: string | null, t: { spend4: number; leads: number; orders: number; revenue4: number }): CostsRow => ({
    key,
    spend: money(t.spend4, currency),
    leads: t.leads,
    orders: t.orders,
    revenue: money(t.revenue4, currency),
    cpl: perCount(t.spend4, t.leads, currency),
    cpo: perCount(t.spend4, t.orders, currency),
    roas: roas(t.revenue4, t.spend4),
  });
  const rows = [...tally].map(([key, t]) => toRow(key === "" ? null : key, t));
  rows.sort((a, b) => b.spend.amount - a.spend.amount || b.leads - a.leads || (a.key ?? "").localeCompare(b.key ?? ""));
  const all = [...tally.values()].reduce((sum, t) => ({ spend4: sum.spend4 + t.spend4, leads: sum.leads + t.leads, orders: sum.orders + t.orders, revenue4: sum.revenue4 + t.revenue4 }), {
    spend4: 0,
    leads: 0,
    orders: 0,
    revenue4: 0,
  });
  const { key: _key, ...total } = toRow(null, all);
  return { range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz }, by, currency, rows, total, otherCurrencies: others };
}

/** Users with 2+ sessions over users with 1+, as repeat's returningShare. */
function returningShare(sessions: { user: string }[]): number | null {
  const perUser = new Map<string, number>();
  for (const session of sessions) perUser.set(session.user, (perUser.get(session.user) ?? 0) + 1);
  return rate([...perUser.values()].filter((n) => n >= 2).length, perUser.size);
}

export function refRepeat(data: RefData, filters: ResolvedFilters): RepeatResponse {
  const perUser = new Map<string, number>();
  for (const session of sessionsInRange(scoped(data.events, filters), filters)) perUser.set(session.user, (perUser.get(session.user) ?? 0) + 1);
  const counts = [...perUser.values()];
  const users = counts.length;
  const total = counts.reduce((sum, n) => sum + n, 0);
  return {
    range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz },
    users,
    histogram: (["1", "2", "3", "4", "5+"] as const).map((label, index) => ({
      sessions: label,
      users: counts.filter((n) => (index === 4 ? n >= 5 : n === index + 1)).length,
    })),
    returningShare: rate(counts.filter((n) => n >= 2).length, users),
    meanSessionsPerUser: users === 0 ? null : round4(total / users),
  };
}

/** The median of the two middle values for an even count, in whole milliseconds, then seconds. */
function medianSeconds(valuesMs: number[]): number | null {
  if (valuesMs.length === 0) return null;
  const sorted = [...valuesMs].sort((a, b) => a - b);
  const h = (sorted.length - 1) / 2;
  const low = sorted[Math.floor(h)]!;
  const high = sorted[Math.ceil(h)]!;
  return Math.round(low + (h - Math.floor(h)) * (high - low)) / 1000;
}

export function refEngagement(data: RefData, filters: ResolvedFilters): EngagementResponse {
  const events = scoped(data.events, filters);
  const sessions = sessionsInRange(events, filters);
  const responses = sessions.map(firstResponseMs).filter((ms): ms is number => ms !== undefined);
  return {
    range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz },
    newUsers: newUserKeys(events, filters).size,
    sessions: sessions.length,
    answeredSessions: responses.length,
    medianFirstResponseSeconds: medianSeconds(responses),
    resolutionRate: rate(sessions.filter(isResolved).length, sessions.filter(hasRequest).length),
  };
}
