import type { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";

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
    clickhouse_settings: storage.querySettings,
  });
  const rows = await result.json<unknown>();
  return rows.map((row) => rowSchema.parse(row));
}
