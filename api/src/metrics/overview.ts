import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import type { OverviewFigures, OverviewResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "../http/params.js";
import { chooseCurrency, money, moneyRatio, moneyTotals, otherCurrencies, ratio, roas } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { runQuery } from "./run-query.js";
import { scopeParams, scopeSql } from "./scope.js";
import { RANGE_HEAD, sessionCtes } from "./sessions-sql.js";

const num = z.coerce.number();
const CountsRowSchema = z.object({ users: num, new_users: num, sessions: num, leads: num, orders: num, resolved_sessions: num, sessions_with_request: num });

/**
 * Counts of one period. Users, leads and orders are events in [from, to); new users are users whose
 * first event (within the filters) is in range; sessions follow sessions-sql.ts. The resolution
 * rate's numerator only counts sessions that also had a message_received, so it stays in [0, 1].
 */
function countsSql(scope: string, db: string): string {
  return `
WITH ${RANGE_HEAD}, ${sessionCtes(scope, db)}
SELECT
  (SELECT uniqExact(channel, user_id) FROM scoped WHERE ts >= range_from) AS users,
  (SELECT count() FROM firsts WHERE first_seen >= range_from) AS new_users,
  (SELECT count() FROM sessions) AS sessions,
  (SELECT countIf(type = 'lead') FROM scoped WHERE ts >= range_from) AS leads,
  (SELECT countIf(type = 'order') FROM scoped WHERE ts >= range_from) AS orders,
  (SELECT countIf(resolved) FROM sessions) AS resolved_sessions,
  (SELECT countIf(has_request) FROM sessions) AS sessions_with_request`;
}

export async function overviewFigures(storage: Storage, filters: ResolvedFilters) {
  const scope = scopeSql(filters, storage.database);
  const params = scopeParams(filters);
  const [[counts], totals] = await Promise.all([
    runQuery(storage, countsSql(scope, storage.database), params, CountsRowSchema),
    moneyTotals(storage, scope, filters, params),
  ]);
  const currency = chooseCurrency(totals, filters.currency);
  const inCurrency = totals.find((row) => row.currency === currency) ?? { currency, revenue: 0, spend: 0 };
  const c = counts ?? { users: 0, new_users: 0, sessions: 0, leads: 0, orders: 0, resolved_sessions: 0, sessions_with_request: 0 };
  const figures: OverviewFigures = {
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
    resolutionRate: ratio(c.resolved_sessions, c.sessions_with_request),
  };
  return { figures, otherCurrencies: otherCurrencies(totals, currency) };
}

/**
 * The period and the one of equal length right before it ([from − (to − from), from)), both in the
 * currency the current period reports, so the two columns compare.
 */
export async function overview(storage: Storage, filters: ResolvedFilters): Promise<OverviewResponse> {
  const current = await overviewFigures(storage, filters);
  const currency = current.figures.revenue.currency;
  const length = filters.toMs - filters.fromMs;
  const previousFilters = { ...filters, fromMs: filters.fromMs - length, toMs: filters.fromMs, currency };
  const previous = await overviewFigures(storage, previousFilters);
  return {
    range: rangeEcho(filters),
    current: current.figures,
    previous: { ...previous.figures, range: { from: new Date(previousFilters.fromMs).toISOString(), to: new Date(previousFilters.toMs).toISOString() } },
    otherCurrencies: current.otherCurrencies,
  };
}
