import { describe, expect, it } from "vitest";
import type { Storage } from "@chatfunnel/core";
import { LATEST_SCHEMA_VERSION, ROLLUP_TABLES, WEBHOOK_OUTBOX_BUFFER, WEBHOOK_OUTBOX_BY_ENQUEUE, WEBHOOK_TABLES, migrate, outboxDeliveries, outboxSince } from "@chatfunnel/warehouse";
import { freshDatabase } from "../support/engine.js";

const count = async (storage: Storage, sql: string): Promise<number> => {
  const result = await storage.client.query({ query: sql, format: "JSONEachRow", clickhouse_settings: storage.querySettings });
  return Number((await result.json<{ n: number | string }>())[0]?.n);
};

/** Tables an events insert writes a part to (the rollups' views, the webhook outbox's) and the attempts written beside every delivery. */
const wideMerges = [
  "events",
  // engagement_slots was folded into conversation_slots and dropped by migration 12; its name stays for that migration.
  ...Object.values(ROLLUP_TABLES).filter((table) => table !== ROLLUP_TABLES.engagementSlots),
  WEBHOOK_TABLES.outbox,
  WEBHOOK_TABLES.attempts,
];

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

  it("leave the events table, every rollup and the tables every lead writes with the wider merge selector", async () => {
    const storage = await freshDatabase();
    const result = await storage.client.query({
      query: `SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)} ORDER BY name`,
      query_params: { db: storage.database, names: wideMerges },
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    const tables = await result.json<{ name: string; engine_full: string }>();
    expect(tables.map((t) => t.name)).toEqual([...wideMerges].sort());
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

  it("swap the webhook outbox view of a database from before migration 22 in place: the same deliveries", async () => {
    const storage = await freshDatabase();
    const db = storage.database;
    const view = `${WEBHOOK_TABLES.outbox}_mv`;
    // The view as migration 13 first wrote it (joined on the project, filtered by type afterwards).
    await storage.client.command({
      query: `ALTER TABLE ${db}.${view} MODIFY QUERY
        SELECT lower(hex(sipHash128(w.id, toString(e.event_id)))) AS delivery_id, w.id AS webhook_id, e.project_id AS project_id,
          e.event_id AS event_id, e.type AS type, e.channel AS channel, e.bot_id AS bot_id, e.user_id AS user_id, e.session_id AS session_id,
          e.broadcast_id AS broadcast_id, e.ts AS ts, e.source_source AS source_source, e.source_medium AS source_medium,
          e.source_campaign AS source_campaign, e.source_content AS source_content, e.source_term AS source_term,
          e.source_payload AS source_payload, e.revenue AS revenue, e.currency AS currency, e.properties AS properties,
          e.received_at AS received_at, now64(3) AS enqueued_at
        FROM ${db}.events AS e
        INNER JOIN (SELECT project_id, id, event_types FROM ${db}.${WEBHOOK_TABLES.webhooks} FINAL WHERE deleted = 0 AND disabled_reason = '') AS w
          ON e.project_id = w.project_id
        WHERE has(w.event_types, toString(e.type))`,
    });
    await storage.client.command({ query: `ALTER TABLE ${db}.schema_migrations DELETE WHERE version = 22 SETTINGS mutations_sync = 1` });
    expect(await migrate(storage)).toEqual([22]);
    const definition = await storage.client.query({
      query: "SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = {view:String}",
      query_params: { db, view },
      format: "JSONEachRow",
    });
    expect((await definition.json<{ q: string }>())[0]?.q).toContain("event_type");
    // Two webhooks of one project (one on lead and order, one on order), one of another project: each stored
    // event once per webhook of its project that takes its type, nothing else.
    await storage.client.command({
      query: `INSERT INTO ${db}.${WEBHOOK_TABLES.webhooks} (project_id, id, url, event_types, secret, created_at, disabled_reason, disabled_at, deleted, version) VALUES
        ('p', 'w1', 'http://a', ['lead', 'order'], 's', now64(3), '', now64(3), 0, now64(3)),
        ('p', 'w2', 'http://b', ['order'], 's', now64(3), '', now64(3), 0, now64(3)),
        ('q', 'w3', 'http://c', ['message_received'], 's', now64(3), '', now64(3), 0, now64(3))`,
    });
    await storage.client.command({
      query: `INSERT INTO ${db}.events (project_id, event_id, type, channel, bot_id, user_id, session_id, ts, received_at)
              SELECT 'p', generateUUIDv4(), ['lead', 'order', 'message_received'][number % 3 + 1], 'telegram', 'b', toString(number), '',
                now64(3), now64(3) FROM numbers(30)`,
    });
    // Through the outbox's Buffer (migration 26), which holds them for a second.
    const deliveries = await storage.client.query({
      query: `SELECT webhook_id, type, count() AS n FROM ${db}.${WEBHOOK_OUTBOX_BUFFER} GROUP BY webhook_id, type ORDER BY webhook_id, type`,
      format: "JSONEachRow",
    });
    expect((await deliveries.json<{ webhook_id: string; type: string; n: string | number }>()).map((r) => [r.webhook_id, r.type, Number(r.n)])).toEqual([
      ["w1", "lead", 10],
      ["w1", "order", 10],
      ["w2", "order", 10],
    ]);
  });

  it("let the scheduler's poll read the outbox's recent rows by enqueue time, not the whole day, through its Buffer", async () => {
    const storage = await freshDatabase();
    const db = storage.database;
    // 100,000 deliveries enqueued one a second back from now, in one merged part (as a day's outbox ends up).
    await storage.client.command({
      query: `INSERT INTO ${db}.${WEBHOOK_TABLES.outbox} (delivery_id, webhook_id, project_id, event_id, type, channel, ts, enqueued_at)
              SELECT lower(hex(sipHash128(number))), 'w', 'p', generateUUIDv4(), 'lead', 'telegram', now64(3), now64(3) - toIntervalSecond(number) FROM numbers(100000)`,
    });
    await storage.client.command({ query: `OPTIMIZE TABLE ${db}.${WEBHOOK_TABLES.outbox} FINAL` });
    const plan = await storage.client.query({
      query: `EXPLAIN indexes = 1 SELECT delivery_id, enqueued_at FROM ${db}.${WEBHOOK_OUTBOX_BUFFER}
              WHERE enqueued_at >= now64(3) - toIntervalSecond(30) ORDER BY enqueued_at, delivery_id LIMIT 1000`,
      format: "TabSeparatedRaw",
    });
    const text = await plan.text();
    expect(text).toContain(`ReadFromMergeTree (${WEBHOOK_OUTBOX_BY_ENQUEUE})`);
    // 100,000 rows are 13 granules of the table; the projection's range is one.
    expect(text).toMatch(/Granules: 1\b/);
    // And the poll's answer is the rows it asked for, in enqueue order.
    const refs = await outboxSince(storage, { atMs: Date.now() - 30_500, deliveryId: "" }, 1000);
    expect(refs.length).toBeGreaterThanOrEqual(30);
    expect(refs.length).toBeLessThanOrEqual(32);
    expect(refs.map((r) => r.enqueuedAtMs)).toEqual([...refs.map((r) => r.enqueuedAtMs)].sort((a, b) => a - b));
    // The events of those deliveries come from the same projection's range (migration 24), not one granule per id.
    const ids = refs.map((r) => r.deliveryId);
    const sinceMs = refs[0]!.enqueuedAtMs;
    const rowsPlan = await storage.client.query({
      query: `EXPLAIN indexes = 1 SELECT * FROM ${db}.${WEBHOOK_OUTBOX_BUFFER}
              WHERE delivery_id IN {ids:Array(String)} AND enqueued_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')`,
      query_params: { ids, since: sinceMs },
      format: "TabSeparatedRaw",
    });
    const rowsText = await rowsPlan.text();
    expect(rowsText).toContain(`ReadFromMergeTree (${WEBHOOK_OUTBOX_BY_ENQUEUE})`);
    expect(rowsText).toMatch(/Granules: 1\b/);
    const found = await outboxDeliveries(storage, ids, { storedSinceMs: sinceMs });
    expect(found.map((d) => d.deliveryId).sort()).toEqual([...ids].sort());
    // Bounded after a row, that row is not read.
    const later = await outboxDeliveries(storage, ids, { storedSinceMs: refs[refs.length - 1]!.enqueuedAtMs });
    expect(later.length).toBeLessThan(ids.length);
  });
});
