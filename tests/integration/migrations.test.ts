import { describe, expect, it } from "vitest";
import { LATEST_SCHEMA_VERSION, migrate } from "@chatfunnel/warehouse";
import { freshDatabase } from "../support/engine.js";

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
});
