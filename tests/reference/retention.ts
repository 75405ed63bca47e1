/**
 * The reference of GET /api/v1/retention (and /retention/users), straight from RETENTION_SEMANTICS in
 * schemas/src/api/retention.ts, naive on purpose: per user, per period, every event looked at again. Calendar
 * arithmetic on local dates (refLocalDate, bucketOf) and bounds through refBoundMs, independent of the API's.
 */
import {
  BOT_SIDE_EVENT_TYPES,
  MAX_RETENTION_GROUPS,
  type Event,
  type Interval,
  type OtherCurrency,
  type RetentionBreakdown,
  type RetentionCell,
  type RetentionCohort,
  type RetentionCohortRow,
  type RetentionGroup,
  type RetentionResponse,
  type RetentionUser,
} from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { refBoundMs } from "./bounds.js";
import { inRange, scoped, userKey, type RefEvent, type RefSpend } from "./events.js";
import { bucketOf, byteOrderNullLast, iso, rate, round4 } from "./figures.js";
import { refLocalDate } from "./metrics.js";

export interface RetentionParams {
  interval: Interval;
  periods: number;
  cohort: RetentionCohort;
  /** "any" or an event type. */
  return: string;
  breakdown?: RetentionBreakdown;
}

export interface RetentionData {
  events: RefEvent[];
  spend: RefSpend[];
  /** `source.source` by event id: RefEvent does not carry it. */
  sources: Map<string, string>;
}

const FALLBACK_CURRENCY = "RUB";
const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const isRevenue = (event: RefEvent): boolean => (event.type === "order" || event.type === "payment") && event.currency !== "";

/** The start date of the bucket `n` buckets after the one starting on `start`. */
function bucketAfter(start: string, interval: Interval, n: number): string {
  if (interval === "day") return addDays(start, n);
  if (interval === "week") return addDays(start, 7 * n);
  const [year, month] = start.split("-").map(Number) as [number, number];
  const months = year * 12 + (month - 1) + n;
  return `${String(Math.floor(months / 12)).padStart(4, "0")}-${String((months % 12) + 1).padStart(2, "0")}-01`;
}

/** Source of the raw events, by lowercase id (a resend carries the same content). */
export function eventSources(events: Event[]): Map<string, string> {
  return new Map(events.filter((event) => event.source?.source).map((event) => [event.id.toLowerCase(), event.source!.source!]));
}

/** First touch of `field` over all of the user's events whatever the filters: earliest by (ts, id as text). */
function firstTouch(events: RefEvent[], valueOf: (event: RefEvent) => string): Map<string, string> {
  const best = new Map<string, RefEvent>();
  for (const event of events) {
    if (valueOf(event) === "") continue;
    const key = userKey(event);
    const current = best.get(key);
    if (!current || event.ts < current.ts || (event.ts === current.ts && event.id < current.id)) best.set(key, event);
  }
  return new Map([...best].map(([key, event]) => [key, valueOf(event)]));
}

/** Spend rows of the filters whose local day is in [from, to). */
function spendInRange(spend: RefSpend[], filters: ResolvedFilters): RefSpend[] {
  const first = refLocalDate(filters.fromMs, filters.tz);
  const last = refLocalDate(filters.toMs - 1, filters.tz);
  return spend.filter(
    (row) =>
      row.date >= first &&
      row.date <= last &&
      (!filters.channels || filters.channels.includes(row.channel)) &&
      (filters.campaign === undefined || row.campaign === filters.campaign),
  );
}

function currencies(data: RetentionData, filters: ResolvedFilters): { currency: string; others: OtherCurrency[] } {
  const totals = new Map<string, { revenue4: number; spend4: number }>();
  const entry = (currency: string) => totals.get(currency) ?? totals.set(currency, { revenue4: 0, spend4: 0 }).get(currency)!;
  for (const event of scoped(data.events, filters)) if (inRange(event.ts, filters) && isRevenue(event)) entry(event.currency).revenue4 += event.revenue4;
  for (const row of spendInRange(data.spend, filters)) entry(row.currency).spend4 += row.amount4;
  const sorted = [...totals].sort(([a, x], [b, y]) => y.revenue4 + y.spend4 - (x.revenue4 + x.spend4) || (a < b ? -1 : 1));
  const currency = filters.currency ?? sorted[0]?.[0] ?? FALLBACK_CURRENCY;
  const others = sorted.filter(([code]) => code !== currency).map(([code, t]) => ({ currency: code, revenue: round4(t.revenue4 / 1e4), spend: round4(t.spend4 / 1e4) }));
  return { currency, others };
}

interface RefCohortUser {
  channel: string;
  userId: string;
  cohortTs: number;
  start: string;
  group: string | null;
  events: RefEvent[];
}

