import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import { ChannelSchema, type ChannelFigures, type ChannelsResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "../http/params.js";
import { chooseCurrency, money, moneyRatio, moneyTotals, otherCurrencies, ratio, spendScopeSql } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { rollupByChannel, rollupServes } from "./rollup.js";
import { rollupCurrencyTotals } from "./rollup-money.js";
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
});

/**
 * Per channel, one pass each over users (sessions-sql.ts), revenue events and spend, combined by
 * channel. A channel is listed when it has users in range or any spend row in range (in any currency).
 */
function channelsSql(scope: string, db: string, spendScope: string): string {
  return `
WITH ${RANGE_HEAD}, ${sessionCtes(scope, db)},
  activity AS (
    SELECT channel,
      countIf(active) AS ch_users,
      countIf(first_seen >= range_from) AS ch_new_users,
      sum(sessions) AS ch_sessions,
      sum(leads) AS ch_leads,
      sum(orders) AS ch_orders,
      countIf(leads > 0) AS ch_lead_users
    FROM users GROUP BY channel
  ),
  revenue AS (
    SELECT channel, toFloat64(sum(revenue)) AS revenue
    FROM ${db}.events FINAL
    WHERE ${scope} AND ts >= range_from AND ts < range_to AND type IN ('order', 'payment') AND currency = {currency:String}
    GROUP BY channel
  ),
  spent AS (
    SELECT channel, toFloat64(sumIf(amount, currency = {currency:String})) AS spend
    FROM ${db}.spend FINAL WHERE ${spendScope} GROUP BY channel
  )
SELECT channel, sum(users) AS users, sum(new_users) AS new_users, sum(sessions) AS sessions, sum(leads) AS leads,
  sum(orders) AS orders, sum(lead_users) AS lead_users, sum(revenue) AS revenue, sum(spend) AS spend, max(listed) AS listed
FROM (
  SELECT toString(channel) AS channel, ch_users AS users, ch_new_users AS new_users, ch_sessions AS sessions, ch_leads AS leads, ch_orders AS orders, ch_lead_users AS lead_users, 0 AS revenue, 0 AS spend, ch_users > 0 AS listed FROM activity
  UNION ALL SELECT toString(channel), 0, 0, 0, 0, 0, 0, revenue, 0, 0 FROM revenue
  UNION ALL SELECT toString(channel), 0, 0, 0, 0, 0, 0, 0, spend, 1 FROM spent
)
GROUP BY channel
HAVING listed`;
}

async function channelsFromRollup(storage: Storage, filters: ResolvedFilters): Promise<ChannelsResponse> {
  const { current: counts } = await rollupByChannel(storage, filters);
  const totals = rollupCurrencyTotals(counts);
  const currency = chooseCurrency(totals, filters.currency);
  const spendOf = (channel: string) => (counts.find((row) => row.channel === channel)?.spendUnits.get(currency) ?? 0) / 1e4;
  const listed = new Set(counts.filter((row) => row.users > 0 || row.spendRows > 0).map((row) => row.channel));
  const figures: ChannelFigures[] = [...listed].map((channel) => {
    const row = counts.find((candidate) => candidate.channel === channel);
    const users = row?.users ?? 0;
    const leads = row?.leads ?? 0;
    const orders = row?.orders ?? 0;
    const spent = spendOf(channel);
    return {
      channel: ChannelSchema.parse(channel),
      users,
      newUsers: row?.newUsers ?? 0,
      sessions: row?.sessions ?? 0,
      leads,
      orders,
      revenue: money((row?.revenueUnits.get(currency) ?? 0) / 1e4, currency),
      spend: money(spent, currency),
      cpl: moneyRatio(spent, leads, currency),
      cpo: moneyRatio(spent, orders, currency),
      leadConversion: ratio(row?.leadUsers ?? 0, users),
    };
  });
  figures.sort((a, b) => b.users - a.users || a.channel.localeCompare(b.channel));
  return { range: rangeEcho(filters), currency, channels: figures, otherCurrencies: otherCurrencies(totals, currency) };
}

/** Ranges on quarter hours (every date bound in every zone) come from the rollups; others from the events. */
export async function channels(storage: Storage, filters: ResolvedFilters): Promise<ChannelsResponse> {
  if (rollupServes(filters)) return channelsFromRollup(storage, filters);
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
