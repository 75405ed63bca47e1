import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import type { OverviewFigures, OverviewResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "../http/params.js";
import { chooseCurrency, money, moneyRatio, moneyTotals, otherCurrencies, ratio, roas } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { rollupByChannel, rollupServes, type ChannelCounts } from "./rollup.js";
import { rollupCurrencyTotals } from "./rollup-money.js";
import { runQuery } from "./run-query.js";
import { scopeParams, scopeSql } from "./scope.js";
import { RANGE_HEAD_WITH_PREVIOUS, sessionCtes } from "./sessions-sql.js";

const num = z.coerce.number();
const CountsRowSchema = z.object({ users: num, new_users: num, sessions: num, leads: num, orders: num, resolved: num, requests: num });
const BothPeriodsRowSchema = z.object({
  ...CountsRowSchema.shape,
  ...Object.fromEntries(Object.keys(CountsRowSchema.shape).map((key) => [`p_${key}`, num])),
});
type Counts = z.infer<typeof CountsRowSchema>;

/**
 * Counts of the period and of the one before it, in one pass over the events (sessions-sql.ts).
 * Users, leads and orders are events in the period; new users are users whose first event (within
 * the filters) is in the period. The resolution rate's numerator only counts sessions that also
 * had a message_received, so it stays in [0, 1].
 */
function countsSql(scope: string, db: string): string {
  return `
WITH ${RANGE_HEAD_WITH_PREVIOUS}, ${sessionCtes(scope, db, { withPrevious: true })}
SELECT
  countIf(active) AS users, countIf(first_seen >= range_from) AS new_users, sum(sessions) AS sessions,
  sum(leads) AS leads, sum(orders) AS orders, sum(resolved_sessions) AS resolved, sum(request_sessions) AS requests,
  countIf(p_active) AS p_users, countIf(first_seen >= prev_from AND first_seen < range_from) AS p_new_users, sum(p_sessions) AS p_sessions,
  sum(p_leads) AS p_leads, sum(p_orders) AS p_orders, sum(p_resolved_sessions) AS p_resolved, sum(p_request_sessions) AS p_requests
FROM users`;
}

async function periodMoney(storage: Storage, filters: ResolvedFilters) {
  const scope = scopeSql(filters, storage.database);
  const totals = await moneyTotals(storage, scope, filters, scopeParams(filters));
  const currency = chooseCurrency(totals, filters.currency);
  const inCurrency = totals.find((row) => row.currency === currency) ?? { currency, revenue: 0, spend: 0 };
  return { currency, inCurrency, otherCurrencies: otherCurrencies(totals, currency) };
}

function figures(c: Counts, m: { currency: string; inCurrency: { revenue: number; spend: number } }): OverviewFigures {
  const { currency, inCurrency } = m;
  return {
    users: c.users,
    newUsers: c.new_users,
    sessions: c.sessions,
    leads: c.leads,
    orders: c.orders,
    revenue: money(inCurrency.revenue, currency),
    spend: money(inCurrency.spend, currency),
    cpl: moneyRatio(inCurrency.spend, c.leads, currency),
    cpo: moneyRatio(inCurrency.spend, c.orders, currency),
    roas: roas(inCurrency.revenue, inCurrency.spend),
    resolutionRate: ratio(c.resolved, c.requests),
  };
}

/**
 * The period and the one of equal length right before it ([from − (to − from), from)), both in the
 * currency the current period reports, so the two columns compare.
 */
/** A period's figures from rollup rows: counts summed over channels (a user belongs to one channel). */
function rollupPeriod(channels: ChannelCounts[], askedCurrency: string | undefined) {
  const totals = rollupCurrencyTotals(channels);
  const currency = chooseCurrency(totals, askedCurrency);
  const sum = (pick: (row: ChannelCounts) => number) => channels.reduce((total, row) => total + pick(row), 0);
  const counts: Counts = {
    users: sum((row) => row.users),
    new_users: sum((row) => row.newUsers),
    sessions: sum((row) => row.sessions),
    leads: sum((row) => row.leads),
    orders: sum((row) => row.orders),
    resolved: sum((row) => row.resolved),
    requests: sum((row) => row.requests),
  };
  const inCurrency = totals.find((row) => row.currency === currency) ?? { currency, revenue: 0, spend: 0 };
  return { counts, money: { currency, inCurrency, otherCurrencies: otherCurrencies(totals, currency) } };
}

async function overviewFromRollup(storage: Storage, filters: ResolvedFilters): Promise<OverviewResponse> {
  const length = filters.toMs - filters.fromMs;
  const previousFilters = { ...filters, fromMs: filters.fromMs - length, toMs: filters.fromMs };
  const both = await rollupByChannel(storage, filters, previousFilters.fromMs);
  const current = rollupPeriod(both.current, filters.currency);
  const previous = rollupPeriod(both.previous, current.money.currency);
  return {
    range: rangeEcho(filters),
    current: figures(current.counts, current.money),
    previous: { ...figures(previous.counts, previous.money), range: { from: new Date(previousFilters.fromMs).toISOString(), to: new Date(previousFilters.toMs).toISOString() } },
    otherCurrencies: current.money.otherCurrencies,
  };
}

/** Ranges on quarter hours (every date bound in every zone) come from the rollups; others from the events. */
export async function overview(storage: Storage, filters: ResolvedFilters): Promise<OverviewResponse> {
  if (rollupServes(filters)) return overviewFromRollup(storage, filters);
  return overviewFromEvents(storage, filters);
}

async function overviewFromEvents(storage: Storage, filters: ResolvedFilters): Promise<OverviewResponse> {
  const length = filters.toMs - filters.fromMs;
  const scope = scopeSql(filters, storage.database);
  const [row] = await runQuery(storage, countsSql(scope, storage.database), { ...scopeParams(filters), prevFrom: (filters.fromMs - length) / 1000 }, BothPeriodsRowSchema);
  const zero: Counts = { users: 0, new_users: 0, sessions: 0, leads: 0, orders: 0, resolved: 0, requests: 0 };
  const pick = (prefix: string): Counts =>
    row ? (Object.fromEntries(Object.keys(zero).map((key) => [key, row[`${prefix}${key}` as keyof typeof row]])) as Counts) : zero;
  const current = await periodMoney(storage, filters);
  const previousFilters = { ...filters, fromMs: filters.fromMs - length, toMs: filters.fromMs, currency: current.currency };
  const previous = await periodMoney(storage, previousFilters);
  return {
    range: rangeEcho(filters),
    current: figures(pick(""), current),
    previous: { ...figures(pick("p_"), previous), range: { from: new Date(previousFilters.fromMs).toISOString(), to: new Date(previousFilters.toMs).toISOString() } },
    otherCurrencies: current.otherCurrencies,
  };
}
