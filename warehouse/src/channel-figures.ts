import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { isRevenueEventSql, UnitsSchema, unitsSql, type Units } from "./money.js";
import { choosePath } from "./paths.js";
import type { FactPath } from "./rollup-schema.js";
import { ROLLUP_TABLES } from "./rollup-schema.js";
import { runQuery } from "./run-query.js";
import { RANGE_HEAD_WITH_PREVIOUS, eventScope, spendRowScope, type ResolvedFilters } from "./scope.js";
import {
  LOOSE_PARTS,
  idHasRequestSql,
  idResolvedSql,
  idSessionRowsSql,
  looseHasRequestSql,
  looseResolvedSql,
  sessionCtes,
  sessionGapHead,
  splitSessions,
} from "./sessions.js";

/**
 * Every fact per channel, for a period and (in the same pass) the period before it: users, new users
 * (first seen), sessions with their requests and bot resolutions, lead users, leads, orders, revenue
 * and spend per currency. One events implementation and one rollup implementation, returning the same
 * rows (tests/integration/warehouse-paths.test.ts); overview and channels are compositions of it.
 */
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
  /** Users with at least one / at least two sessions starting in the period (current period, with withRepeat; else 0). */
  sessionUsers: number;
  returningUsers: number;
  /** Revenue (order + payment) per currency, in units (money.ts); a currency seen with 0 is listed. */
  revenue: Map<string, Units>;
  /** Spend per currency in units, and how many spend rows (any currency) the period has. */
  spend: Map<string, Units>;
  spendRows: number;
}

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
  session_users: num,
  returning_users: num,
  revenue_currencies: z.array(z.string()),
  revenue_units: z.array(UnitsSchema),
  spend_currencies: z.array(z.string()),
  spend_units: z.array(UnitsSchema),
  spend_rows: num,
};
const ChannelRowSchema = z.object({
  channel: z.string(),
  ...figureColumns,
  ...Object.fromEntries(Object.entries(figureColumns).map(([key, schema]) => [`p_${key}`, schema])),
});
type ChannelRow = z.infer<typeof ChannelRowSchema>;

/** (currencies, units, counts) with nothing in it: the neutral element of sumMap. */
const NO_MONEY = "(CAST([], 'Array(String)'), CAST([], 'Array(Int128)'), CAST([], 'Array(UInt64)'))";

/** The local days of both periods: a day's spend counts when that local day overlaps the period. */
const DAY_HEAD = `
  toDate(toTimeZone(range_from, {tz:String})) AS day_from,
  toDate(toTimeZone(range_to - toIntervalMillisecond(1), {tz:String})) AS day_to,
  toDate(toTimeZone(prev_from, {tz:String})) AS p_day_from,
  toDate(toTimeZone(range_from - toIntervalMillisecond(1), {tz:String})) AS p_day_to`;

/**
 * Spend per channel and currency for both periods. sumMap drops keys whose sum is 0; the third array
 * (a count per entry) keeps a currency that appeared with 0.
 */
function spendFiguresCte(db: string, spendFilter: string): string {
  return `
  spend_figures AS (
    SELECT toString(channel) AS channel,
      sumMapIf([toString(currency)], [${unitsSql("amount")}], [toUInt64(1)], date >= day_from) AS spend,
      countIf(date >= day_from) AS spend_rows,
      sumMapIf([toString(currency)], [${unitsSql("amount")}], [toUInt64(1)], date >= p_day_from AND date <= p_day_to) AS p_spend,
      countIf(date >= p_day_from AND date <= p_day_to) AS p_spend_rows
    FROM ${db}.spend FINAL
    WHERE ${spendFilter} AND date >= least(day_from, p_day_from) AND date <= day_to
    GROUP BY channel
  )`;
}

/**
 * The final combination of per-channel parts, each a CTE with a subset of the columns: `counts`
 * (numbers of both periods), `money` (revenue of both periods), `spend_figures`.
 */
