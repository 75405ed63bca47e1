import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@chatfunnel/schemas";
import { applyDurability, ensureDefaultProject, type Storage } from "@chatfunnel/core";
import { migrate } from "@chatfunnel/warehouse";
import { freshDatabase } from "../support/engine.js";
import { TEST_BROKER, requireBroker, spawnTs, stopChild, uniqueKafkaNames } from "../support/kafka.js";

const key = (kind: "w" | "r") => `cf_${kind}_${randomUUID().replaceAll("-", "")}`;

/** Every part the database ever wrote, active or not: a start that writes anything adds one. */
async function partsWritten(storage: Storage): Promise<number> {
  const result = await storage.client.query({
    query: "SELECT count() AS n FROM system.parts WHERE database = {db:String}",
    query_params: { db: storage.database },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const [row] = await result.json<{ n: number }>();
  return Number(row?.n);
}

describe("start-up writes only what is missing", () => {
  it("a second start with the same keys and schema writes nothing", async () => {
    const storage = await freshDatabase();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "startup-keys-"));
    const config = loadConfig({ DATA_DIR: dataDir, CHATFUNNEL_WRITE_KEY: key("w"), CHATFUNNEL_READ_KEY: key("r"), CHATFUNNEL_PROJECT_ID: "startup" });
    await ensureDefaultProject(config, storage);
    const keysFile = fs.statSync(path.join(dataDir, "keys.json")).mtimeMs;
    const before = await partsWritten(storage);
    expect(before).toBeGreaterThan(0);

    expect(await migrate(storage)).toEqual([]);
    await ensureDefaultProject(config, storage);
    expect(await applyDurability(storage, "default")).toEqual([]);
    expect(await partsWritten(storage)).toBe(before);
    expect(fs.statSync(path.join(dataDir, "keys.json")).mtimeMs).toBe(keysFile);

    // A changed key is written: "nothing changed" is what skips the write, not the start itself.
    await ensureDefaultProject({ ...config, CHATFUNNEL_READ_KEY: key("r") }, storage);
    expect(await partsWritten(storage)).toBe(before + 1);
  });

  it("DURABILITY=fsync sets fsync_after_insert and fsync_part_directory on every table once, default takes them off", async () => {
    const storage = await freshDatabase();
    const changed = await applyDurability(storage, "fsync");
    expect(changed).toEqual(expect.arrayContaining(["events", "user_slots", "api_keys"]));
    const result = await storage.client.query({
      query: "SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree'",
      query_params: { db: storage.database },
      format: "JSONEachRow",
    });
    const tables = await result.json<{ name: string; engine_full: string }>();
    for (const table of tables) expect(table.engine_full, table.name).toMatch(/fsync_after_insert = 1.*fsync_part_directory = 1|fsync_part_directory = 1.*fsync_after_insert = 1/);
    expect(await applyDurability(storage, "fsync")).toEqual([]);
    expect((await applyDurability(storage, "default")).sort()).toEqual(changed.sort());
    expect(await applyDurability(storage, "default")).toEqual([]);
  });
});

describe("distributed processes refuse to start without the ClickHouse they need", () => {
  const base = { HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", KAFKA_BROKERS: TEST_BROKER, ...uniqueKafkaNames("startup") };
  const refuses = async (entry: string, env: Record<string, string>, why: RegExp) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "startup-refuse-"));
    const child = spawnTs(entry, { ...base, DATA_DIR: dataDir, ...env });
    const exit = await child.exited;
    expect(exit.code, child.output()).toBe(1);
    expect(child.output()).toMatch(/CLICKHOUSE_URL: not set/);
    expect(child.output()).toMatch(why);
    // Refused before touching storage: no chDB directory was created.
    expect(fs.existsSync(path.join(dataDir, "clickhouse"))).toBe(false);
  };

  it("the consumer: its events would be invisible to the API", async () => {
    await refuses("server/src/bin/consumer.ts", {}, /the API would never see them/);
  });

  it("the API: it would answer zeros", async () => {
    await refuses("server/src/bin/api.ts", { CHATFUNNEL_READ_KEY: key("r") }, /would answer zeros/);
  });

  it("the collector without a write key: it would accept none", async () => {
    await refuses("server/src/bin/collector.ts", {}, /CHATFUNNEL_WRITE_KEY, which is not set/);
  });

  it("the collector with CHATFUNNEL_WRITE_KEY and no CLICKHOUSE_URL runs without storage and accepts that key only", async () => {
    await requireBroker();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "startup-collector-"));
    const writeKey = key("w");
    const child = spawnTs("server/src/bin/collector.ts", { ...base, DATA_DIR: dataDir, CHATFUNNEL_WRITE_KEY: writeKey });
    try {
      const url = await child.waitForOutput(/collector: (http:\/\/\S+)\/v1\/events/);
      const post = (bearer: string) =>
        fetch(`${url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" }, body: JSON.stringify({ events: [] }) });
      expect((await post(key("w"))).status).toBe(401);
      expect([200, 400]).toContain((await post(writeKey)).status);
      expect(fs.existsSync(path.join(dataDir, "clickhouse"))).toBe(false);
    } finally {
      expect(await stopChild(child)).toEqual({ code: 0, signal: null });
    }
  });
});
