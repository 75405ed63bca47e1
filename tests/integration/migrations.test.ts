import { describe, expect, it } from "vitest";
import type { Storage } from "@chatfunnel/core";
import { LATEST_SCHEMA_VERSION, ROLLUP_TABLES, migrate } from "@chatfunnel/warehouse";
import { freshDatabase } from "../support/engine.js";

const count = async (storage: Storage, sql: string): Promise<number> => {
  const result = await storage.client.query({ query: sql, format: "JSONEachRow", clickhouse_settings: storage.querySettings });
  return Number((await result.json<{ n: number | string }>())[0]?.n);
};

describe("migrations on the real engine", () => {
  it("apply once; a second run at start finds nothing to do", async () => {
    const storage = await freshDatabase();
    expect(await migrate(storage)).toEqual([]);
    const result = await storage.client.query({
      query: `SELECT max(version) AS v FROM ${storage.database}.schema_migrations FINAL`,
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    expect(Number((await result.json<{ v: number }>())[0]?.v)).toBe(LATEST_SCHEMA_VERSION);
  });

  it("leave the events table and every rollup with the wider merge selector", async () => {
    const storage = await freshDatabase();
    const result = await storage.client.query({
      query: `SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN ('events', 'user_slots', 'id_sessions', 'user_outcomes', 'user_first_touch') ORDER BY name`,
      query_params: { db: storage.database },
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    const tables = await result.json<{ name: string; engine_full: string }>();
    expect(tables.map((t) => t.name)).toEqual(["events", "id_sessions", "user_first_touch", "user_outcomes", "user_slots"]);
    for (const table of tables) expect(table.engine_full, table.name).toMatch(/merge_selector_base = 10/);
  });

  it("backfill a new rollup from stored events however long it takes: the query timeout does not apply, progress is logged", async () => {
    const storage = await freshDatabase();
    const db = storage.database;
    const table = ROLLUP_TABLES.conversationSlots;
    // 200,000 events, then the database as it was before migration 12 (its rollup and its record gone).
    await storage.client.command({
      query: `INSERT INTO ${db}.events (project_id, event_id, type, channel, bot_id, user_id, session_id, ts, received_at)
              SELECT 'p', generateUUIDv4(), if(number % 3 = 0, 'message_received', 'message_sent'), 'telegram', 'b', toString(number % 5000), '',
                toDateTime64('2026-05-01 00:00:00', 3, 'UTC') + toIntervalSecond(number * 7), now64(3) FROM numbers(200000)`,
      clickhouse_settings: storage.querySettings,
    });
    await storage.client.command({ query: `DROP VIEW ${db}.${table}_mv` });
    await storage.client.command({ query: `DROP TABLE ${db}.${table}` });
    await storage.client.command({ query: `ALTER TABLE ${db}.schema_migrations DELETE WHERE version = 12 SETTINGS mutations_sync = 1` });
    // A timeout every real read of these events exceeds: before the fix the backfill failed with TIMEOUT_EXCEEDED.
    const impatient: Storage = { ...storage, querySettings: { ...storage.querySettings, max_execution_time: 0.001 } };
    const said: { message: string; fields?: Record<string, unknown> }[] = [];
    expect(await migrate(impatient, { info: (message, fields) => said.push({ message, fields }) })).toEqual([12]);
    expect(await count(storage, `SELECT uniqExact(user_id) AS n FROM ${db}.${table}`)).toBe(5000);
    expect(said.map((s) => [s.message, s.fields?.version])).toEqual([["applying migration", 12], ["migration applied", 12]]);
    // The migration's spill-to-disk setting must not stay on for the queries after it (chDB keeps settings).
    expect(await count(storage, "SELECT getSetting('max_bytes_before_external_group_by') AS n")).toBe(0);
  });
});