/** Sessions per user are reported for the current period only (0 in the previous one). */
const REPEAT_COLUMNS = ["session_users", "returning_users"];
const COUNT_COLUMNS = ["users", "new_users", "lead_users", "leads", "orders", "sessions", "resolved", "requests", "session_users", "returning_users"];
function combineSql(parts: { name: string; counts: string[]; revenue: boolean; spend: boolean }[]): string {
  const all = [...COUNT_COLUMNS, ...COUNT_COLUMNS.map((c) => `p_${c}`)];
  const selects = parts.map(
    (part) => `SELECT channel, ${all.map((c) => (part.counts.includes(c) ? c : `0 AS ${c}`)).join(", ")},
    ${part.revenue ? "revenue, p_revenue" : `${NO_MONEY} AS revenue, ${NO_MONEY} AS p_revenue`},
    ${part.spend ? "spend, spend_rows, p_spend, p_spend_rows" : `${NO_MONEY} AS spend, 0 AS spend_rows, ${NO_MONEY} AS p_spend, 0 AS p_spend_rows`}
  FROM ${part.name}`,
  );
  return `
SELECT channel, ${all.map((c) => `sum(${c}) AS ${c}`).join(", ")},
  sumMap(revenue) AS revenue_sum, revenue_sum.1 AS revenue_currencies, revenue_sum.2 AS revenue_units,
  sumMap(p_revenue) AS p_revenue_sum, p_revenue_sum.1 AS p_revenue_currencies, p_revenue_sum.2 AS p_revenue_units,
  sumMap(spend) AS spend_sum, spend_sum.1 AS spend_currencies, spend_sum.2 AS spend_units, sum(spend_rows) AS spend_rows,
  sumMap(p_spend) AS p_spend_sum, p_spend_sum.1 AS p_spend_currencies, p_spend_sum.2 AS p_spend_units, sum(p_spend_rows) AS p_spend_rows
FROM (
  ${selects.join("\n  UNION ALL\n  ")}
)
GROUP BY channel`;
}

/** Revenue per currency of a set of outcome tuples (event id, type, revenue, currency). */
const revenueMap = (outs: string) => {
  const paid = `arrayFilter(o -> o.2 IN ('order', 'payment') AND o.4 != '', ${outs})`;
  return `sumMap(arrayMap(o -> o.4, ${paid}), arrayMap(o -> ${unitsSql("o.3")}, ${paid}), arrayMap(o -> toUInt64(1), ${paid}))`;
};

/**
 * The events implementation: sessions from sessionCtes (the session rule read from the project),
 * revenue straight from order and payment events, spend rows.
 */
function eventsSql(scope: string, db: string, spendFilter: string): string {
  return `
WITH ${RANGE_HEAD_WITH_PREVIOUS}, ${DAY_HEAD}, ${sessionCtes(scope, db, { withPrevious: true })},
  counts AS (
    SELECT toString(channel) AS channel,
      countIf(u_active) AS users, countIf(u_first_seen >= range_from) AS new_users,
      countIf(u_leads > 0) AS lead_users, sum(u_leads) AS leads, sum(u_orders) AS orders,
      sum(u_sessions) AS sessions, sum(u_resolved) AS resolved, sum(u_requests) AS requests,
      countIf(u_sessions > 0) AS session_users, countIf(u_sessions >= 2) AS returning_users,
      countIf(u_p_active) AS p_users, countIf(u_first_seen >= prev_from AND u_first_seen < range_from) AS p_new_users,
      countIf(u_p_leads > 0) AS p_lead_users, sum(u_p_leads) AS p_leads, sum(u_p_orders) AS p_orders,
      sum(u_p_sessions) AS p_sessions, sum(u_p_resolved) AS p_resolved, sum(u_p_requests) AS p_requests
    -- Renamed first: an alias below would shadow the users column of the same name.
    FROM (
      SELECT channel, active AS u_active, first_seen AS u_first_seen, leads AS u_leads, orders AS u_orders,
        sessions AS u_sessions, resolved_sessions AS u_resolved, request_sessions AS u_requests,
        p_active AS u_p_active, p_leads AS u_p_leads, p_orders AS u_p_orders,
        p_sessions AS u_p_sessions, p_resolved_sessions AS u_p_resolved, p_request_sessions AS u_p_requests
      FROM users
    )
    GROUP BY channel
  ),
  money AS (
    SELECT toString(channel) AS channel,
      sumMapIf([toString(currency)], [${unitsSql("amount")}], [toUInt64(1)], ts >= range_from) AS revenue,
      sumMapIf([toString(currency)], [${unitsSql("amount")}], [toUInt64(1)], ts < range_from) AS p_revenue
    -- The event column is renamed: the revenue alias above would shadow it.
    FROM (SELECT channel, ts, currency, revenue AS amount FROM ${db}.events FINAL
    WHERE ${scope} AND ts >= prev_from AND ts < range_to AND ${isRevenueEventSql()} AND currency != '')
    GROUP BY channel
  ),
  ${spendFiguresCte(db, spendFilter)}
${combineSql([
  { name: "counts", counts: [...COUNT_COLUMNS, ...COUNT_COLUMNS.filter((c) => !REPEAT_COLUMNS.includes(c)).map((c) => `p_${c}`)], revenue: false, spend: false },
  { name: "money", counts: [], revenue: true, spend: false },
  { name: "spend_figures", counts: [], revenue: false, spend: true },
])}`;
}

