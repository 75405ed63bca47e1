import { z } from "zod";
import { ROLLUP_NONE, type Storage } from "@chatfunnel/ingest";
import type { ResolvedFilters } from "../http/params.js";
import { spendFilterSql } from "./money.js";
import { runQuery } from "./run-query.js";
import { scopeParams, scopeSql } from "./scope.js";
import { RANGE_HEAD } from "./sessions-sql.js";

/** The rollups (migration 2) are per 15-minute slot: exact for ranges whose bounds fall on one. */
const SLOT_MS = 15 * 60 * 1000;
export const rollupServes = (filters: ResolvedFilters): boolean => filters.fromMs % SLOT_MS === 0 && filters.toMs % SLOT_MS === 0;

/** A Decimal(18, 4) amount in ten-thousandths, widened before it is scaled (see revenueMap). */
const UNITS = (amount: string) => `toInt128(toDecimal128(${amount}, 4) * 10000)`;

const num = z.coerce.number();
const figureColumns = {
  users: num,
  new_users: num,
  lead_users: num,
  leads: num,
  orders: num,
  sessions: num,
  resolved: num,
  requests: num,
  revenue_currencies: z.array(z.string()),
  /** Ten-thousandths (Int128 in the engine, so no sum in the contract's range overflows). */
  revenue_units: z.array(num),
  spend_currencies: z.array(z.string()),
  spend_units: z.array(num),
  spend_rows: num,
};
const ChannelRowSchema = z.object({
  channel: z.string(),
  ...figureColumns,
  ...Object.fromEntries(Object.entries(figureColumns).map(([key, schema]) => [`p_${key}`, schema])),
});

/** One channel's figures for a period, read from the rollups. */
export interface ChannelCounts {
  channel: string;
  users: number;
  newUsers: number;
  leadUsers: number;
  leads: number;
  orders: number;
  sessions: number;
  resolved: number;
  requests: number;
  /** Revenue (order + payment) per currency, in ten-thousandths. */
  revenueUnits: Map<string, number>;
  /** Spend per currency in ten-thousandths, and how many spend rows (any currency) the period has. */
  spendUnits: Map<string, number>;
  spendRows: number;
}

/**
 * A user's loose slot entries as a time-sorted array of (first ms, last ms, kinds), where kinds has
 * bit 1 for a message_received, 2 for a resolved, 4 for a handoff in that slot. Slots are cut at
 * quarter hours like the range, so "before `to`" is just "in a slot before `to`".
 */
const LOOSE_PARTS = `arraySort(groupArrayIf(
      (toUnixTimestamp64Milli(loose_first), toUnixTimestamp64Milli(loose_last),
       toUInt8((loose_request < ${ROLLUP_NONE}) + 2 * (loose_resolved < ${ROLLUP_NONE}) + 4 * (loose_handoff < ${ROLLUP_NONE}))),
      loose_first < ${ROLLUP_NONE}))`;

/** Loose sessions of a sorted array of slot entries: split where a gap reaches 30 minutes. */
const splitSessions = (parts: string) =>
  `arraySplit((p, gap_ms) -> gap_ms >= 1800000, ${parts},
     arrayMap((p, i) -> if(i = 1, 0, p.1 - ${parts}[i - 1].2), ${parts}, arrayEnumerate(${parts})))`;

/** The kinds of a session (bits OR-ed over its slots): 1 and 2 without 4 is resolved by the bot. */
const sessionKinds = (session: string) => `arrayReduce('groupBitOr', arrayMap(p -> p.3, ${session}))`;

/**
 * Same definitions as sessions-sql.ts, on the rollups: slots before `to` are the events before `to`;
 * loose sessions are runs of slots whose gap (first event of a slot − last event of the previous
 * non-empty slot) is < 30 min; sessionId sessions are judged on their first request, resolution and
 * handoff before `to`. Users, leads, orders and revenue are the slots in [from, to); spend is
 * per channel and currency like money.ts, in the same query. The previous
 * period [prev_from, from) comes out of the same pass, judged on what happened before `from`
 * (prev_from = from when nobody asked for it).
 */
