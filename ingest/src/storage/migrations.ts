import type { Storage } from "./clickhouse.js";

interface Migration {
  version: number;
  name: string;
  /** Each statement is idempotent on its own, so a crash halfway through re-runs cleanly. */
  statements: (db: string) => string[];
}

/**
 * Dedup: events and spend are ReplacingMergeTree tables whose sorting key ends in the identity
 * (event id; date+channel+campaign). Background merges collapse repeats and metric queries read
 * with FINAL, so a resent batch or a Kafka redelivery counts once, exactly, even before merges run.
 */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "events, spend, projects and keys",
    statements: (db) => [
      `CREATE DATABASE IF NOT EXISTS ${db}`,
      `CREATE TABLE IF NOT EXISTS ${db}.events (
        project_id LowCardinality(String),
        event_id UUID,
        type LowCardinality(String),
        channel LowCardinality(String),
        bot_id LowCardinality(String),
        user_id String,
        session_id String,
        ts DateTime64(3, 'UTC'),
        source_source LowCardinality(String),
        source_medium LowCardinality(String),
        source_campaign LowCardinality(String),
        source_content String,
        source_term String,
        source_payload String,
        revenue Decimal(18, 4),
        currency LowCardinality(String),
        properties Map(String, String),
        received_at DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(ts)
      ORDER BY (project_id, channel, user_id, event_id)`,
      `CREATE TABLE IF NOT EXISTS ${db}.spend (
        project_id LowCardinality(String),
        date Date,
        channel LowCardinality(String),
        campaign String,
        amount Decimal(18, 4),
        currency LowCardinality(String),
        imported_at DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(imported_at)
      ORDER BY (project_id, date, channel, campaign)`,
      `CREATE TABLE IF NOT EXISTS ${db}.projects (
        project_id String,
        name String,
        timezone String,
        session_timeout_min UInt16,
        updated_at DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(updated_at)
      ORDER BY project_id`,
      `CREATE TABLE IF NOT EXISTS ${db}.api_keys (
        key_hash String,
        project_id String,
        kind Enum8('write' = 1, 'read' = 2),
        created_at DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(created_at)
      ORDER BY key_hash`,
    ],
  },
];

export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** Applies the migrations this database has not seen yet, in order. Safe to run at every start. */
export async function migrate(storage: Storage): Promise<number[]> {
  const { client, database: db } = storage;
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC'))
            ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const result = await client.query({
    query: `SELECT version FROM ${db}.schema_migrations FINAL`,
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const applied = new Set((await result.json<{ version: number }>()).map((row) => Number(row.version)));
  const newlyApplied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements(db)) await client.command({ query: statement });
    await client.insert({
      table: `${db}.schema_migrations`,
      values: [{ version: migration.version, name: migration.name, applied_at: Date.now() }],
      format: "JSONEachRow",
    });
    newlyApplied.push(migration.version);
  }
  return newlyApplied;
}