/**
 * The rollup implementation (same definitions as the events one): slots before `to` are the events
 * before `to`; loose sessions are runs of slots whose gap (first event of a slot − last event of the
 * previous non-empty slot) stays below the timeout; sessionId sessions are judged on their first
 * request, resolution and handoff before `to`; users, leads, orders and revenue are the slots in range.
 * A slot can appear more than once (several bots, parts not merged yet): its entries are less than a
 * slot apart so they never split a session, the gap to the next slot is from the latest of their last
 * events (splitSessions), and every figure is a min, a max or a distinct set.
 * Sessions per user (repeat) need loose and sessionId sessions together: only with `withRepeat`.
 */
function rollupSql(scope: string, db: string, spendFilter: string, withRepeat: boolean): string {
  const resolvedCount = (sessions: string) => `arrayCount(s -> ${looseResolvedSql("s")}, ${sessions})`;
  const requestCount = (sessions: string) => `arrayCount(s -> ${looseHasRequestSql("s")}, ${sessions})`;
  // Sessions per user = the user's loose sessions (per_user) + their sessionId sessions starting in
  // range, joined per user: per_user is read once (a CTE referenced twice would be computed twice).
  const idUserSessions = withRepeat
    ? `
  id_user_sessions AS (
    SELECT channel, user_id, count() AS id_n
    FROM (${idSessionRowsSql(scope, db, "range_from")}
    )
    GROUP BY channel, user_id
  ),`
    : "";
  const repeatColumns = withRepeat
    ? `,
      countIf(length(loose_in) + id_n > 0) AS session_users, countIf(length(loose_in) + id_n >= 2) AS returning_users`
    : "";
  const repeatJoin = withRepeat ? "\n    LEFT JOIN id_user_sessions USING (channel, user_id)" : "";
  return `
WITH ${RANGE_HEAD_WITH_PREVIOUS}, ${DAY_HEAD}, ${sessionGapHead(db)},${idUserSessions}
  per_user AS (
    SELECT channel, user_id,
      min(first_ts) AS first_seen,
      countIf(slot >= range_from) > 0 AS active,
      countIf(slot >= prev_from AND slot < range_from) > 0 AS p_active,
      ${LOOSE_PARTS} AS parts,
      arrayFilter(p -> p.1 < toUnixTimestamp64Milli(range_from), parts) AS p_parts,
      arrayFilter(s -> s[1].1 >= toUnixTimestamp64Milli(range_from), ${splitSessions("parts")}) AS loose_in,
      arrayFilter(s -> s[1].1 >= toUnixTimestamp64Milli(prev_from), ${splitSessions("p_parts")}) AS p_loose_in
    FROM ${db}.${ROLLUP_TABLES.userSlots}
    WHERE ${scope} AND slot < range_to
    GROUP BY channel, user_id
    -- The table is sorted by (project, channel, user): in that order this grouping needs no hash table of
    -- every user (100M-event set, 2M users: overview 3.7 -> 3.1 s; 10M: the same). Only here: the other
    -- parts of the query group by keys that are not a sort prefix and get slower with it.
    SETTINGS optimize_aggregation_in_order = 1
  ),
  user_figures AS (
    SELECT toString(channel) AS channel,
      countIf(active) AS users, countIf(first_seen >= range_from) AS new_users,
      sum(length(loose_in)) AS sessions, sum(${resolvedCount("loose_in")}) AS resolved, sum(${requestCount("loose_in")}) AS requests,
      countIf(p_active) AS p_users, countIf(first_seen >= prev_from AND first_seen < range_from) AS p_new_users,
      sum(length(p_loose_in)) AS p_sessions, sum(${resolvedCount("p_loose_in")}) AS p_resolved, sum(${requestCount("p_loose_in")}) AS p_requests${repeatColumns}
    FROM per_user${repeatJoin}
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
      FROM ${db}.${ROLLUP_TABLES.userOutcomes}
      WHERE ${scope} AND slot >= prev_from AND slot < range_to
      GROUP BY channel, user_id
    )
    GROUP BY channel
  ),
  ${spendFiguresCte(db, spendFilter)},
  id_figures AS (
    SELECT toString(channel) AS channel,
      countIf(started >= range_from) AS sessions,
      countIf(started >= range_from AND ${idResolvedSql("range_to")}) AS resolved,
      countIf(started >= range_from AND ${idHasRequestSql("range_to")}) AS requests,
      countIf(started < range_from) AS p_sessions,
      countIf(started < range_from AND ${idResolvedSql("range_from")}) AS p_resolved,
      countIf(started < range_from AND ${idHasRequestSql("range_from")}) AS p_requests
    FROM (${idSessionRowsSql(scope, db, "prev_from")}
    )
    GROUP BY channel
  )
${combineSql([
  {
    name: "user_figures",
    counts: ["users", "new_users", "sessions", "resolved", "requests", "p_users", "p_new_users", "p_sessions", "p_resolved", "p_requests", ...(withRepeat ? REPEAT_COLUMNS : [])],
    revenue: false,
    spend: false,
  },
  { name: "outcome_figures", counts: ["lead_users", "leads", "orders", "p_lead_users", "p_leads", "p_orders"], revenue: true, spend: false },
  { name: "id_figures", counts: ["sessions", "resolved", "requests", "p_sessions", "p_resolved", "p_requests"], revenue: false, spend: false },
  { name: "spend_figures", counts: [], revenue: false, spend: true },
])}`;
}

