import type { ClickHouseSettings } from "@clickhouse/client";
import type { Config } from "@chatfunnel/schemas";
import type { Logger } from "../observability/logger.js";
import { WriteHealth } from "../observability/health.js";
import { createStorage, toClickHouseTime, type Storage } from "./clickhouse.js";
import { classifyInsertError } from "./insert-errors.js";

/** Storage as a process opened it: every insert also tells `writeHealth` whether storage takes writes. */
export interface OpenedStorage extends Storage {
  readonly writeHealth: WriteHealth;
}

export interface OpenStorageOptions {
  /**
   * Brings the schema up to date before anything reads or writes (the warehouse's `migrate`). The
   * schema belongs to the warehouse, which depends on core, so the entry points pass it in.
   */
  migrate: (storage: Storage, log: Logger) => Promise<number[]>;
  /**
   * Bring every table's fsync settings in line with DURABILITY. Only the processes that write
   * events do (embedded, consumer): an API or collector with another setting must not undo theirs.
   */
  applyDurability?: boolean;
}

/** Every process starts the same way: connect (chDB or a server), then bring the schema up to date. */
export async function openStorage(config: Config, logger: Logger, options: OpenStorageOptions): Promise<OpenedStorage> {
  const storage = createStorage(config);
  const applied = await options.migrate(storage, logger);
  if (applied.length > 0) logger.info("migrations applied", { versions: applied });
  if (options.applyDurability) {
    const changed = await applyDurability(storage, config.DURABILITY);
    if (changed.length > 0) logger.info("durability settings applied", { durability: config.DURABILITY, tables: changed });
  }

  const insertRows: Storage["insertRows"] = async (table, rows, settings) => {
    try {
      await storage.insertRows(table, rows, settings);
      writeHealth.succeeded();
    } catch (error) {
      // Rows the engine refuses say nothing about whether storage takes writes; anything else does.
      if (classifyInsertError(error) === "retry") {
        if (writeHealth.check() === undefined) logger.warn("storage refuses writes; not ready until an insert succeeds", { error });
        writeHealth.failed(error);
      }
      throw error;
    }
  };
  const writeHealth = new WriteHealth(() => insertRows("write_probes", [{ at: toClickHouseTime(Date.now()) }]));
  return {
    ...storage,
    insertRows,
    writeHealth,
    close: () => {
      writeHealth.stop();
      return storage.close();
    },
  };
}

/**
 * MergeTree settings behind DURABILITY=fsync: every inserted part's files and directory are fsynced
 * before the insert returns. They are table settings (ClickHouse refuses them on a query), so they
 * are set on each table, and only where they differ: a start that changes nothing writes nothing.
 */
const FSYNC_SETTINGS: ClickHouseSettings = { fsync_after_insert: 1, fsync_part_directory: 1 };

/** Sets (fsync) or resets (default) those settings on every MergeTree table; returns the tables it changed. */
export async function applyDurability(storage: Storage, durability: Config["DURABILITY"]): Promise<string[]> {
  const result = await storage.client.query({
    query: `SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree'`,
    query_params: { db: storage.database },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const tables = await result.json<{ name: string; engine_full: string }>();
  const names = Object.keys(FSYNC_SETTINGS);
  const changed: string[] = [];
  for (const table of tables) {
    const has = names.every((name) => new RegExp(`\\b${name} = 1\\b`).test(table.engine_full));
    const mentions = names.some((name) => table.engine_full.includes(name));
    if (durability === "fsync" && !has) {
      const assignments = names.map((name) => `${name} = 1`).join(", ");
      await storage.client.command({ query: `ALTER TABLE ${storage.database}.${table.name} MODIFY SETTING ${assignments}` });
      changed.push(table.name);
    } else if (durability === "default" && mentions) {
      await storage.client.command({ query: `ALTER TABLE ${storage.database}.${table.name} RESET SETTING ${names.join(", ")}` });
      changed.push(table.name);
    }
  }
  return changed;
}
