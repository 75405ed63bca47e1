import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import type { OverviewFigures, OverviewResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "../http/params.js";
import { runQuery } from "./run-query.js";
import { scopeParams, scopeSql } from "./scope.js";

const num = z.coerce.number();
const CountsRowSchema = z.object({ users: num, new_users: num, sessions: num, leads: num, orders: num, resolved_sessions: num, sessions_with_request: num });
const MoneyRowSchema = z.object({ currency: z.string(), revenue: num, spend: num });

/**
 * Counts of one period. Sessions: a sessionId groups events; events without one split at gaps
 * of ≥ 30 min. A session belongs to the period where it starts, so the scan starts a day early
 * for gap sessions and includes all earlier events for id sessions.
 */
function countsSql(scope: string, db: string): string {
  return `
WITH
  toDateTime64({from:Float64}, 3, 'UTC') AS range_from,
  toDateTime64({to:Float64}, 3, 'UTC') AS range_to,
  scoped AS (
    SELECT channel, user_id, session_id, type, ts, event_id
    FROM ${db}.events FINAL
    WHERE ${scope} AND ts < range_to
  ),
  marked AS (
    SELECT channel, user_id, type, ts, event_id,
      session_id,
      if(session_id = '',
         ts - lagInFrame(ts, 1, toDateTime64(0, 3, 'UTC')) OVER (
           PARTITION BY channel, user_id, session_id = '' ORDER BY ts, event_id
           ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) >= 1800,
         0) AS gap_start
    FROM scoped
  ),
  numbered AS (
    SELECT channel, user_id, type, ts,
      if(session_id != '', concat('id:', session_id),
         concat('gap:', toString(sum(gap_start) OVER (
           PARTITION BY channel, user_id, session_id = '' ORDER BY ts, event_id ROWS UNBOUNDED PRECEDING)))) AS session_key
    FROM marked
  ),
  sessions AS (
    SELECT channel, user_id, session_key, min(ts) AS started,
      countIf(type = 'message_received') > 0 AS has_request,
      countIf(type = 'resolved') > 0 AND countIf(type = 'handoff') = 0 AS resolved
    FROM numbered
    GROUP BY channel, user_id, session_key
    HAVING started >= range_from
  ),
  firsts AS (
    SELECT channel, user_id, min(ts) AS first_seen FROM scoped GROUP BY channel, user_id
  )
SELECT
  (SELECT uniqExact(channel, user_id) FROM scoped WHERE ts >= range_from) AS users,
  (SELECT count() FROM firsts WHERE first_seen >= range_from) AS new_users,
  (SELECT count() FROM sessions) AS sessions,
  (SELECT countIf(type = 'lead') FROM scoped WHERE ts >= range_from) AS leads,
  (SELECT countIf(type = 'order') FROM scoped WHERE ts >= range_from) AS orders,
  (SELECT countIf(resolved AND has_request) FROM sessions) AS resolved_sessions,
  (SELECT countIf(has_request) FROM sessions) AS sessions_with_request`;
}

function moneySql(scope: string, db: string, spendScope: string): string {
  return `
WITH toDateTime64({from:Float64}, 3, 'UTC') AS range_from, toDateTime64({to:Float64}, 3, 'UTC') AS range_to
SELECT currency, sum(revenue) AS revenue, sum(spend) AS spend FROM (
  SELECT currency, toFloat64(sum(revenue)) AS revenue, 0 AS spend
  FROM ${db}.events FINAL
  WHERE ${scope} AND ts >= range_from AND ts < range_to AND type IN ('order', 'payment') AND currency != ''
  GROUP BY currency
  UNION ALL
  SELECT currency, 0 AS revenue, toFloat64(sum(amount)) AS spend
  FROM ${db}.spend FINAL
  WHERE ${spendScope}
    AND date >= toDate(toTimeZone(range_from, {tz:String})) AND date < toDate(toTimeZone(range_to - toIntervalMillisecond(1), {tz:String})) + 1
  GROUP BY currency
)
GROUP BY currency
ORDER BY revenue + spend DESC, currency`;
}

/** Spend rows are per day, channel and campaign: bots and users do not apply to them. */
function spendScopeSql(filters: ResolvedFilters): string {
  const parts = ["project_id = {projectId:String}"];
  if (filters.channels) parts.push("channel IN {channels:Array(String)}");
  if (filters.campaign !== undefined) parts.push("campaign = {campaign:String}");
  return parts.join(" AND ");
}

const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
const round = (value: number, digits = 4): number => Math.round(value * 10 ** digits) / 10 ** digits;

export async function overviewFigures(storage: Storage, filters: ResolvedFilters, defaultCurrency: string) {
  const db = storage.database;
  const scope = scopeSql(filters, db);
  const params = scopeParams(filters);
  const [counts] = await runQuery(storage, countsSql(scope, db), params, CountsRowSchema);
  const money = await runQuery(storage, moneySql(scope, db, spendScopeSql(filters)), params, MoneyRowSchema);
  const currency = filters.currency ?? money[0]?.currency ?? defaultCurrency;
  const inCurrency = money.find((row) => row.currency === currency) ?? { currency, revenue: 0, spend: 0 };
  const c = counts ?? { users: 0, new_users: 0, sessions: 0, leads: 0, orders: 0, resolved_sessions: 0, sessions_with_request: 0 };
  const spend = round(inCurrency.spend);
  const revenue = round(inCurrency.revenue);
  const figures: OverviewFigures = {
    users: c.users,
    newUsers: c.new_users,
    sessions: c.sessions,
    leads: c.leads,
    orders: c.orders,
    revenue: { amount: revenue, currency },
    spend: { amount: spend, currency },
    cpl: c.leads === 0 ? null : { amount: round(spend / c.leads), currency },
    cpo: c.orders === 0 ? null : { amount: round(spend / c.orders), currency },
    roas: spend === 0 ? null : round(revenue / spend),
    resolutionRate: ratio(c.resolved_sessions, c.sessions_with_request),
  };
  const otherCurrencies = money.filter((row) => row.currency !== currency).map((row) => ({ ...row, revenue: round(row.revenue), spend: round(row.spend) }));
  return { figures, otherCurrencies };
}

export async function overview(storage: Storage, filters: ResolvedFilters, defaultCurrency = "RUB"): Promise<OverviewResponse> {
  const current = await overviewFigures(storage, filters, defaultCurrency);
  const currency = current.figures.revenue.currency;
  const length = filters.toMs - filters.fromMs;
  const previousFilters = { ...filters, fromMs: filters.fromMs - length, toMs: filters.fromMs, currency };
  const previous = await overviewFigures(storage, previousFilters, defaultCurrency);
  return {
    range: { from: new Date(filters.fromMs).toISOString(), to: new Date(filters.toMs).toISOString(), tz: filters.tz },
    current: current.figures,
    previous: {
      ...previous.figures,
      range: { from: new Date(previousFilters.fromMs).toISOString(), to: new Date(previousFilters.toMs).toISOString() },
    },
    otherCurrencies: current.otherCurrencies,
  };
}
