import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import type { FunnelTrendsResponse, Interval } from "@chatfunnel/schemas";
import { runQuery, type ResolvedFilters } from "@chatfunnel/warehouse";
import { BUCKET_OF_TIME, bucketLabels } from "../buckets.js";
import { ratio } from "../money.js";
import { rangeEcho } from "../range-echo.js";
import type { FunnelDefinition } from "./definition.js";
import { userFunnelsSql } from "./user-funnels-sql.js";

const num = z.coerce.number();
const TrendRowSchema = z.object({ bucket: z.string(), entered: num, converted: num });

/**
 * Conversion first → last per start bucket (semantics in schemas/src/api/funnel-trends.ts). Read off the
 * funnel's own per-user rows (userFunnelsSql: level, start_rel), so each user is counted exactly as the
 * funnel counts them, with whatever step features that query knows; only the bucketing is added here.
 */
export async function funnelTrends(storage: Storage, filters: ResolvedFilters, definition: FunnelDefinition, interval: Interval): Promise<FunnelTrendsResponse> {
  // A trend has no groups: skip the first-touch scan a breakdown would add.
  const users = userFunnelsSql(storage.database, filters, { ...definition, breakdown: [] });
  // start_rel is ms from `from`; the bucket is the timeseries' own label of that instant in {tz}.
  const start = "fromUnixTimestamp64Milli(toInt64({fromMs:Int64} + start_rel), 'UTC')";
  const rows = await runQuery(
    storage,
    `SELECT ${BUCKET_OF_TIME[interval](start)} AS bucket, count() AS entered, countIf(level >= {lastRequired:UInt8}) AS converted
     FROM (${users.sql}) GROUP BY bucket`,
    // Converted: reached the last required step (an optional last step is shown, not required to convert).
    { ...users.params, lastRequired: definition.steps.findLastIndex((step) => !step.optional) + 1 },
    TrendRowSchema,
    { aggregateInOrder: true },
  );
  const byBucket = new Map(rows.map((row) => [row.bucket, row]));
  return {
    range: rangeEcho(filters),
    mode: definition.mode,
    windowSeconds: definition.window,
    interval,
    steps: definition.steps.length,
    points: bucketLabels(filters.fromMs, filters.toMs, filters.tz, interval).map((bucket) => {
      const row = byBucket.get(bucket);
      const entered = row?.entered ?? 0;
      const converted = row?.converted ?? 0;
      return { bucket, entered, converted, conversion: ratio(converted, entered) };
    }),
  };
}
