import { z } from "zod";
import { ROLLUP_NONE, type Storage } from "@chatfunnel/ingest";
import type { ResolvedFilters } from "../http/params.js";
import { spendScopeSql } from "./money.js";
import { runQuery } from "./run-query.js";
import { scopeParams, scopeSql } from "./scope.js";
import { RANGE_HEAD } from "./sessions-sql.js";

/** The rollups (migration 2) are per 15-minute slot: exact for ranges whose bounds fall on one. */
const SLOT_MS = 15 * 60 * 1000;
export const rollupServes = (filters: ResolvedFilters): boolean => filters.fromMs % SLOT_MS === 0 && filters.toMs % SLOT_MS === 0;

const num = z.coerce.number();
const ChannelRowSchema = z.object({
  channel: z.string(),
  users: num,
  new_users: num,
  lead_users: num,
  leads: num,
  orders: num,
  sessions: num,
  resolved: num,
  requests: num,
  revenue_currencies: z.array(z.string()),
  /** Ten-thousandths, so sums stay exact integers on this side too. */
  revenue_units: z.array(num),
});

/** One channel's figures for [from, to), read from the rollups. */
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
}

/**
 * Same definitions as sessions-sql.ts, on the rollups: slots before `to` are the events before `to`;
 * loose sessions are runs of slots whose gap (first event of a slot − last event of the previous
 * non-empty slot) is < 30 min; sessionId sessions are judged on their first request, resolution and
 * handoff before `to`. Users, leads, orders and revenue are the slots in [from, to).
 */
function byChannelSql(scope: string, db: string): string {
  const none = ROLLUP_NONE;
  // A slot can appear more than once (several bots, parts not merged yet): its entries are less
  // than 30 min apart so they never split a session, and every figure below is a min, a max or a
  // distinct set, so no GROUP BY per slot is needed.
  return `
WITH ${RANGE_HEAD},
  per_user AS (
    SELECT channel,
      min(first_ts) AS first_seen,
      countIf(slot >= range_from) > 0 AS active,
      arraySort(groupArrayIf((loose_first, loose_last, loose_request, loose_resolved, loose_handoff), loose_first < ${none})) AS parts,
      arrayFilter(s -> s[1].1 >= range_from,
        arraySplit((p, gap_ms) -> gap_ms >= 1800000, parts,
          arrayMap((p, i) -> if(i = 1, 0, toUnixTimestamp64Milli(p.1) - toUnixTimestamp64Milli(parts[i - 1].2)), parts, arrayEnumerate(parts)))) AS loose_in
    FROM ${db}.user_slots
    WHERE ${scope} AND slot < range_to
    GROUP BY channel, user_id
  ),
  user_figures AS (
    SELECT toString(channel) AS channel,
      countIf(active) AS users,
      countIf(first_seen >= range_from) AS new_users,
      sum(length(loose_in)) AS sessions,
      sum(arrayCount(s -> arrayMin(arrayMap(p -> p.3, s)) < ${none} AND arrayMin(arrayMap(p -> p.4, s)) < ${none} AND arrayMin(arrayMap(p -> p.5, s)) = ${none}, loose_in)) AS resolved,
      sum(arrayCount(s -> arrayMin(arrayMap(p -> p.3, s)) < ${none}, loose_in)) AS requests
    FROM per_user
    GROUP BY channel
  ),
  outcome_figures AS (
    SELECT toString(channel) AS channel,
      countIf(arrayExists(o -> o.2 = 'lead', outs)) AS lead_users,
      sum(arrayCount(o -> o.2 = 'lead', outs)) AS leads,
      sum(arrayCount(o -> o.2 = 'order', outs)) AS orders,
      sumMap(
        arrayMap(o -> o.4, arrayFilter(o -> o.2 IN ('order', 'payment') AND o.4 != '', outs)),
        arrayMap(o -> toInt64(o.3 * 10000), arrayFilter(o -> o.2 IN ('order', 'payment') AND o.4 != '', outs))) AS revenue
    FROM (
      SELECT channel, groupUniqArrayMerge(outcomes) AS outs
      FROM ${db}.user_outcomes
      WHERE ${scope} AND slot >= range_from AND slot < range_to
      GROUP BY channel, user_id
    )
    GROUP BY channel
  ),
  id_figures AS (
    SELECT toString(channel) AS channel, count() AS sessions,
      countIf(req < range_to AND res < range_to AND NOT ho < range_to) AS resolved,
      countIf(req < range_to) AS requests
    FROM (
      SELECT channel, min(first_ts) AS started, min(request) AS req, min(resolved) AS res, min(handoff) AS ho
      FROM ${db}.id_sessions
      WHERE ${scope}
      GROUP BY channel, user_id, session_id
      HAVING started >= range_from AND started < range_to
    )
    GROUP BY channel
  )
SELECT channel,
  sum(users) AS users, sum(new_users) AS new_users, sum(lead_users) AS lead_users, sum(leads) AS leads, sum(orders) AS orders,
  sum(sessions) AS sessions, sum(resolved) AS resolved, sum(requests) AS requests,
  sumMap(revenue_map) AS revenue_sum, revenue_sum.1 AS revenue_currencies, revenue_sum.2 AS revenue_units
FROM (
  SELECT channel, users, new_users, 0 AS lead_users, 0 AS leads, 0 AS orders, sessions, resolved, requests,
    (CAST([], 'Array(String)'), CAST([], 'Array(Int64)')) AS revenue_map FROM user_figures
  UNION ALL
  SELECT channel, 0, 0, lead_users, leads, orders, 0, 0, 0, revenue FROM outcome_figures
  UNION ALL
  SELECT channel, 0, 0, 0, 0, 0, sessions, resolved, requests, (CAST([], 'Array(String)'), CAST([], 'Array(Int64)')) FROM id_figures
)
GROUP BY channel`;
}

export async function rollupByChannel(storage: Storage, filters: ResolvedFilters): Promise<ChannelCounts[]> {
  const rows = await runQuery(storage, byChannelSql(scopeSql(filters, storage.database), storage.database), scopeParams(filters), ChannelRowSchema.passthrough());
  return rows.map((row) => ({
    channel: row.channel,
    users: row.users,
    newUsers: row.new_users,
    leadUsers: row.lead_users,
    leads: row.leads,
    orders: row.orders,
    sessions: row.sessions,
    resolved: row.resolved,
    requests: row.requests,
    revenueUnits: new Map(row.revenue_currencies.map((currency, index) => [currency, row.revenue_units[index] ?? 0])),
  }));
}

const SpendRowSchema = z.object({ channel: z.string(), currency: z.string(), units: num });

/** Spend in range per channel and currency, in ten-thousandths. */
export async function spendByChannel(storage: Storage, filters: ResolvedFilters): Promise<{ channel: string; currency: string; units: number }[]> {
  const sql = `
WITH ${RANGE_HEAD}
SELECT toString(channel) AS channel, toString(currency) AS currency, toInt64(sum(amount) * 10000) AS units
FROM ${storage.database}.spend FINAL WHERE ${spendScopeSql(filters)}
GROUP BY channel, currency`;
  return runQuery(storage, sql, scopeParams(filters), SpendRowSchema);
}
