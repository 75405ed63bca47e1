import type { Storage } from "@chatfunnel/core";
import { toSpendRow } from "@chatfunnel/warehouse";
import type { SpendRow } from "@chatfunnel/schemas";

let lastVersionMs = 0;
/** imported_at is the replacing version: two imports in one millisecond must still order. */
function nextImportVersion(): number {
  lastVersionMs = Math.max(Date.now(), lastVersionMs + 1);
  return lastVersionMs;
}

/**
 * Stores validated rows in one INSERT: at most MAX_SPEND_IMPORT_ROWS rows form one block, which
 * ClickHouse writes as one part, so an import lands whole or not at all. A row for a (date, channel,
 * campaign) already stored replaces it (ReplacingMergeTree versioned by imported_at, read with FINAL).
 */
export async function importSpend(storage: Storage, projectId: string, rows: SpendRow[]): Promise<number> {
  const now = new Date(nextImportVersion());
  await storage.insertRows(
    "spend",
    rows.map((row) => toSpendRow(projectId, row, now)),
    { max_insert_block_size: "1048576" },
  );
  return rows.length;
}
