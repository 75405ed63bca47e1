import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import { ChannelSchema, type ChannelFigures, type ChannelsResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "../http/params.js";
import { chooseCurrency, money, moneyRatio, moneyTotals, otherCurrencies, ratio, spendScopeSql } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { runQuery } from "./run-query.js";
import { scopeParams, scopeSql } from "./scope.js";
import { RANGE_HEAD, sessionCtes } from "./sessions-sql.js";

const num = z.coerce.number();
const ChannelRowSchema = z.object({
  channel: ChannelSchema,
  users: num,
  new_users: num,
  sessions: num,
  leads: num,
  orders: num,
  lead_users: num,
  revenue: num,
  spend: num,
  has_spend: num,
});

/**
 * Per channel, one pass each over events, sessions and spend, joined on the channel. A channel is
 * listed when it has users in range or any spend row in range (in any currency).
 */
function channelsSql(scope: string, db: string, spendScope: string): string {
  return `
WITH ${RANGE_HEAD}, ${sessionCtes(scope, db)},
  activity AS (
    SELECT channel,
      uniqExact(user_id) AS users,
      countIf(type = 'lead') AS leads,
      countIf(type = 'order') AS orders,
      uniqExactIf(user_id, type = 'lead') AS lead_users
    FROM scoped WHERE ts >= range_from GROUP BY channel
  ),
  revenue AS (
    SELECT channel, toFloat64(sum(revenue)) AS revenue
    FROM ${db}.events FINAL
    WHERE ${scope} AND ts >= range_from AND ts < range_to AND type IN ('order', 'payment') AND currency = {currency:String}
    GROUP BY channel
  ),
  newcomers AS (SELECT channel, count() AS new_users FROM firsts WHERE first_seen >= range_from GROUP BY channel),
  session_counts AS (SELECT channel, count() AS sessions FROM sessions GROUP BY channel),
  spent AS (
    SELECT channel, toFloat64(sumIf(amount, currency = {currency:String})) AS spend, 1 AS has_spend
    FROM ${db}.spend FINAL WHERE ${spendScope} GROUP BY channel
  ),
  listed AS (SELECT channel FROM activity UNION DISTINCT SELECT channel FROM spent)
SELECT listed.channel AS channel,
  activity.users AS users, newcomers.new_users AS new_users, session_counts.sessions AS sessions,
  activity.leads AS leads, activity.orders AS orders, activity.lead_users AS lead_users,
  revenue.revenue AS revenue, spent.spend AS spend, spent.has_spend AS has_spend
FROM listed
LEFT JOIN activity ON activity.channel = listed.channel
LEFT JOIN newcomers ON newcomers.channel = listed.channel
LEFT JOIN session_counts ON session_counts.channel = listed.channel
LEFT JOIN revenue ON revenue.channel = listed.channel
LEFT JOIN spent ON spent.channel = listed.channel
SETTINGS join_use_nulls = 0`;
}

export async function channels(storage: Storage, filters: ResolvedFilters): Promise<ChannelsResponse> {
  const scope = scopeSql(filters, storage.database);
  const params = scopeParams(filters);
  const totals = await moneyTotals(storage, scope, filters, params);
  const currency = chooseCurrency(totals, filters.currency);
  const rows = await runQuery(storage, channelsSql(scope, storage.database, spendScopeSql(filters)), { ...params, currency }, ChannelRowSchema);
  const figures: ChannelFigures[] = rows.map((row) => ({
    channel: row.channel,
    users: row.users,
    newUsers: row.new_users,
    sessions: row.sessions,
    leads: row.leads,
    orders: row.orders,
    revenue: money(row.revenue, currency),
    spend: money(row.spend, currency),
    cpl: moneyRatio(row.spend, row.leads, currency),
    cpo: moneyRatio(row.spend, row.orders, currency),
    leadConversion: ratio(row.lead_users, row.users),
  }));
  figures.sort((a, b) => b.users - a.users || a.channel.localeCompare(b.channel));
  return { range: rangeEcho(filters), currency, channels: figures, otherCurrencies: otherCurrencies(totals, currency) };
}