function byChannelSql(scope: string, db: string, spendFilter: string): string {
  const resolvedCount = (sessions: string) => `arrayCount(s -> bitAnd(${sessionKinds("s")}, 7) = 3, ${sessions})`;
  const requestCount = (sessions: string) => `arrayCount(s -> bitAnd(${sessionKinds("s")}, 1) = 1, ${sessions})`;
  // sumMap drops keys whose sum is 0; the third array (a count per entry) keeps a currency that
  // appeared with 0, as money.ts lists it. Amounts go to ten-thousandths through Decimal128 and Int128:
  // one amount below 1e14 is ~1e18 units, so Int64 (or Decimal64 arithmetic) overflows at ~9.2e10.
  const revenueMap = (outs: string) => `sumMap(
        arrayMap(o -> o.4, arrayFilter(o -> o.2 IN ('order', 'payment') AND o.4 != '', ${outs})),
        arrayMap(o -> ${UNITS("o.3")}, arrayFilter(o -> o.2 IN ('order', 'payment') AND o.4 != '', ${outs})),
        arrayMap(o -> toUInt64(1), arrayFilter(o -> o.2 IN ('order', 'payment') AND o.4 != '', ${outs})))`;
  const noRevenue = "(CAST([], 'Array(String)'), CAST([], 'Array(Int128)'), CAST([], 'Array(UInt64)'))";
  // A slot can appear more than once (several bots, parts not merged yet): its entries are less
  // than 30 min apart so they never split a session, and every figure below is a min, a max or a
  // distinct set, so no GROUP BY per slot is needed.
  return `
WITH ${RANGE_HEAD}, toDateTime64({prevFrom:Float64}, 3, 'UTC') AS prev_from,
  -- A day's spend counts when that local day overlaps the period (as in money.ts).
  toDate(toTimeZone(range_from, {tz:String})) AS day_from,
  toDate(toTimeZone(range_to - toIntervalMillisecond(1), {tz:String})) AS day_to,
  toDate(toTimeZone(prev_from, {tz:String})) AS p_day_from,
  toDate(toTimeZone(range_from - toIntervalMillisecond(1), {tz:String})) AS p_day_to,
  per_user AS (
    SELECT channel,
      min(first_ts) AS first_seen,
      countIf(slot >= range_from) > 0 AS active,
      countIf(slot >= prev_from AND slot < range_from) > 0 AS p_active,
      ${LOOSE_PARTS} AS parts,
      arrayFilter(p -> p.1 < toUnixTimestamp64Milli(range_from), parts) AS p_parts,
      arrayFilter(s -> s[1].1 >= toUnixTimestamp64Milli(range_from), ${splitSessions("parts")}) AS loose_in,
      arrayFilter(s -> s[1].1 >= toUnixTimestamp64Milli(prev_from), ${splitSessions("p_parts")}) AS p_loose_in
    FROM ${db}.user_slots
    WHERE ${scope} AND slot < range_to
    GROUP BY channel, user_id
  ),
  user_figures AS (
    SELECT toString(channel) AS channel,
      countIf(active) AS users, countIf(first_seen >= range_from) AS new_users,
      sum(length(loose_in)) AS sessions, sum(${resolvedCount("loose_in")}) AS resolved, sum(${requestCount("loose_in")}) AS requests,
      countIf(p_active) AS p_users, countIf(first_seen >= prev_from AND first_seen < range_from) AS p_new_users,
      sum(length(p_loose_in)) AS p_sessions, sum(${resolvedCount("p_loose_in")}) AS p_resolved, sum(${requestCount("p_loose_in")}) AS p_requests
    FROM per_user
    GROUP BY channel
  ),
  outcome_figures AS (
    SELECT toString(channel) AS channel,
      countIf(arrayExists(o -> o.2 = 'lead', outs)) AS lead_users,
      sum(arrayCount(o -> o.2 = 'lead', outs)) AS leads,
      sum(arrayCount(o -> o.2 = 'order', outs)) AS orders,
      ${revenueMap("outs")} AS revenue,
      countIf(arrayExists(o -> o.2 = 'lead', p_outs)) AS p_lead_users,
      sum(arrayCount(o -> o.2 = 'lead', p_outs)) AS p_leads,
      sum(arrayCount(o -> o.2 = 'order', p_outs)) AS p_orders,
      ${revenueMap("p_outs")} AS p_revenue
    FROM (
      SELECT channel,
        arrayDistinct(arrayFlatten(groupArrayIf(finalizeAggregation(outcomes), slot >= range_from))) AS outs,
        arrayDistinct(arrayFlatten(groupArrayIf(finalizeAggregation(outcomes), slot < range_from))) AS p_outs
      FROM ${db}.user_outcomes
      WHERE ${scope} AND slot >= prev_from AND slot < range_to
      GROUP BY channel, user_id
    )
    GROUP BY channel
  ),
  spend_figures AS (
    SELECT toString(channel) AS channel,
      sumMapIf([toString(currency)], [${UNITS("amount")}], [toUInt64(1)], date >= day_from) AS spend,
      countIf(date >= day_from) AS spend_rows,
      sumMapIf([toString(currency)], [${UNITS("amount")}], [toUInt64(1)], date >= p_day_from AND date <= p_day_to) AS p_spend,
      countIf(date >= p_day_from AND date <= p_day_to) AS p_spend_rows
    FROM ${db}.spend FINAL
    WHERE ${spendFilter} AND date >= least(day_from, p_day_from) AND date <= day_to
    GROUP BY channel
  ),
  id_figures AS (
    SELECT toString(channel) AS channel,
      countIf(started >= range_from) AS sessions,
      countIf(started >= range_from AND req < range_to AND res < range_to AND NOT ho < range_to) AS resolved,
      countIf(started >= range_from AND req < range_to) AS requests,
      countIf(started < range_from) AS p_sessions,
      countIf(started < range_from AND req < range_from AND res < range_from AND NOT ho < range_from) AS p_resolved,
      countIf(started < range_from AND req < range_from) AS p_requests
    FROM (
      SELECT channel, min(first_ts) AS started, min(request) AS req, min(resolved) AS res, min(handoff) AS ho
      FROM ${db}.id_sessions
      WHERE ${scope}
      GROUP BY channel, user_id, session_id
      HAVING started >= prev_from AND started < range_to
    )
    GROUP BY channel
  )
SELECT channel,
  sum(users) AS users, sum(new_users) AS new_users, sum(lead_users) AS lead_users, sum(leads) AS leads, sum(orders) AS orders,
  sum(sessions) AS sessions, sum(resolved) AS resolved, sum(requests) AS requests,
  sumMap(revenue) AS revenue_sum, revenue_sum.1 AS revenue_currencies, revenue_sum.2 AS revenue_units,
  sum(p_users) AS p_users, sum(p_new_users) AS p_new_users, sum(p_lead_users) AS p_lead_users, sum(p_leads) AS p_leads, sum(p_orders) AS p_orders,
  sum(p_sessions) AS p_sessions, sum(p_resolved) AS p_resolved, sum(p_requests) AS p_requests,
  sumMap(p_revenue) AS p_revenue_sum, p_revenue_sum.1 AS p_revenue_currencies, p_revenue_sum.2 AS p_revenue_units,
  sumMap(spend) AS spend_sum, spend_sum.1 AS spend_currencies, spend_sum.2 AS spend_units, sum(spend_rows) AS spend_rows,
  sumMap(p_spend) AS p_spend_sum, p_spend_sum.1 AS p_spend_currencies, p_spend_sum.2 AS p_spend_units, sum(p_spend_rows) AS p_spend_rows
FROM (
  SELECT channel, users, new_users, 0 AS lead_users, 0 AS leads, 0 AS orders, sessions, resolved, requests, ${noRevenue} AS revenue,
    p_users, p_new_users, 0 AS p_lead_users, 0 AS p_leads, 0 AS p_orders, p_sessions, p_resolved, p_requests, ${noRevenue} AS p_revenue,
    ${noRevenue} AS spend, 0 AS spend_rows, ${noRevenue} AS p_spend, 0 AS p_spend_rows
  FROM user_figures
  UNION ALL
  SELECT channel, 0, 0, lead_users, leads, orders, 0, 0, 0, revenue, 0, 0, p_lead_users, p_leads, p_orders, 0, 0, 0, p_revenue,
    ${noRevenue}, 0, ${noRevenue}, 0 FROM outcome_figures
  UNION ALL
  SELECT channel, 0, 0, 0, 0, 0, sessions, resolved, requests, ${noRevenue}, 0, 0, 0, 0, 0, p_sessions, p_resolved, p_requests, ${noRevenue},
    ${noRevenue}, 0, ${noRevenue}, 0 FROM id_figures
  UNION ALL
  SELECT channel, 0, 0, 0, 0, 0, 0, 0, 0, ${noRevenue}, 0, 0, 0, 0, 0, 0, 0, 0, ${noRevenue},
    spend, spend_rows, p_spend, p_spend_rows FROM spend_figures
)
GROUP BY channel`;
}

