import type { z } from "zod";
import type { Storage } from "@chatfunnel/core";

/**
 * FINAL dedups within a partition only: exact here because a resent event repeats its timestamp
 * and so its month partition (events are PARTITION BY toYYYYMM(ts)); it lets FINAL skip merged
 * partitions, several times faster on a merged table.
 */
export const METRIC_QUERY_SETTINGS = { do_not_merge_across_partitions_select_final: 1 } as const;

/**
 * Runs one metric query and validates its rows: ClickHouse is an edge too. Settings the query
 * relies on are passed on every call because chDB can carry them over between calls.
 */
export async function runQuery<S extends z.ZodType>(
  storage: Storage,
  sql: string,
  params: Record<string, unknown>,
  rowSchema: S,
): Promise<z.infer<S>[]> {
  const result = await storage.client.query({
    query: sql,
    query_params: params,
    format: "JSONEachRow",
    clickhouse_settings: { ...storage.querySettings, ...METRIC_QUERY_SETTINGS },
  });
  const rows = await result.json<unknown>();
  return rows.map((row) => rowSchema.parse(row));
}
