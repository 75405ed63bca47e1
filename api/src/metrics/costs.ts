import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import type { CostsGrouping, CostsResponse, CostsRow } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "../http/params.js";
import { chooseCurrency, money, moneyRatio, moneyTotals, otherCurrencies, roas, spendScopeSql } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { runQuery } from "./run-query.js";
import { firstTouchSql, scopeParams, scopeSql } from "./scope.js";
import { RANGE_HEAD } from "./sessions-sql.js";

const num = z.coerce.number();
const CostsDbRowSchema = z.object({ key: z.string(), spend: num, leads: num, orders: num, revenue: num });

/**
 * The key of an event's outcome, from an allow-list: its channel, or the first-touch campaign of its
 * user (source.campaign of the user's earliest event with one, over all the user's events in the
 * project, whatever the filters), '' when the user never came through a campaign.
 */
const EVENT_KEY: Record<CostsGrouping, (db: string) => { select: string; join: string }> = {
  channel: () => ({ select: "e.channel", join: "" }),
  campaign: (db) => ({
    select: "ft.campaign",
    join: `LEFT JOIN (${firstTouchSql(db)}) AS ft ON ft.channel = e.channel AND ft.user_id = e.user_id`,
  }),
};
const SPEND_KEY: Record<CostsGrouping, string> = { channel: "channel", campaign: "campaign" };

/** Rows: keys with a spend row (any currency) or a lead, order or payment event in range. */
function costsSql(scope: string, db: string, spendScope: string, by: CostsGrouping): string {
  const key = EVENT_KEY[by](db);
  return `
WITH ${RANGE_HEAD}
SELECT toString(key) AS key, sum(spend) AS spend, sum(leads) AS leads, sum(orders) AS orders, sum(revenue) AS revenue FROM (
  SELECT ${key.select} AS key, 0 AS spend,
    countIf(e.type = 'lead') AS leads,
    countIf(e.type = 'order') AS orders,
    toFloat64(sumIf(e.revenue, e.type IN ('order', 'payment') AND e.currency = {currency:String})) AS revenue
  FROM (
    SELECT channel, user_id, type, revenue, currency FROM ${db}.events FINAL
    WHERE ${scope} AND ts >= range_from AND ts < range_to AND type IN ('lead', 'order', 'payment')
  ) AS e
  ${key.join}
  GROUP BY key
  UNION ALL
  SELECT ${SPEND_KEY[by]} AS key, toFloat64(sumIf(amount, currency = {currency:String})) AS spend, 0 AS leads, 0 AS orders, 0 AS revenue
  FROM ${db}.spend FINAL WHERE ${spendScope} GROUP BY key
)
GROUP BY key
SETTINGS join_use_nulls = 0`;
}

function costsRow(key: string | null, spend: number, leads: number, orders: number, revenue: number, currency: string): CostsRow {
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
  const scope = scopeSql(filters, storage.database);
  const params = scopeParams(filters);
  const totals = await moneyTotals(storage, scope, filters, params);
  const currency = chooseCurrency(totals, filters.currency);
  const dbRows = await runQuery(storage, costsSql(scope, storage.database, spendScopeSql(filters), by), { ...params, currency }, CostsDbRowSchema);
  const rows = dbRows.map((row) => costsRow(row.key === "" ? null : row.key, row.spend, row.leads, row.orders, row.revenue, currency));
  rows.sort((a, b) => b.spend.amount - a.spend.amount || b.leads - a.leads || (a.key ?? "").localeCompare(b.key ?? ""));
  const sum = (pick: (row: (typeof dbRows)[number]) => number) => dbRows.reduce((total, row) => total + pick(row), 0);
  const { key: _omit, ...total } = costsRow(null, sum((r) => r.spend), sum((r) => r.leads), sum((r) => r.orders), sum((r) => r.revenue), currency);
  return { range: rangeEcho(filters), by, currency, rows, total, otherCurrencies: otherCurrencies(totals, currency) };
}
