import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import type { Interval, TimeseriesMetric, TimeseriesResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "../http/params.js";
import { BUCKET_OF_DATE, BUCKET_OF_TIME, bucketLabels } from "./buckets.js";
import { chooseCurrency, moneyTotals, otherCurrencies, ratio, round4, spendScopeSql } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { rollupServes, rollupSessionsCte } from "./rollup.js";
import { runQuery } from "./run-query.js";
import { scopeParams, scopeSql } from "./scope.js";
import { RANGE_HEAD, sessionCtes } from "./sessions-sql.js";

const BucketRowSchema = z.object({ bucket: z.string(), value: z.coerce.number(), base: z.coerce.number() });

/**
 * One SQL per metric, from an allow-list; each yields (bucket, value, base) where base is the
 * denominator for rates and 1 otherwise. Money sums only the reported currency ({currency}).
 */
const METRIC_SQL: Record<TimeseriesMetric, (scope: string, db: string, interval: Interval, filters: ResolvedFilters) => string> = {
  users: (scope, db, interval) => `
WITH ${RANGE_HEAD}
SELECT ${BUCKET_OF_TIME[interval]("ts")} AS bucket, uniqExact(channel, user_id) AS value, 1 AS base
FROM ${db}.events FINAL WHERE ${scope} AND ts >= range_from AND ts < range_to GROUP BY bucket`,
  new_users: (scope, db, interval) => `
WITH ${RANGE_HEAD}
SELECT ${BUCKET_OF_TIME[interval]("first_seen")} AS bucket, count() AS value, 1 AS base FROM (
  SELECT channel, user_id, min(ts) AS first_seen FROM ${db}.events FINAL WHERE ${scope} AND ts < range_to GROUP BY channel, user_id
) WHERE first_seen >= range_from GROUP BY bucket`,
  sessions: (scope, db, interval) => `
WITH ${RANGE_HEAD}, ${sessionCtes(scope, db)}
SELECT ${BUCKET_OF_TIME[interval]("started")} AS bucket, count() AS value, 1 AS base FROM sessions WHERE started >= range_from GROUP BY bucket`,
  leads: (scope, db, interval) => eventCountSql(scope, db, interval, "lead"),
  orders: (scope, db, interval) => eventCountSql(scope, db, interval, "order"),
  revenue: (scope, db, interval) => `
WITH ${RANGE_HEAD}
SELECT ${BUCKET_OF_TIME[interval]("ts")} AS bucket, toFloat64(sum(revenue)) AS value, 1 AS base
FROM ${db}.events FINAL
WHERE ${scope} AND ts >= range_from AND ts < range_to AND type IN ('order', 'payment') AND currency = {currency:String}
GROUP BY bucket`,
  spend: (_scope, db, interval, filters) => `
WITH ${RANGE_HEAD}
SELECT ${BUCKET_OF_DATE[interval]("date")} AS bucket, toFloat64(sum(amount)) AS value, 1 AS base
FROM ${db}.spend FINAL WHERE ${spendScopeSql(filters)} AND currency = {currency:String} GROUP BY bucket`,
  resolution_rate: (scope, db, interval) => `
WITH ${RANGE_HEAD}, ${sessionCtes(scope, db)}
SELECT ${BUCKET_OF_TIME[interval]("started")} AS bucket, countIf(resolved) AS value, countIf(has_request) AS base
FROM sessions WHERE started >= range_from GROUP BY bucket`,
};

function eventCountSql(scope: string, db: string, interval: Interval, type: "lead" | "order"): string {
  return `
WITH ${RANGE_HEAD}
SELECT ${BUCKET_OF_TIME[interval]("ts")} AS bucket, count() AS value, 1 AS base
FROM ${db}.events FINAL WHERE ${scope} AND ts >= range_from AND ts < range_to AND type = '${type}' GROUP BY bucket`;
}

/** The same metrics from the rollups, for ranges on quarter hours (see rollup.ts); others read events. */
const ROLLUP_SQL: Partial<Record<TimeseriesMetric, (scope: string, db: string, interval: Interval) => string>> = {
  users: (scope, db, interval) => `
WITH ${RANGE_HEAD}
SELECT ${BUCKET_OF_TIME[interval]("slot")} AS bucket, uniqExact(channel, user_id) AS value, 1 AS base
FROM ${db}.user_slots WHERE ${scope} AND slot >= range_from AND slot < range_to GROUP BY bucket`,
  new_users: (scope, db, interval) => `
WITH ${RANGE_HEAD}
SELECT ${BUCKET_OF_TIME[interval]("first_seen")} AS bucket, count() AS value, 1 AS base FROM (
  SELECT min(first_ts) AS first_seen FROM ${db}.user_slots WHERE ${scope} AND slot < range_to GROUP BY channel, user_id
) WHERE first_seen >= range_from GROUP BY bucket`,
  sessions: (scope, db, interval) => `
WITH ${RANGE_HEAD}, ${rollupSessionsCte(scope, db)}
SELECT ${BUCKET_OF_TIME[interval]("started")} AS bucket, count() AS value, 1 AS base FROM rollup_sessions GROUP BY bucket`,
  resolution_rate: (scope, db, interval) => `
WITH ${RANGE_HEAD}, ${rollupSessionsCte(scope, db)}
SELECT ${BUCKET_OF_TIME[interval]("started")} AS bucket, countIf(resolved) AS value, countIf(has_request) AS base FROM rollup_sessions GROUP BY bucket`,
};

const MONEY_METRICS: ReadonlySet<TimeseriesMetric> = new Set(["revenue", "spend"]);

export async function timeseries(storage: Storage, filters: ResolvedFilters, metric: TimeseriesMetric, interval: Interval): Promise<TimeseriesResponse> {
  const scope = scopeSql(filters, storage.database);
  const params = scopeParams(filters);
  const isMoney = MONEY_METRICS.has(metric);
  const totals = isMoney ? await moneyTotals(storage, scope, filters, params) : [];
  const currency = isMoney ? chooseCurrency(totals, filters.currency) : null;
  const fromRollup = rollupServes(filters) ? ROLLUP_SQL[metric] : undefined;
  const sql = fromRollup ? fromRollup(scope, storage.database, interval) : METRIC_SQL[metric](scope, storage.database, interval, filters);
  const rows = await runQuery(storage, sql, { ...params, currency: currency ?? "" }, BucketRowSchema);
  const byBucket = new Map(rows.map((row) => [row.bucket, row]));
  const points = bucketLabels(filters.fromMs, filters.toMs, filters.tz, interval).map((bucket) => {
    const row = byBucket.get(bucket);
    if (metric === "resolution_rate") return { bucket, value: row ? ratio(row.value, row.base) : null };
    return { bucket, value: row ? (isMoney ? round4(row.value) : row.value) : 0 };
  });
  return {
    range: rangeEcho(filters),
    metric,
    interval,
    currency,
    points,
    otherCurrencies: currency === null ? [] : otherCurrencies(totals, currency).filter((row) => (metric === "revenue" ? row.revenue : row.spend) !== 0),
  };
}
