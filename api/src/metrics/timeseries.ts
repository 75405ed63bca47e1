import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import type { Interval, TimeseriesMetric, TimeseriesResponse } from "@chatfunnel/schemas";
import { amountOf, currencyTotals, revenueUnitsSql, spendUnitsSql, UnitsSchema, outcomeCountSql, choosePath, runQuery, RANGE_HEAD, eventScope, sessionsByBucketSql, activeUsersSql, newUsersSql, type ResolvedFilters, type Scope } from "@chatfunnel/warehouse";
import { BUCKET_OF_DATE, BUCKET_OF_TIME, bucketLabels } from "./buckets.js";
import { chooseCurrency, otherCurrencies, ratio, reportedTotals, round4 } from "./money.js";
import { rangeEcho } from "./range-echo.js";

const CountRowSchema = z.object({ bucket: z.string(), value: z.coerce.number(), base: z.coerce.number() });
const MoneyRowSchema = z.object({ bucket: z.string(), units: UnitsSchema });

const SESSION_METRICS: ReadonlySet<TimeseriesMetric> = new Set(["sessions", "resolution_rate"]);

/** Count metrics as (bucket, value, base) where base is the denominator of a rate and 1 otherwise. */
function countSql(metric: Exclude<TimeseriesMetric, "revenue" | "spend">, scope: Scope, db: string, interval: Interval, path: "events" | "rollup"): string {
  const bucketOf = BUCKET_OF_TIME[interval];
  switch (metric) {
    case "users":
      return `WITH ${RANGE_HEAD}\n${activeUsersSql(scope.sql, db, bucketOf, path)}`;
    case "new_users":
      return `WITH ${RANGE_HEAD}\n${newUsersSql(scope.sql, db, bucketOf, path)}`;
    case "leads":
      return `WITH ${RANGE_HEAD}\n${outcomeCountSql(scope.sql, db, bucketOf, "lead")}`;
    case "orders":
      return `WITH ${RANGE_HEAD}\n${outcomeCountSql(scope.sql, db, bucketOf, "order")}`;
    case "sessions":
    case "resolution_rate": {
      const sessions = sessionsByBucketSql(scope.sql, db, bucketOf, path, metric === "sessions" ? "sessions" : "resolution");
      return `WITH ${RANGE_HEAD}, ${sessions.ctes}\n${sessions.select}`;
    }
  }
}

export async function timeseries(storage: Storage, filters: ResolvedFilters, metric: TimeseriesMetric, interval: Interval): Promise<TimeseriesResponse> {
  const db = storage.database;
  const scope = eventScope(filters, db);
  const labels = bucketLabels(filters.fromMs, filters.toMs, filters.tz, interval);
  const range = rangeEcho(filters);
  if (metric === "revenue" || metric === "spend") {
    const totals = reportedTotals(await currencyTotals(storage, scope, filters));
    const currency = chooseCurrency(totals, filters.currency);
    const sql = `WITH ${RANGE_HEAD}\n${metric === "revenue" ? revenueUnitsSql(scope, db, BUCKET_OF_TIME[interval]) : spendUnitsSql(filters, db, BUCKET_OF_DATE[interval])}`;
    const rows = await runQuery(storage, sql, { ...scope.params, currency }, MoneyRowSchema);
    const byBucket = new Map(rows.map((row) => [row.bucket, row.units]));
    return {
      range,
      metric,
      interval,
      currency,
      points: labels.map((bucket) => ({ bucket, value: round4(amountOf(byBucket.get(bucket) ?? 0n)) })),
      otherCurrencies: otherCurrencies(totals, currency).filter((row) => (metric === "revenue" ? row.revenue : row.spend) !== 0),
    };
  }
  const path = await choosePath(storage, filters, { sessions: SESSION_METRICS.has(metric) });
  // Outcome counts have no rollup implementation: they read only lead / order events, already fast.
  const rows = await runQuery(storage, countSql(metric, scope, db, interval, path), scope.params, CountRowSchema);
  const byBucket = new Map(rows.map((row) => [row.bucket, row]));
  return {
    range,
    metric,
    interval,
    currency: null,
    points: labels.map((bucket) => {
      const row = byBucket.get(bucket);
      if (metric === "resolution_rate") return { bucket, value: row ? ratio(row.value, row.base) : null };
      return { bucket, value: row ? row.value : 0 };
    }),
    otherCurrencies: [],
  };
}