type ChannelRow = z.infer<typeof ChannelRowSchema>;
function counts(row: ChannelRow, prefix: "" | "p_"): ChannelCounts {
  const get = (key: keyof typeof figureColumns) => row[`${prefix}${key}` as keyof ChannelRow] as number;
  const currencies = row[`${prefix}revenue_currencies` as keyof ChannelRow] as string[];
  const units = row[`${prefix}revenue_units` as keyof ChannelRow] as number[];
  const spendCurrencies = row[`${prefix}spend_currencies` as keyof ChannelRow] as string[];
  const spendUnits = row[`${prefix}spend_units` as keyof ChannelRow] as number[];
  return {
    channel: row.channel,
    users: get("users"),
    newUsers: get("new_users"),
    leadUsers: get("lead_users"),
    leads: get("leads"),
    orders: get("orders"),
    sessions: get("sessions"),
    resolved: get("resolved"),
    requests: get("requests"),
    revenueUnits: new Map(currencies.map((currency, index) => [currency, units[index] ?? 0])),
    spendUnits: new Map(spendCurrencies.map((currency, index) => [currency, spendUnits[index] ?? 0])),
    spendRows: get("spend_rows"),
  };
}

/** Per channel for [from, to) and, in the same pass, for the `previousFromMs` … from period. */
export async function rollupByChannel(
  storage: Storage,
  filters: ResolvedFilters,
  previousFromMs = filters.fromMs,
): Promise<{ current: ChannelCounts[]; previous: ChannelCounts[] }> {
  const sql = byChannelSql(scopeSql(filters, storage.database), storage.database, spendFilterSql(filters));
  const rows = await runQuery(storage, sql, { ...scopeParams(filters), prevFrom: previousFromMs / 1000 }, ChannelRowSchema);
  return { current: rows.map((row) => counts(row, "")), previous: rows.map((row) => counts(row, "p_")) };
}

