import { z } from "zod";
import type { Money, OtherCurrency } from "@chatfunnel/schemas";
import type { Storage } from "@chatfunnel/ingest";
import type { ResolvedFilters } from "../http/params.js";
import { runQuery } from "./run-query.js";
import { RANGE_HEAD } from "./sessions-sql.js";

/** With no money at all in range an answer still names a currency: the product's home market's. */
export const FALLBACK_CURRENCY = "RUB";

export const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
/** Amounts are Decimal(18, 4) in storage: four places are exact, more would be noise. */
export const round4 = (value: number): number => Math.round(value * 1e4) / 1e4;
export const money = (amount: number, currency: string): Money => ({ amount: round4(amount), currency });
export const moneyRatio = (amount: number, count: number, currency: string): Money | null =>
  count === 0 ? null : { amount: round4(amount / count), currency };
export const roas = (revenue: number, spend: number): number | null => (spend === 0 ? null : round4(revenue / spend));

/**
 * Spend rows are per local day, channel and campaign: botId does not apply to them, the campaign
 * filter matches the row's own campaign. A day's spend counts when that day (in tz) overlaps [from, to).
 */
export function spendScopeSql(filters: ResolvedFilters): string {
  return [
    spendFilterSql(filters),
    "date >= toDate(toTimeZone(range_from, {tz:String}))",
    "date <= toDate(toTimeZone(range_to - toIntervalMillisecond(1), {tz:String}))",
  ].join(" AND ");
}

/** The project, channel and campaign part of spendScopeSql, without the dates. */
export function spendFilterSql(filters: ResolvedFilters): string {
  const parts = ["project_id = {projectId:String}"];
  if (filters.channels) parts.push("channel IN {channels:Array(String)}");
  if (filters.campaign !== undefined) parts.push("campaign = {campaign:String}");
  return parts.join(" AND ");
}

const num = z.coerce.number();
const TotalsRowSchema = z.object({ currency: z.string(), revenue: num, spend: num });

/** Revenue (order + payment events) and spend in range per currency, largest first. */
export async function moneyTotals(storage: Storage, scope: string, filters: ResolvedFilters, params: Record<string, unknown>): Promise<OtherCurrency[]> {
  const db = storage.database;
  const sql = `
WITH ${RANGE_HEAD}
SELECT currency, sum(revenue) AS revenue, sum(spend) AS spend FROM (
  SELECT currency, toFloat64(sum(revenue)) AS revenue, 0 AS spend
  FROM ${db}.events FINAL
  WHERE ${scope} AND ts >= range_from AND ts < range_to AND type IN ('order', 'payment') AND currency != ''
  GROUP BY currency
  UNION ALL
  SELECT currency, 0 AS revenue, toFloat64(sum(amount)) AS spend
  FROM ${db}.spend FINAL
  WHERE ${spendScopeSql(filters)}
  GROUP BY currency
)
GROUP BY currency
ORDER BY revenue + spend DESC, currency`;
  const rows = await runQuery(storage, sql, params, TotalsRowSchema);
  return rows.map((row) => ({ currency: row.currency, revenue: round4(row.revenue), spend: round4(row.spend) }));
}

/** The reported currency: asked for, else the one with the most revenue + spend in range. */
export function chooseCurrency(totals: OtherCurrency[], asked: string | undefined): string {
  return asked ?? totals[0]?.currency ?? FALLBACK_CURRENCY;
}

export function otherCurrencies(totals: OtherCurrency[], currency: string): OtherCurrency[] {
  return totals.filter((row) => row.currency !== currency);
}
