import path from "node:path";
import fs from "node:fs";
import { createClient, type ClickHouseClient, type ClickHouseSettings } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import type { Config } from "@chatfunnel/schemas";

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;

export type StorageMode = "chdb" | "server";

/**
 * One ClickHouse client per process: chDB in-process under DATA_DIR by default, a server when
 * CLICKHOUSE_URL is set. Everything above this module speaks @clickhouse/client and never knows which.
 */
export interface Storage {
  readonly client: ClickHouseClient;
  readonly database: string;
  readonly mode: StorageMode;
  /** Settings every query call passes explicitly: chDB can leak settings from one call into the next. */
  readonly querySettings: ClickHouseSettings;
  close(): Promise<void>;
}

export function chdbDataPath(dataDir: string): string {
  return path.resolve(dataDir, "clickhouse");
}

export function createStorage(config: Config): Storage {
  const querySettings: ClickHouseSettings = {
    max_execution_time: config.QUERY_TIMEOUT_S,
    max_memory_usage: String(config.QUERY_MAX_MEMORY_BYTES),
    // Decimal money stays a JSON number; 64-bit counts come back as numbers, not strings.
    output_format_json_quote_64bit_integers: 0,
    output_format_json_quote_decimals: 0,
    date_time_output_format: "iso",
  };
  if (config.CLICKHOUSE_URL) {
    const client = createClient({
      url: config.CLICKHOUSE_URL,
      username: config.CLICKHOUSE_USER,
      password: config.CLICKHOUSE_PASSWORD,
      request_timeout: (config.QUERY_TIMEOUT_S + 5) * 1000,
    });
    return { client, database: config.CLICKHOUSE_DATABASE, mode: "server", querySettings, close: () => client.close() };
  }
  const dataPath = chdbDataPath(config.DATA_DIR);
  fs.mkdirSync(dataPath, { recursive: true });
  // chdb bundles its own copy of @clickhouse/client-common types; the runtime interface is the same.
  const connection = createChdbConnection({ path: dataPath }) as unknown as ClientConnection;
  const client = createClient({ connection });
  return { client, database: config.CLICKHOUSE_DATABASE, mode: "chdb", querySettings, close: () => client.close() };
}