/**
 * Every session starting in [from, to), one row each, from the rollups (same definitions as
 * sessions-sql.ts): `rollup_sessions (channel, user_id, started, has_request, resolved)`.
 */
export function rollupSessionsCte(scope: string, db: string): string {
  return `
  rollup_sessions AS (
    SELECT channel, user_id, fromUnixTimestamp64Milli(s[1].1, 'UTC') AS started,
      bitAnd(${sessionKinds("s")}, 1) = 1 AS has_request,
      bitAnd(${sessionKinds("s")}, 7) = 3 AS resolved
    FROM (
      SELECT channel, user_id, ${LOOSE_PARTS} AS parts
      FROM ${db}.user_slots
      WHERE ${scope} AND slot < range_to
      GROUP BY channel, user_id
    )
    ARRAY JOIN ${splitSessions("parts")} AS s
    WHERE started >= range_from
    UNION ALL
    SELECT channel, user_id, started, req < range_to AS has_request, req < range_to AND res < range_to AND NOT ho < range_to AS resolved
    FROM (
      SELECT channel, user_id, min(first_ts) AS started, min(request) AS req, min(resolved) AS res, min(handoff) AS ho
      FROM ${db}.id_sessions
      WHERE ${scope}
      GROUP BY channel, user_id, session_id
      HAVING started >= range_from AND started < range_to
    )
  )`;
}
