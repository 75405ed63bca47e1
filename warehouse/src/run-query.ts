import type { z } from "zod";
import type { Storage } from "@chatfunnel/core";

/**
 * FINAL dedups within a partition only: exact here because a resent event repeats its timestamp
 * and so its month partition (events are PARTITION BY toYYYYMM(ts)); it lets FINAL skip merged
 * partitions, several times faster on a merged table.
 */
export const METRIC_QUERY_SETTINGS = { do_not_merge_across_partitions_select_final: 1 } as const;

export interface RunQueryOptions {
  /**
   * Aggregate GROUP BY (channel, user_id) in the events' sort order instead of in a hash table: the funnel,
   * which groups every step event per user into one array, spends ~10-25% less CPU this way (measured on the
   * 10M bench set); the rollup-based facts get slower with it (their groups are small), so it is per query.
   */
  aggregateInOrder?: boolean;
}

/**
 * Runs one metric query and validates its rows: ClickHouse is an edge too. Settings the query
 * relies on are passed on every call because chDB can carry them over between calls.
 */
export async function runQuery<S extends z.ZodType>(
  storage: Storage,
  sql: string,
  params: Record<string, unknown>,
  rowSchema: S,
  options: RunQueryOptions = {},
): Promise<z.infer<S>[]> {
  const result = await storage.client.query({
    query: sql,
    query_params: params,
    format: "JSONEachRow",
    // Off otherwise through storage.querySettings, which every query sends (chDB keeps settings between queries).
    clickhouse_settings: { ...storage.querySettings, ...METRIC_QUERY_SETTINGS, ...(options.aggregateInOrder ? { optimize_aggregation_in_order: 1 } : {}) },
  });
  const rows = await result.json<unknown>();
  return rows.map((row) => rowSchema.parse(row));
}
