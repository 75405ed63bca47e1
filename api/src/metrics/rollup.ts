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
  return `
WITH ${RANGE_HEAD},
  slot_rows AS (
    SELECT channel, user_id, slot,
      min(first_ts) AS first_ts, min(loose_first) AS lf, max(loose_last) AS ll,
      min(loose_request) AS lreq, min(loose_resolved) AS lres, min(loose_handoff) AS lho,
      groupUniqArrayMerge(outcomes) AS outs
    FROM ${db}.user_slots
    WHERE ${scope} AND slot < range_to
    GROUP BY channel, user_id, slot
  ),
  per_user AS (
    SELECT channel, user_id,
      min(first_ts) AS first_seen,
      countIf(slot >= range_from) > 0 AS active,
      arrayFlatten(groupArrayIf(outs, slot >= range_from)) AS outcomes_in,
      arraySort(groupArrayIf((lf, ll, lreq, lres, lho), lf < ${none})) AS parts,
      arrayFilter(s -> s[1].1 >= range_from,
        arraySplit((p, gap_ms) -> gap_ms >= 1800000, parts,
          arrayMap((p, i) -> if(i = 1, 0, toUnixTimestamp64Milli(p.1) - toUnixTimestamp64Milli(parts[i - 1].2)), parts, arrayEnumerate(parts)))) AS loose_in
    FROM slot_rows
    GROUP BY channel, user_id
  ),
  user_figures AS (
    SELECT toString(channel) AS channel,
      countIf(active) AS users,
      countIf(first_seen >= range_from) AS new_users,
      countIf(arrayExists(o -> o.2 = 'lead', outcomes_in)) AS lead_users,
      sum(arrayCount(o -> o.2 = 'lead', outcomes_in)) AS leads,
      sum(arrayCount(o -> o.2 = 'order', outcomes_in)) AS orders,
      sum(length(loose_in)) AS sessions,
      sum(arrayCount(s -> arrayMin(arrayMap(p -> p.3, s)) < ${none} AND arrayMin(arrayMap(p -> p.4, s)) < ${none} AND arrayMin(arrayMap(p -> p.5, s)) = ${none}, loose_in)) AS resolved,
      sum(arrayCount(s -> arrayMin(arrayMap(p -> p.3, s)) < ${none}, loose_in)) AS requests,
      sumMap(
        arrayMap(o -> o.4, arrayFilter(o -> o.2 IN ('order', 'payment') AND o.4 != '', outcomes_in)),
        arrayMap(o -> toInt64(o.3 * 10000), arrayFilter(o -> o.2 IN ('order', 'payment') AND o.4 != '', outcomes_in))) AS revenue
    FROM per_user
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
  SELECT channel, users, new_users, lead_users, leads, orders, sessions, resolved, requests, revenue AS revenue_map FROM user_figures
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
