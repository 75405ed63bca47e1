import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import type { CostsGrouping, CostsResponse, CostsRow } from "@chatfunnel/schemas";
import { firstTouchCampaignsSql, amountOf, currencyTotals, isRevenueEventSql, spendInRangeScope, unitsSql, UnitsSchema, runQuery, RANGE_HEAD, eventScope, type Units, type ResolvedFilters } from "@chatfunnel/warehouse";
import { chooseCurrency, money, moneyRatio, otherCurrencies, reportedTotals, roas } from "./money.js";
import { rangeEcho } from "./range-echo.js";

const num = z.coerce.number();
const CostsDbRowSchema = z.object({ key: z.string(), spend: UnitsSchema, leads: num, orders: num, revenue: UnitsSchema });

/**
 * The key of an event's outcome, from an allow-list: its channel, or the first-touch campaign of its
 * user (first-touch.ts), '' when the user never came through a campaign.
 */
const EVENT_KEY: Record<CostsGrouping, (db: string) => { select: string; join: string }> = {
  channel: () => ({ select: "e.channel", join: "" }),
  campaign: (db) => ({
    select: "ft.campaign",
    join: `LEFT JOIN (${firstTouchCampaignsSql(db)}) AS ft ON ft.channel = e.channel AND ft.user_id = e.user_id`,
  }),
};
const SPEND_KEY: Record<CostsGrouping, string> = { channel: "channel", campaign: "campaign" };

/** Rows: keys with a spend row (any currency) or a lead, order or payment event in range; money in units. */
function costsSql(scope: string, db: string, spendScope: string, by: CostsGrouping): string {
  const key = EVENT_KEY[by](db);
  return `
WITH ${RANGE_HEAD}
SELECT toString(key) AS key, sum(spend) AS spend, sum(leads) AS leads, sum(orders) AS orders, sum(revenue) AS revenue FROM (
  SELECT ${key.select} AS key, toInt128(0) AS spend,
    countIf(e.type = 'lead') AS leads,
    countIf(e.type = 'order') AS orders,
    sumIf(${unitsSql("e.revenue")}, ${isRevenueEventSql("e.type")} AND e.currency = {currency:String}) AS revenue
  FROM (
    SELECT channel, user_id, type, revenue, currency FROM ${db}.events FINAL
    WHERE ${scope} AND ts >= range_from AND ts < range_to AND type IN ('lead', 'order', 'payment')
  ) AS e
  ${key.join}
  GROUP BY key
  UNION ALL
  SELECT ${SPEND_KEY[by]} AS key, sumIf(${unitsSql("amount")}, currency = {currency:String}) AS spend, 0 AS leads, 0 AS orders, toInt128(0) AS revenue
  FROM ${db}.spend FINAL WHERE ${spendScope} GROUP BY key
)
GROUP BY key
SETTINGS join_use_nulls = 0`;
}

function costsRow(key: string | null, spendUnits: Units, leads: number, orders: number, revenueUnits: Units, currency: string): CostsRow {
  const spend = amountOf(spendUnits);
  const revenue = amountOf(revenueUnits);
  return {
    key,
    spend: money(spend, currency),
    leads,
    orders,
    revenue: money(revenue, currency),
    cpl: moneyRatio(spend, leads, currency),
    cpo: moneyRatio(spend, orders, currency),
    roas: roas(revenue, spend),
  };
}

export async function costs(storage: Storage, filters: ResolvedFilters, by: CostsGrouping): Promise<CostsResponse> {
  const scope = eventScope(filters, storage.database);
  const totals = reportedTotals(await currencyTotals(storage, scope, filters));
  const currency = chooseCurrency(totals, filters.currency);
  const sql = costsSql(scope.sql, storage.database, spendInRangeScope(filters).sql, by);
  const dbRows = await runQuery(storage, sql, { ...scope.params, currency }, CostsDbRowSchema);
  const rows = dbRows.map((row) => costsRow(row.key === "" ? null : row.key, row.spend, row.leads, row.orders, row.revenue, currency));
  rows.sort((a, b) => b.spend.amount - a.spend.amount || b.leads - a.leads || (a.key ?? "").localeCompare(b.key ?? ""));
  const count = (pick: (row: (typeof dbRows)[number]) => number) => dbRows.reduce((total, row) => total + pick(row), 0);
  const units = (pick: (row: (typeof dbRows)[number]) => Units) => dbRows.reduce((total, row) => total + pick(row), 0n);
  const { key: _omit, ...total } = costsRow(null, units((r) => r.spend), count((r) => r.leads), count((r) => r.orders), units((r) => r.revenue), currency);
  return { range: rangeEcho(filters), by, currency, rows, total, otherCurrencies: otherCurrencies(totals, currency) };
}
