import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { runQuery } from "./run-query.js";
import { RANGE_HEAD, spendRowScope, type ResolvedFilters, type Scope } from "./scope.js";

/**
 * The money fact: revenue (order + payment events) and spend rows, in ONE representation end to end:
 * Int128 ten-thousandths in the engine (Decimal(18, 4) widened before scaling, so no sum below 1e14
 * overflows: one such amount is ~1e18 units, past Int64), `bigint` in TypeScript. No Float64 sums;
 * an amount becomes a JSON number only when it is reported (amountOf).
 */
export type Units = bigint;

/** SQL: a Decimal(18, 4) amount as Int128 ten-thousandths. */
export const unitsSql = (amount: string): string => `toInt128(toDecimal128(${amount}, 4) * 10000)`;

/** Int128 arrives as a JSON string (or a number for small values): parsed exactly. */
export const UnitsSchema = z.union([z.string(), z.number()]).transform((value): Units => BigInt(value));

export const UNITS_PER_AMOUNT = 10_000;
/** The reported amount of a sum of units (exact to the fourth place below 2^53 units). */
export const amountOf = (units: Units): number => Number(units) / UNITS_PER_AMOUNT;

/** Rows of the revenue fact: order and payment events (`type` names the event type column). */
export const isRevenueEventSql = (type = "type"): string => `${type} IN ('order', 'payment')`;

/**
 * Spend rows of the filters whose local day (in tz) overlaps [from, to). Expects `range_from`,
 * `range_to` and {tz}; binds the spend scope's placeholders.
 */
export function spendInRangeScope(filters: ResolvedFilters): Scope {
  const rows = spendRowScope(filters);
  return {
    sql: [
      rows.sql,
      "date >= toDate(toTimeZone(range_from, {tz:String}))",
      "date <= toDate(toTimeZone(range_to - toIntervalMillisecond(1), {tz:String}))",
    ].join(" AND "),
    params: { ...rows.params, tz: filters.tz },
  };
}

export interface CurrencyUnits {
  currency: string;
  revenue: Units;
  spend: Units;
}

const TotalsRowSchema = z.object({ currency: z.string(), revenue: UnitsSchema, spend: UnitsSchema });

/**
 * Revenue and spend in range per currency, largest revenue + spend first (then by currency). A
 * currency that appears only with 0 is listed too.
 */
export async function currencyTotals(storage: Storage, events: Scope, filters: ResolvedFilters): Promise<CurrencyUnits[]> {
  const db = storage.database;
  const spend = spendInRangeScope(filters);
  const sql = `
WITH ${RANGE_HEAD}
SELECT currency, sum(revenue) AS revenue, sum(spend) AS spend FROM (
  SELECT currency, sum(${unitsSql("revenue")}) AS revenue, toInt128(0) AS spend
  FROM ${db}.events FINAL
  WHERE ${events.sql} AND ts >= range_from AND ts < range_to AND ${isRevenueEventSql()} AND currency != ''
  GROUP BY currency
  UNION ALL
  SELECT currency, toInt128(0) AS revenue, sum(${unitsSql("amount")}) AS spend
  FROM ${db}.spend FINAL
  WHERE ${spend.sql}
  GROUP BY currency
)
GROUP BY currency
ORDER BY revenue + spend DESC, currency`;
  return runQuery(storage, sql, { ...events.params, ...spend.params }, TotalsRowSchema);
}

/** Totals per currency added up from per-key rows (the rollup path), ordered like currencyTotals. */
export function addCurrencyUnits(rows: Iterable<{ revenue: Map<string, Units>; spend: Map<string, Units> }>): CurrencyUnits[] {
  const totals = new Map<string, CurrencyUnits>();
  const entry = (currency: string) => {
    let found = totals.get(currency);
    if (!found) totals.set(currency, (found = { currency, revenue: 0n, spend: 0n }));
    return found;
  };
  for (const row of rows) {
    for (const [currency, units] of row.revenue) entry(currency).revenue += units;
    for (const [currency, units] of row.spend) entry(currency).spend += units;
  }
  return [...totals.values()].sort((x, y) => {
    const byAmount = y.revenue + y.spend - (x.revenue + x.spend);
    return byAmount > 0n ? 1 : byAmount < 0n ? -1 : x.currency < y.currency ? -1 : x.currency > y.currency ? 1 : 0;
  });
}

/** (bucket, units) of revenue in {currency} per bucket of the event time; expects RANGE_HEAD. */
export function revenueUnitsSql(events: Scope, db: string, bucketOf: (column: string) => string): string {
  return `SELECT ${bucketOf("ts")} AS bucket, sum(${unitsSql("revenue")}) AS units
FROM ${db}.events FINAL
WHERE ${events.sql} AND ts >= range_from AND ts < range_to AND ${isRevenueEventSql()} AND currency = {currency:String}
GROUP BY bucket`;
}

/** (bucket, units) of spend in {currency} per bucket of the row's local date; expects RANGE_HEAD. */
export function spendUnitsSql(filters: ResolvedFilters, db: string, bucketOfDate: (column: string) => string): string {
  return `SELECT ${bucketOfDate("date")} AS bucket, sum(${unitsSql("amount")}) AS units
FROM ${db}.spend FINAL WHERE ${spendInRangeScope(filters).sql} AND currency = {currency:String} GROUP BY bucket`;
}