function counts(row: ChannelRow, prefix: "" | "p_"): ChannelCounts {
  const get = <K extends keyof typeof figureColumns>(key: K) => row[`${prefix}${key}` as keyof ChannelRow] as z.infer<(typeof figureColumns)[K]>;
  const zip = (currencies: string[], units: Units[]) => new Map(currencies.map((currency, index) => [currency, units[index] ?? 0n]));
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
    sessionUsers: get("session_users"),
    returningUsers: get("returning_users"),
    revenue: zip(get("revenue_currencies"), get("revenue_units")),
    spend: zip(get("spend_currencies"), get("spend_units")),
    spendRows: get("spend_rows"),
  };
}

export interface ChannelFactsOptions {
  /** Start of the previous period [previousFromMs, from); from itself when not asked for. */
  previousFromMs?: number;
  /** Which implementation answers; choosePath by default. Tests force both. */
  path?: FactPath;
  /** Whether sessionUsers / returningUsers are needed (the rollup path reads sessions once more for them; 0 otherwise). */
  withRepeat?: boolean;
}

/** Per channel for [from, to) and, in the same pass, for the previous period. */
export async function channelFacts(
  storage: Storage,
  filters: ResolvedFilters,
  options: ChannelFactsOptions = {},
): Promise<{ path: FactPath; current: ChannelCounts[]; previous: ChannelCounts[] }> {
  const path = options.path ?? (await choosePath(storage, filters));
  const db = storage.database;
  const scope = eventScope(filters, db);
  const spend = spendRowScope(filters);
  const sql = path === "rollup" ? rollupSql(scope.sql, db, spend.sql, options.withRepeat ?? false) : eventsSql(scope.sql, db, spend.sql);
  const params = { ...scope.params, ...spend.params, prevFrom: (options.previousFromMs ?? filters.fromMs) / 1000 };
  const rows = await runQuery(storage, sql, params, ChannelRowSchema);
  return { path, current: rows.map((row) => counts(row, "")), previous: rows.map((row) => counts(row, "p_")) };
}