/** Every user whose cohort event is in [from, to), with their events in scope. */
function cohortUsers(data: RetentionData, filters: ResolvedFilters, params: RetentionParams): RefCohortUser[] {
  const events = scoped(data.events, filters);
  const byUser = new Map<string, RefEvent[]>();
  for (const event of events) byUser.set(userKey(event), [...(byUser.get(userKey(event)) ?? []), event]);
  const campaigns = firstTouch(data.events, (event) => event.campaign);
  const sources = firstTouch(data.events, (event) => data.sources.get(event.id) ?? "");
  const users: RefCohortUser[] = [];
  for (const [key, mine] of byUser) {
    const cohortEvents = params.cohort === "first_seen" ? mine : mine.filter((event) => event.type === (params.cohort === "first_lead" ? "lead" : "order"));
    if (cohortEvents.length === 0) continue;
    const cohortTs = Math.min(...cohortEvents.map((event) => event.ts));
    if (!inRange(cohortTs, filters)) continue;
    const first = mine[0]!;
    const group =
      params.breakdown === "channel" ? first.channel : params.breakdown === "campaign" ? (campaigns.get(key) ?? null) : params.breakdown === "source" ? (sources.get(key) ?? null) : null;
    users.push({ channel: first.channel, userId: first.userId, cohortTs, start: bucketOf(refLocalDate(cohortTs, filters.tz), params.interval), group, events: mine });
  }
  return users;
}

/** Local midnights, memoized: refBoundMs scans a quarter-hour grid with Intl, and the reference asks often. */
const midnights = new Map<string, number>();
function midnightMs(date: string, tz: string): number {
  const key = `${date}|${tz}`;
  const known = midnights.get(key);
  if (known !== undefined) return known;
  const ms = refBoundMs(date, tz);
  midnights.set(key, ms);
  return ms;
}

/** [start, end) instants of period p of a cohort starting on `start`. */
function periodBounds(start: string, p: number, params: RetentionParams, tz: string): [number, number] {
  return [midnightMs(bucketAfter(start, params.interval, p), tz), midnightMs(bucketAfter(start, params.interval, p + 1), tz)];
}

/** return=any: any event the user did, i.e. not one the bot or a broadcast did to them; else the asked type, whatever it is. */
const BOT_SIDE: readonly string[] = BOT_SIDE_EVENT_TYPES;
const isReturn = (event: RefEvent, params: RetentionParams): boolean => (params.return === "any" ? !BOT_SIDE.includes(event.type) : event.type === params.return);

/** The user's return events in period p: at or after the cohort event, in the period, before `to`. */
function returnsIn(user: RefCohortUser, p: number, params: RetentionParams, filters: ResolvedFilters): RefEvent[] {
  const [start, end] = periodBounds(user.start, p, params, filters.tz);
  return user.events.filter((event) => isReturn(event, params) && event.ts >= user.cohortTs && event.ts >= start && event.ts < end && event.ts < filters.toMs);
}

/** Revenue (ten-thousandths) in `currency` from the cohort event to the end of period p or `to`. */
function revenueTo(user: RefCohortUser, p: number, params: RetentionParams, filters: ResolvedFilters, currency: string): number {
  const [, end] = periodBounds(user.start, p, params, filters.tz);
  return user.events
    .filter((event) => isRevenue(event) && event.currency === currency && event.ts >= user.cohortTs && event.ts < end && event.ts < filters.toMs)
    .reduce((sum, event) => sum + event.revenue4, 0);
}

/** The spend (ten-thousandths, in `currency`) of `group` on the local days `days` accepts. */
function spendOf(data: RetentionData, filters: ResolvedFilters, params: RetentionParams, currency: string, group: string | null, days: (date: string) => boolean): number | null {
  if (params.breakdown === "source") return null;
  const rows = spendInRange(data.spend, filters).filter(
    (row) =>
      row.currency === currency &&
      days(row.date) &&
      (params.breakdown === "channel" ? row.channel === group : params.breakdown === "campaign" ? row.campaign === (group ?? "") : true),
  );
  const total = rows.reduce((sum, row) => sum + row.amount4, 0);
  return total === 0 ? null : total;
}

/** cac and payback from the spend and per period (revenue, size) of the observed periods, compared exactly. */
function payback(spend4: number | null, size: number, periods: ({ revenue4: number; size: number } | null)[]): { cac: number | null; paybackPeriod: number | null } {
  if (spend4 === null) return { cac: null, paybackPeriod: null };
  const paid = periods.findIndex((cell) => cell !== null && cell.revenue4 * size >= spend4 * cell.size);
  return { cac: round4(spend4 / 1e4 / size), paybackPeriod: paid === -1 ? null : paid };
}

