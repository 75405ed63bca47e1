import path from "node:path";
import fs from "node:fs";
import { createClient, parseError, type ClickHouseClient, type ClickHouseSettings } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import { Session } from "chdb";
import type { Config } from "@chatfunnel/schemas";

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;

/** ClickHouse DateTime64(3, 'UTC') text: `2026-05-01 07:00:00.000`, always UTC. */
export function toClickHouseTime(value: string | number | Date): string {
  return new Date(value).toISOString().replace("T", " ").replace("Z", "");
}

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
  /**
   * Appends rows to `table` of this database as JSONEachRow: the one way every module writes rows.
   * Resolves once they are stored; a refusal is a ClickHouseError carrying the engine's code.
   */
  insertRows(table: string, rows: readonly object[], settings?: ClickHouseSettings): Promise<void>;
  /**
   * Runs one SELECT (no FORMAT clause) and yields its output bytes in `format` as the engine produces them,
   * for answers too large to hold (the event export). Pulling is the backpressure: the next block is computed
   * only when the consumer asks for it; breaking off or `signal` cancels the query. Settings are the caller's
   * alone (not querySettings), since a stream's limits differ from a report's.
   */
  streamQuery(request: StreamQueryRequest): AsyncIterable<Uint8Array>;
  /** The same engine and client, working in another database (tests give each case its own). */
  withDatabase(database: string): Storage;
  close(): Promise<void>;
}

export interface StreamQueryRequest {
  query: string;
  params: Record<string, unknown>;
  /** A streaming output format: RowBinary, TSV, JSONEachRow … */
  format: string;
  settings: Record<string, string | number>;
  signal?: AbortSignal;
}

/** What one engine offers every database on it. */
interface Engine {
  client: ClickHouseClient;
  mode: StorageMode;
  querySettings: ClickHouseSettings;
  insertRows(qualifiedTable: string, rows: readonly object[], settings: ClickHouseSettings): Promise<void>;
  streamQuery(request: StreamQueryRequest): AsyncIterable<Uint8Array>;
}

/** Spelled out on every insert so a server profile's async inserts never acknowledge unstored rows. */
const INSERT_SETTINGS = { date_time_input_format: "basic", async_insert: 0 } as const;

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
    // Stated on every query because chDB keeps a query's settings for the next one: a migration's disk spill
    // (warehouse/migrations.ts) would otherwise slow every later GROUP BY, one funnel's in-order aggregation
    // every later rollup read.
    max_bytes_before_external_group_by: "0",
    optimize_aggregation_in_order: 0,
  };
  return storageOn(config.CLICKHOUSE_URL ? serverEngine(config, querySettings) : chdbEngine(config, querySettings), config.CLICKHOUSE_DATABASE);
}

function storageOn(engine: Engine, database: string): Storage {
  return {
    client: engine.client,
    database,
    mode: engine.mode,
    querySettings: engine.querySettings,
    insertRows: async (table, rows, settings = {}) => {
      if (rows.length > 0) await engine.insertRows(`${database}.${table}`, rows, { ...INSERT_SETTINGS, ...settings });
    },
    streamQuery: (request) => engine.streamQuery(request),
    withDatabase: (other) => storageOn(engine, other),
    close: () => engine.client.close(),
  };
}

function serverEngine(config: Config, querySettings: ClickHouseSettings): Engine {
  const client = createClient({
    url: config.CLICKHOUSE_URL,
    username: config.CLICKHOUSE_USER,
    password: config.CLICKHOUSE_PASSWORD,
    request_timeout: (config.QUERY_TIMEOUT_S + 5) * 1000,
  });
  return {
    client,
    mode: "server",
    querySettings,
    insertRows: async (table, rows, settings) => {
      await client.insert({ table, values: [...rows], format: "JSONEachRow", clickhouse_settings: settings });
    },
    // exec hands back the HTTP body as it arrives; reading it slower slows the server's sending (TCP).
    streamQuery: async function* ({ query, params, format, settings, signal }) {
      const result = await client.exec({ query: `${query}\nFORMAT ${format}`, query_params: params, clickhouse_settings: settings, ...(signal ? { abort_signal: signal } : {}) });
      try {
        for await (const chunk of result.stream) yield chunk as Uint8Array;
      } finally {
        result.stream.destroy();
      }
    },
  };
}

function chdbEngine(config: Config, querySettings: ClickHouseSettings): Engine {
  const dataPath = chdbDataPath(config.DATA_DIR);
  fs.mkdirSync(dataPath, { recursive: true });
  const connection = createChdbConnection({ path: dataPath });
  // chdb bundles its own copy of @clickhouse/client-common types; the runtime interface is the same.
  const client = createClient({ connection: connection as unknown as ClientConnection });
  return {
    client,
    mode: "chdb",
    querySettings,
    // Not client.insert: through chDB that runs its settings as SET statements ahead of the INSERT,
    // and such a multi-statement text makes the engine tokenize the whole payload: 27% of embedded
    // ingest throughput. The raw insert keeps the settings inside the INSERT and hands the engine
    // the payload bytes as they are.
    insertRows: async (table, rows, settings) => {
      const payload = Buffer.from(rows.map((row) => JSON.stringify(row)).join("\n"));
      try {
        await connection.chdb.rawInsert({ table, values: payload, format: "JSONEachRow", settings: settingValues(settings) });
      } catch (error) {
        throw parseError(error instanceof Error ? error.message : String(error));
      }
    },
    // The client's query() through chDB materializes the whole answer; a session's stream fetches one block
    // per pull. Each stream gets its own session on the same directory (chDB runs same-path sessions side
    // by side, and a session has one stream at a time), so other queries go on while an export streams.
    streamQuery: async function* ({ query, params, format, settings, signal }) {
      const session = new Session(dataPath);
      try {
        const stream = session.queryStreamBind(`${query}\nSETTINGS ${settingsClause(settings)}`, params, { format, ...(signal ? { signal } : {}) });
        try {
          for await (const chunk of stream) yield chunk.raw();
        } catch (error) {
          throw parseError(error instanceof Error ? error.message : String(error));
        } finally {
          stream.cancel();
        }
      } finally {
        session.close();
      }
    },
  };
}

/** The raw insert takes plain values only; every setting we pass is one. */
function settingValues(settings: ClickHouseSettings): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") values[name] = value;
  }
  return values;
}

/** A SETTINGS clause from our own typed settings (never request input): names checked, text quoted. */
function settingsClause(settings: Record<string, string | number>): string {
  return Object.entries(settings)
    .map(([name, value]) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a setting name: ${name}`);
      return `${name} = ${typeof value === "number" ? String(value) : `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`}`;
    })
    .join(", ");
}