export function refRetention(data: RetentionData, filters: ResolvedFilters, params: RetentionParams): RetentionResponse {
  const { currency, others } = currencies(data, filters);
  const users = cohortUsers(data, filters, params);
  const cohortKeys = new Map<string, { start: string; group: string | null; users: RefCohortUser[] }>();
  for (const user of users) {
    const key = JSON.stringify([user.start, user.group]);
    const found = cohortKeys.get(key) ?? { start: user.start, group: user.group, users: [] };
    found.users.push(user);
    cohortKeys.set(key, found);
  }
  const periods = Array.from({ length: params.periods }, (_, p) => p);
  const observed = (start: string, p: number) => periodBounds(start, p, params, filters.tz)[0] < filters.toMs;

  const sizes = new Map<string | null, number>();
  for (const user of users) sizes.set(user.group, (sizes.get(user.group) ?? 0) + 1);
  const ranked = [...sizes].sort(([a, x], [b, y]) => y - x || byteOrderNullLast(a, b)).slice(0, MAX_RETENTION_GROUPS);
  const kept = new Set(ranked.map(([group]) => group));

  const all = [...cohortKeys.values()];
  const cohorts: RetentionCohortRow[] = all
    .filter((cohort) => kept.has(cohort.group))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : b.users.length - a.users.length || byteOrderNullLast(a.group, b.group)))
    .map((cohort) => {
      const size = cohort.users.length;
      const cells: RetentionCell[] = periods.map((p) => {
        const [start, end] = periodBounds(cohort.start, p, params, filters.tz);
        if (!(start < filters.toMs)) return { period: p, observed: false, complete: false, users: null, share: null, revenuePerUser: null };
        const retained = cohort.users.filter((user) => returnsIn(user, p, params, filters).length > 0).length;
        const revenue4 = cohort.users.reduce((sum, user) => sum + revenueTo(user, p, params, filters, currency), 0);
        return { period: p, observed: true, complete: end <= filters.toMs, users: retained, share: rate(retained, size), revenuePerUser: round4(revenue4 / 1e4 / size) };
      });
      const inBucket = (date: string) => bucketOf(date, params.interval) === cohort.start;
      const revenues = periods.map((p) =>
        observed(cohort.start, p) ? { revenue4: cohort.users.reduce((sum, user) => sum + revenueTo(user, p, params, filters, currency), 0), size } : null,
      );
      return { start: cohort.start, group: cohort.group, size, ...payback(spendOf(data, filters, params, currency, cohort.group, inBucket), size, revenues), cells };
    });

  const groups: RetentionGroup[] = ranked.map(([group, size]) => {
    const mine = all.filter((cohort) => cohort.group === group);
    const sums = periods.map((p) => {
      const seen = mine.filter((cohort) => observed(cohort.start, p));
      if (seen.length === 0) return null;
      const seenUsers = seen.flatMap((cohort) => cohort.users);
      return {
        users: seenUsers.filter((user) => returnsIn(user, p, params, filters).length > 0).length,
        size: seenUsers.length,
        revenue4: seenUsers.reduce((sum, user) => sum + revenueTo(user, p, params, filters, currency), 0),
      };
    });
    return {
      group,
      size,
      ...payback(
        spendOf(data, filters, params, currency, group, () => true),
        size,
        sums,
      ),
      cells: sums.map((sum, p) => ({ period: p, users: sum?.users ?? null, share: sum ? rate(sum.users, sum.size) : null, revenuePerUser: sum ? round4(sum.revenue4 / 1e4 / sum.size) : null })),
    };
  });

  return {
    range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz },
    interval: params.interval,
    periods: params.periods,
    cohort: params.cohort,
    return: params.return,
    breakdown: params.breakdown ?? null,
    currency,
    otherCurrencies: others,
    cohorts,
    groups,
    groupsTruncated: sizes.size > MAX_RETENTION_GROUPS,
  };
}

/** The retained users of one cell (every page), ordered by (channel, userId) as bytes. `group` undefined: all groups. */
export function refRetentionUsers(data: RetentionData, filters: ResolvedFilters, params: RetentionParams, cell: { cohortStart: string; period: number; group?: string | null }): RetentionUser[] {
  const bytes = (text: string) => Buffer.from(text, "utf8");
  return cohortUsers(data, filters, params)
    .filter((user) => user.start === cell.cohortStart && (cell.group === undefined || user.group === cell.group))
    .map((user) => ({ user, returns: returnsIn(user, cell.period, params, filters) }))
    .filter(({ returns }) => returns.length > 0)
    .map(({ user, returns }) => ({ channel: user.channel as RetentionUser["channel"], userId: user.userId, cohortAt: iso(user.cohortTs), returnedAt: iso(Math.min(...returns.map((event) => event.ts))) }))
    .sort((a, b) => Buffer.compare(bytes(a.channel), bytes(b.channel)) || Buffer.compare(bytes(a.userId), bytes(b.userId)));
}
