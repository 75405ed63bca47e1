import type { Storage } from "@chatfunnel/core";
import { CSAT_QUESTION, CSAT_RATINGS } from "@chatfunnel/schemas";
// The rollup contract (slot, sentinel, table names) has one home, shared with the facts that read it.
import { PEOPLE_TABLES, ROLLUP_NONE, ROLLUP_TABLES, slotOf } from "./rollup-schema.js";
import { FIRST_TOUCH_STATE_TYPE } from "./first-touch.js";
import { WEBHOOK_LOG_DAYS, WEBHOOK_OUTBOX_BUFFER, WEBHOOK_OUTBOX_BY_ENQUEUE, WEBHOOK_OUTBOX_BY_ENQUEUE_V23, WEBHOOK_OUTBOX_FLUSH_S, WEBHOOK_TABLES } from "./webhook-schema.js";
import { ALERT_RUNS_DAYS, ALERT_TABLES } from "./alert-schema.js";
import { DIGEST_LOG_DAYS, DIGEST_TABLES } from "./digest-schema.js";

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
  {
    version: 2,
    name: "rollups of events per user and 15-minute slot, and per sessionId, for fast exact metrics",
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${ROLLUP_TABLES.userSlots} (
        project_id LowCardinality(String),
        channel LowCardinality(String),
        user_id String,
        bot_id LowCardinality(String),
        slot DateTime('UTC'),
        first_ts SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        loose_first SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        loose_last SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
        loose_request SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        loose_resolved SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        loose_handoff SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
      )
      ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(slot)
      ORDER BY (project_id, channel, user_id, bot_id, slot)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${ROLLUP_TABLES.userSlots}_mv TO ${db}.${ROLLUP_TABLES.userSlots} AS ${userSlotsSelect(db)}`,
      `CREATE TABLE IF NOT EXISTS ${db}.${ROLLUP_TABLES.idSessions} (
        project_id LowCardinality(String),
        channel LowCardinality(String),
        user_id String,
        bot_id LowCardinality(String),
        session_id String,
        first_ts SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        request SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        resolved SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        handoff SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
      )
      ENGINE = AggregatingMergeTree
      ORDER BY (project_id, channel, user_id, bot_id, session_id)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${ROLLUP_TABLES.idSessions}_mv TO ${db}.${ROLLUP_TABLES.idSessions} AS ${idSessionsSelect(db)}`,
      // Events stored before the views existed. Every rollup column is a min, a max or a set, so
      // rows counted twice (inserted between the view and this backfill, or a re-run) change nothing.
      `INSERT INTO ${db}.${ROLLUP_TABLES.userSlots} ${userSlotsSelect(db)}`,
      `INSERT INTO ${db}.${ROLLUP_TABLES.idSessions} ${idSessionsSelect(db)}`,
    ],
  },
  {
    version: 3,
    name: "leads, orders and payments per user and 15-minute slot, apart from the much larger slot rollup",
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${ROLLUP_TABLES.userOutcomes} (
        project_id LowCardinality(String),
        channel LowCardinality(String),
        user_id String,
        bot_id LowCardinality(String),
        slot DateTime('UTC'),
        outcomes AggregateFunction(groupUniqArray, Tuple(UUID, String, Decimal(18, 4), String))
      )
      ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(slot)
      ORDER BY (project_id, channel, user_id, bot_id, slot)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${ROLLUP_TABLES.userOutcomes}_mv TO ${db}.${ROLLUP_TABLES.userOutcomes} AS ${userOutcomesSelect(db)}`,
      `INSERT INTO ${db}.${ROLLUP_TABLES.userOutcomes} ${userOutcomesSelect(db)}`,
    ],
  },
  {
    version: 4,
    name: "first-touch campaign per user",
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${ROLLUP_TABLES.userFirstTouch} (
        project_id LowCardinality(String),
        channel LowCardinality(String),
        user_id String,
        first_touch ${FIRST_TOUCH_STATE_TYPE}
      )
      ENGINE = AggregatingMergeTree
      ORDER BY (project_id, channel, user_id)`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${ROLLUP_TABLES.userFirstTouch}_mv TO ${db}.${ROLLUP_TABLES.userFirstTouch} AS ${firstTouchSelect(db)}`,
      `INSERT INTO ${db}.${ROLLUP_TABLES.userFirstTouch} ${firstTouchSelect(db)}`,
    ],
  },
  {
    version: 5,
    name: "fewer, wider background merges on events and the rollups",
    // Each insert writes a part to the events table and to every rollup, and with the default
    // base of 5 the merges that fold them together took a quarter of the CPU of embedded ingest on
    // 2 cores. A base of 10 merges when ten times as much data has gathered, so each row is
    // rewritten fewer times: ingest of 1M events went from ~56,000 to ~62,000 events/s, at the
    // price of a few more parts for reads to look at (still tens per partition, not hundreds).
    statements: (db) =>
      ["events", ROLLUP_TABLES.userSlots, ROLLUP_TABLES.idSessions, ROLLUP_TABLES.userOutcomes, ROLLUP_TABLES.userFirstTouch].map(
        (table) => `ALTER TABLE ${db}.${table} MODIFY SETTING merge_selector_base = 10`,
      ),
  },
  {
    version: 6,
    name: "broadcast id on events",
    // A plain column, not in the sorting key: broadcast reports filter on it within a project's range.
    statements: (db) => [`ALTER TABLE ${db}.events ADD COLUMN IF NOT EXISTS broadcast_id String DEFAULT '' AFTER session_id`],
  },
  {
    version: 7,
    name: "tracked links",
    // One row per change of a link: a delete writes the row again with deleted = 1 and a later
    // version, so readers take FINAL and skip deleted rows. The catalog reads it whole (links are few).
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.links (
        project_id LowCardinality(String),
        id String,
        code String,
        channel LowCardinality(String),
        target String,
        campaign String,
        source String,
        medium String,
        content String,
        term String,
        name String,
        ad_id String,
        created_at DateTime64(3, 'UTC'),
        deleted UInt8,
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (project_id, id)`,
    ],
  },
  {
    version: 9,
    name: "write probes",
    // While inserts fail (a full disk), each process writes one tiny row here every second to find
    // out when storage takes writes again, so readiness recovers without waiting for traffic a load
    // balancer no longer sends. Rows expire after a day; the table stays a few bytes.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.write_probes (at DateTime64(3, 'UTC'))
      ENGINE = MergeTree ORDER BY at TTL toDateTime(at) + INTERVAL 1 DAY`,
    ],
  },
  {
    version: 11,
    name: "engagement rollup: per user, bot, sessionId and 15-minute slot, with every reply's instant",
    // The engagement endpoint read every event (1.4 s on 10M events) for one figure the other rollups
    // cannot give: a session's first reply at or after its first request. Replies are kept as a set of
    // instants per slot (min and max would lose the reply that follows a request arriving later), a
    // few per slot; the rest are min/max like user_slots, so the rollup stays exact without FINAL.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${ROLLUP_TABLES.engagementSlots} (
        project_id LowCardinality(String),
        channel LowCardinality(String),
        user_id String,
        bot_id LowCardinality(String),
        session_id String,
        slot DateTime('UTC'),
        first_ts SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        last_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
        request SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        resolved SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        handoff SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        replies SimpleAggregateFunction(groupUniqArrayArray, Array(DateTime64(3, 'UTC')))
      )
      ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(slot)
      ORDER BY (project_id, channel, user_id, bot_id, session_id, slot)
      SETTINGS merge_selector_base = 10`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${ROLLUP_TABLES.engagementSlots}_mv TO ${db}.${ROLLUP_TABLES.engagementSlots} AS ${engagementSlotsSelect(db)}`,
      `INSERT INTO ${db}.${ROLLUP_TABLES.engagementSlots} ${engagementSlotsSelect(db)}`,
    ],
  },
  {
    version: 12,
    name: "conversation rollup for support and engagement, replacing engagement_slots",
    // Support read every event (~1.1 s on 10M events) for session figures a slot can keep exactly: the
    // first request and handoff (min), the last resolution (max), outcome flags (max), the instant of every
    // reply with its sender (a set: the first bot reply at or after the first request needs them all),
    // and the CSAT answers by event id (a set, so a resend counts once). It holds every engagement_slots
    // column, so that table and its view go: still one view over all events for the two endpoints.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${ROLLUP_TABLES.conversationSlots} (
        project_id LowCardinality(String),
        channel LowCardinality(String),
        user_id String,
        bot_id LowCardinality(String),
        session_id String,
        slot DateTime('UTC'),
        first_ts SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        last_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
        request SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        handoff SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
        resolved_last SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
        payment SimpleAggregateFunction(max, UInt8),
        lead SimpleAggregateFunction(max, UInt8),
        survey SimpleAggregateFunction(max, UInt8),
        replies SimpleAggregateFunction(groupUniqArrayArray, Array(Int64)),
        operator_replies SimpleAggregateFunction(groupUniqArrayArray, Array(Int64)),
        csat SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(UUID, String)))
      )
      ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(slot)
      ORDER BY (project_id, channel, user_id, bot_id, session_id, slot)
      SETTINGS merge_selector_base = 10`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${ROLLUP_TABLES.conversationSlots}_mv TO ${db}.${ROLLUP_TABLES.conversationSlots} AS ${conversationSlotsSelect(db)}`,
      `INSERT INTO ${db}.${ROLLUP_TABLES.conversationSlots} ${conversationSlotsSelect(db)}`,
      `DROP VIEW IF EXISTS ${db}.${ROLLUP_TABLES.engagementSlots}_mv`,
      `DROP TABLE IF EXISTS ${db}.${ROLLUP_TABLES.engagementSlots}`,
    ],
  },
  {
    version: 13,
    name: "webhooks: the webhooks, an outbox filled inside the events insert, the delivery attempts",
    // Nothing acknowledged may be lost: the outbox row is written by a view inside the very insert that
    // stores the event (the view's right-hand table, webhooks, is read at each insert), so a 200 or a
    // committed Kafka offset implies its deliveries are stored. delivery_id hashes (webhook, event id): a
    // resent event gives the same id, which the scheduler skips when its delivery is already finished.
    // The outbox is partitioned by day so the scheduler's "stored since" reads prune by part.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${WEBHOOK_TABLES.webhooks} (
        project_id LowCardinality(String),
        id String,
        url String,
        event_types Array(String),
        secret String,
        created_at DateTime64(3, 'UTC'),
        disabled_reason String,
        disabled_at DateTime64(3, 'UTC'),
        deleted UInt8,
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (project_id, id)`,
      `CREATE TABLE IF NOT EXISTS ${db}.${WEBHOOK_TABLES.outbox} (
        delivery_id String,
        webhook_id String,
        project_id LowCardinality(String),
        event_id UUID,
        type LowCardinality(String),
        channel LowCardinality(String),
        bot_id LowCardinality(String),
        user_id String,
        session_id String,
        broadcast_id String,
        ts DateTime64(3, 'UTC'),
        source_source String,
        source_medium String,
        source_campaign String,
        source_content String,
        source_term String,
        source_payload String,
        revenue Decimal(18, 4),
        currency LowCardinality(String),
        properties Map(String, String),
        received_at DateTime64(3, 'UTC'),
        enqueued_at DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toDate(enqueued_at)
      ORDER BY delivery_id
      TTL toDateTime(enqueued_at) + INTERVAL ${WEBHOOK_LOG_DAYS} DAY`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${WEBHOOK_TABLES.outbox}_mv TO ${db}.${WEBHOOK_TABLES.outbox} AS ${webhookOutboxSelect(db)}`,
      `CREATE TABLE IF NOT EXISTS ${db}.${WEBHOOK_TABLES.attempts} (
        project_id LowCardinality(String),
        webhook_id String,
        delivery_id String,
        event_id UUID,
        event_type LowCardinality(String),
        enqueued_at DateTime64(3, 'UTC'),
        attempt UInt16,
        at DateTime64(3, 'UTC'),
        state Enum8('retrying' = 1, 'delivered' = 2, 'failed' = 3),
        status_code UInt16,
        error String,
        duration_ms UInt32,
        next_attempt_at DateTime64(3, 'UTC'),
        INDEX delivery_bf delivery_id TYPE bloom_filter GRANULARITY 4
      )
      ENGINE = MergeTree
      PARTITION BY toYYYYMM(at)
      ORDER BY (project_id, webhook_id, at, delivery_id)
      TTL toDateTime(at) + INTERVAL ${WEBHOOK_LOG_DAYS} DAY`,
    ],
  },
  {
    version: 14,
    name: "manage keys and key revocation",
    // A revocation is a newer row of the same key_hash (ReplacingMergeTree keeps the latest created_at) with
    // revoked = 1: every process reads it on its next key reload (core/src/auth/key-store.ts).
    statements: (db) => [
      `ALTER TABLE ${db}.api_keys MODIFY COLUMN kind Enum8('write' = 1, 'read' = 2, 'manage' = 3)`,
      `ALTER TABLE ${db}.api_keys ADD COLUMN IF NOT EXISTS revoked UInt8 DEFAULT 0`,
    ],
  },
  {
    version: 15,
    name: "people deletion (audit log and tombstones) and a per-project retention period",
    // The audit log is who deleted which person when and how many rows each table lost (152-FZ and GDPR ask
    // for proof of erasure); a tombstone is what the events writer consults so a resend of an event sent
    // before the deletion (an SDK retry, a Kafka redelivery) does not store the person again
    // (warehouse/src/people.ts). retention_days NULL keeps a project's events forever; a new projects row
    // version carries it like every setting (ReplacingMergeTree(updated_at)).
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${PEOPLE_TABLES.deletions} (
        project_id LowCardinality(String),
        deleted_at DateTime64(3, 'UTC'),
        actor String,
        channel LowCardinality(String),
        user_id String,
        deleted_rows Map(String, UInt64)
      )
      ENGINE = MergeTree
      ORDER BY (project_id, deleted_at)`,
      `CREATE TABLE IF NOT EXISTS ${db}.${PEOPLE_TABLES.tombstones} (
        project_id LowCardinality(String),
        channel LowCardinality(String),
        user_id String,
        deleted_at DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(deleted_at)
      ORDER BY (project_id, channel, user_id)`,
      `ALTER TABLE ${db}.projects ADD COLUMN IF NOT EXISTS retention_days Nullable(UInt32) AFTER session_timeout_min`,
      // The sessionIds and first touches a retention run must rebuild, noted before their old events go, so a
      // run that stops halfway finds them at the next run.
      `CREATE TABLE IF NOT EXISTS ${db}.${PEOPLE_TABLES.retentionRebuild} (
        project_id LowCardinality(String),
        kind Enum8('session' = 1, 'first_touch' = 2),
        channel LowCardinality(String),
        user_id String,
        bot_id LowCardinality(String),
        session_id String
      )
      ENGINE = ReplacingMergeTree
      ORDER BY (project_id, kind, channel, user_id, bot_id, session_id)`,
    ],
  },
  {
    version: 16,
    name: "saved funnels",
    // A definition is the funnel's parameters as JSON text (schemas/src/api/saved-funnels.ts); a change or a
    // delete writes the row again with a later version, read with FINAL like links and webhooks.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${ALERT_TABLES.savedFunnels} (
        project_id LowCardinality(String),
        id String,
        name String,
        definition String,
        created_at DateTime64(3, 'UTC'),
        updated_at DateTime64(3, 'UTC'),
        deleted UInt8,
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (project_id, id)`,
    ],
  },
  {
    version: 17,
    name: "alerts and their evaluations",
    // An evaluation that fires is written before it is sent (delivery 'sending') and again with the outcome
    // under the same run id; the scheduled run id is the period's start, so a restart finds the period done
    // and sends nothing twice (README "Alerts").
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${ALERT_TABLES.alerts} (
        project_id LowCardinality(String),
        id String,
        name String,
        metric String,
        filters String,
        condition_op LowCardinality(String),
        condition_value Float64,
        schedule LowCardinality(String),
        deliver String,
        webhook_secret String,
        created_at DateTime64(3, 'UTC'),
        updated_at DateTime64(3, 'UTC'),
        deleted UInt8,
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (project_id, id)`,
      `CREATE TABLE IF NOT EXISTS ${db}.${ALERT_TABLES.runs} (
        project_id LowCardinality(String),
        alert_id String,
        run_id String,
        trigger Enum8('schedule' = 1, 'check' = 2),
        evaluated_at DateTime64(3, 'UTC'),
        tz String,
        period_start DateTime64(3, 'UTC'),
        period_end DateTime64(3, 'UTC'),
        previous_start DateTime64(3, 'UTC'),
        value Nullable(Float64),
        previous_value Nullable(Float64),
        change_pct Nullable(Float64),
        currency String,
        fired UInt8,
        reason String,
        delivery_state Enum8('none' = 0, 'sending' = 1, 'sent' = 2, 'failed' = 3),
        status_code UInt16,
        delivery_error String,
        duration_ms UInt32,
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (project_id, alert_id, run_id)
      TTL toDateTime(evaluated_at) + INTERVAL ${ALERT_RUNS_DAYS} DAY`,
    ],
  },
  {
    version: 18,
    name: "digests, their send log, and the project's language",
    // A digest's delivery target (with its bot token) is JSON text: it is read whole, never queried into.
    // The send log is what makes the scheduler send each period at most once across restarts: a period with
    // any scheduled row (claimed, sent or failed) is done. language '' never appears: the default is 'en'.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${DIGEST_TABLES.digests} (
        project_id LowCardinality(String),
        id String,
        name String,
        schedule LowCardinality(String),
        deliver String,
        filters String,
        created_at DateTime64(3, 'UTC'),
        deleted UInt8,
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (project_id, id)`,
      `CREATE TABLE IF NOT EXISTS ${db}.${DIGEST_TABLES.sends} (
        project_id LowCardinality(String),
        digest_id String,
        trigger Enum8('schedule' = 1, 'manual' = 2),
        period_from Date,
        period_to Date,
        state Enum8('claimed' = 1, 'sent' = 2, 'failed' = 3),
        at DateTime64(3, 'UTC'),
        error String,
        deliveries String
      )
      ENGINE = MergeTree
      ORDER BY (project_id, digest_id, at)
      TTL toDateTime(at) + INTERVAL ${DIGEST_LOG_DAYS} DAY`,
      `ALTER TABLE ${db}.projects ADD COLUMN IF NOT EXISTS language LowCardinality(String) DEFAULT 'en'`,
    ],
  },
  {
    version: 19,
    name: "accounts: users, their roles per project, sessions, login attempts",
    // Every row is versioned (ReplacingMergeTree(version)): a change or a removal is a newer row, which every
    // process reads on its next access reload (core/src/auth/access-store.ts), as key revocations are. Only
    // hashes are stored: argon2id for passwords, SHA-256 for session and invite tokens (random, 256 bits).
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.accounts (
        user_id String,
        email String,
        password_hash String,
        invite_hash String,
        invite_expires_at DateTime64(3, 'UTC'),
        created_at DateTime64(3, 'UTC'),
        deleted UInt8,
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY user_id`,
      `CREATE TABLE IF NOT EXISTS ${db}.account_roles (
        user_id String,
        project_id String,
        role Enum8('viewer' = 1, 'editor' = 2, 'owner' = 3),
        deleted UInt8,
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (user_id, project_id)`,
      // A session is a user's (user_id) or an unlocked password-protected share link's (share_id).
      `CREATE TABLE IF NOT EXISTS ${db}.account_sessions (
        token_hash String,
        user_id String,
        share_id String,
        created_at DateTime64(3, 'UTC'),
        expires_at DateTime64(3, 'UTC'),
        revoked UInt8,
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY token_hash
      TTL toDateTime(expires_at) + INTERVAL 1 DAY`,
      // Failed and good logins of every process, so the rate limit is one for all of them.
      `CREATE TABLE IF NOT EXISTS ${db}.login_attempts (
        at DateTime64(3, 'UTC'),
        account String,
        address String,
        ok UInt8
      )
      ENGINE = MergeTree
      ORDER BY at
      TTL toDateTime(at) + INTERVAL 1 DAY`,
    ],
  },
  {
    version: 20,
    name: "share links: read-only views of one project with fixed filters",
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.share_links (
        share_id String,
        token_hash String,
        project_id String,
        filters String,
        password_hash String,
        expires_at Nullable(DateTime64(3, 'UTC')),
        created_at DateTime64(3, 'UTC'),
        revoked UInt8,
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY share_id`,
    ],
  },
  {
    version: 21,
    name: "Telegram sends of alerts and digests waiting for a retry",
    // A scheduled alert or digest whose Bot API call failed for a passing reason (5xx, 429, no answer) waits here
    // for its next attempt, so a restart carries on with it; `done` counts the calls Telegram acknowledged, which
    // are never sent again. Read and written by warehouse/src/telegram-outbox-store.ts for the queue in
    // api/src/notify/telegram-outbox.ts; a row is rewritten (a later
    // version) at each attempt and once with its outcome.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${TELEGRAM_OUTBOX_TABLE} (
        project_id LowCardinality(String),
        kind Enum8('alert' = 1, 'digest' = 2),
        owner_id String,
        send_id String,
        calls String,
        done UInt16,
        state Enum8('pending' = 1, 'sending' = 2, 'sent' = 3, 'failed' = 4),
        attempts UInt32,
        next_attempt_at DateTime64(3, 'UTC'),
        give_up_at DateTime64(3, 'UTC'),
        last_status UInt16,
        last_error String,
        context String,
        created_at DateTime64(3, 'UTC'),
        version DateTime64(3, 'UTC')
      )
      ENGINE = ReplacingMergeTree(version)
      ORDER BY (project_id, kind, owner_id, send_id)
      TTL toDateTime(created_at) + INTERVAL 30 DAY`,
    ],
  },
  {
    version: 22,
    name: "webhook outbox view joins on (project, event type)",
    // The view joined every inserted event to its project's webhooks and filtered by type afterwards, so an
    // insert copied each row of the block (properties included) once per webhook before dropping the ~98% no
    // webhook takes. Joined on the type too, only the rows a webhook takes leave the join. MODIFY QUERY swaps
    // the select in place: no insert runs between a drop and a create without the view (nothing acknowledged
    // may miss its outbox row). A database created since migration 13 took this select already.
    statements: (db) => [`ALTER TABLE ${db}.${WEBHOOK_TABLES.outbox}_mv MODIFY QUERY ${webhookOutboxSelect(db)}`],
  },
  {
    version: 23,
    name: "webhook outbox: its delivery ids in enqueue order, for the scheduler's poll",
    // The scheduler pages through the outbox by enqueue time every poll (outboxSince), but the table is
    // sorted by delivery id (a hash) and merged parts span the day, so each poll read every row of the day's
    // partition: at 100 leads/s a day is 8.6M rows, ~30 ms a poll at 2M already. A projection of the two
    // columns sorted by enqueue time lets the poll read only what it asks for (~5 ms at 2M). Projections
    // of a ReplacingMergeTree must say what merges do with them, and a person's deletion (a lightweight
    // DELETE, warehouse/people.ts) what it does with them: both rebuild them from the rows that remain.
    statements: (db) => [
      `ALTER TABLE ${db}.${WEBHOOK_TABLES.outbox} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild', lightweight_mutation_projection_mode = 'rebuild'`,
      `ALTER TABLE ${db}.${WEBHOOK_TABLES.outbox} ADD PROJECTION IF NOT EXISTS ${WEBHOOK_OUTBOX_BY_ENQUEUE_V23} (SELECT delivery_id, enqueued_at ORDER BY enqueued_at, delivery_id)`,
      `ALTER TABLE ${db}.${WEBHOOK_TABLES.outbox} MATERIALIZE PROJECTION ${WEBHOOK_OUTBOX_BY_ENQUEUE_V23} SETTINGS mutations_sync = 1`,
    ],
  },
  {
    version: 24,
    name: "webhook outbox: whole rows in enqueue order, for the poll's read of new deliveries",
    // After outboxSince names the new deliveries, the poll reads their events (outboxDeliveries). By delivery id
    // (a hash) every id lands in a granule of its own, so 100 new leads a second read ~100 granules of every
    // column: ~70 ms a poll once the day's partition holds 2M rows, growing through the day, all of it engine
    // CPU taken from the inserts beside it. The projection now carries whole rows in enqueue order, so that read,
    // bounded by the page's first enqueue time, takes the same one or two granules as the refs. Migration 23's
    // two-column projection is dropped: this one answers outboxSince as well.
    statements: (db) => [
      `ALTER TABLE ${db}.${WEBHOOK_TABLES.outbox} DROP PROJECTION IF EXISTS ${WEBHOOK_OUTBOX_BY_ENQUEUE_V23}`,
      `ALTER TABLE ${db}.${WEBHOOK_TABLES.outbox} ADD PROJECTION IF NOT EXISTS ${WEBHOOK_OUTBOX_BY_ENQUEUE} (SELECT * ORDER BY enqueued_at, delivery_id)`,
      `ALTER TABLE ${db}.${WEBHOOK_TABLES.outbox} MATERIALIZE PROJECTION ${WEBHOOK_OUTBOX_BY_ENQUEUE} SETTINGS mutations_sync = 1`,
    ],
  },
  {
    version: 25,
    name: "fewer, wider background merges on the webhook outbox and its attempts",
    // Migration 5 gave events and the rollups a merge base of 10; the webhook tables, made later, kept the
    // default 5. Every events insert that holds a lead writes an outbox part, and at 100 leads/s the outbox's
    // day part was merged again almost at every insert (level 442 after 1,600 inserts, its whole-row
    // projection rebuilt each time): the engine's merge threads went from ~80 to ~400 ms of CPU a second within
    // two minutes, growing with the part, all of it taken from ingest on 2 cores. With a base of 10 the same
    // run left the outbox at level 48 and the merge threads at ~120 ms/s (bench/webhooks.bench.ts measures the rest).
    statements: (db) =>
      [WEBHOOK_TABLES.outbox, WEBHOOK_TABLES.attempts].map((table) => `ALTER TABLE ${db}.${table} MODIFY SETTING merge_selector_base = 10`),
  },
  {
    version: 26,
    name: "webhook outbox written through a Buffer: one outbox part a second, not one per events insert",
    // Each events insert holding a lead wrote an outbox part of its own (with its projection) beside the events
    // and the rollups: at 100 leads/s that part, not the rows in it, was most of what webhooks cost ingest
    // (an insert loop on 2 cores stored ~25% fewer inserts with it; with a Buffer in front, as many as without a
    // webhook). The view now writes into a Buffer the engine flushes into the outbox every
    // WEBHOOK_OUTBOX_FLUSH_S (any row count; max_rows/max_bytes only bound its memory), and every read goes
    // through the Buffer, so nothing the scheduler reads waits for a flush. Buffered rows are not durable: the
    // scheduler re-derives them from the events at start and in each sweep (rederiveOutbox), a clean stop and a
    // person's deletion flush first. The Buffer takes its columns from the outbox: a later column added there
    // must be added here too. Between the view's drop and its re-creation nothing is inserted in the embedded
    // default (migrations run before serving); a distributed consumer's insert in that instant is re-derived.
    statements: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.${WEBHOOK_OUTBOX_BUFFER} AS ${db}.${WEBHOOK_TABLES.outbox}
        ENGINE = Buffer(${db}, ${WEBHOOK_TABLES.outbox}, 1, ${WEBHOOK_OUTBOX_FLUSH_S}, ${WEBHOOK_OUTBOX_FLUSH_S}, 1, 100000, 1, 67108864)`,
      `DROP VIEW IF EXISTS ${db}.${WEBHOOK_TABLES.outbox}_mv`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${WEBHOOK_TABLES.outbox}_mv TO ${db}.${WEBHOOK_OUTBOX_BUFFER} AS ${webhookOutboxSelect(db)}`,
    ],
  },
];

/**
 * Each stored event of a live webhook's types, once per webhook (a webhook lists each type once: the API
 * keeps its types distinct). The join reads the (few) webhooks at
 * every insert, so a webhook made by the API process applies to the next insert of every consumer. It
 * only copies columns and hashes text: nothing in it can refuse a row the events table took, so it never
 * fails an events insert of its own (DESIGN item 13). The view's query, and with `where` (over `e` and `w`,
 * which carries the webhook's created_at) the stored events' deliveries that rederiveOutbox writes again.
 */
export function webhookOutboxSelect(db: string, where = ""): string {
  return `
    SELECT lower(hex(sipHash128(w.id, toString(e.event_id)))) AS delivery_id, w.id AS webhook_id,
      e.project_id AS project_id, e.event_id AS event_id, e.type AS type, e.channel AS channel, e.bot_id AS bot_id,
      e.user_id AS user_id, e.session_id AS session_id, e.broadcast_id AS broadcast_id, e.ts AS ts,
      e.source_source AS source_source, e.source_medium AS source_medium, e.source_campaign AS source_campaign,
      e.source_content AS source_content, e.source_term AS source_term, e.source_payload AS source_payload,
      e.revenue AS revenue, e.currency AS currency, e.properties AS properties, e.received_at AS received_at,
      now64(3) AS enqueued_at
    FROM ${db}.events AS e
    INNER JOIN (
      SELECT project_id, id, created_at, arrayJoin(event_types) AS event_type
      FROM ${db}.${WEBHOOK_TABLES.webhooks} FINAL WHERE deleted = 0 AND disabled_reason = ''
    ) AS w ON e.project_id = w.project_id AND e.type = w.event_type${where === "" ? "" : `
    WHERE ${where}`}`;
}

/**
 * Per user, bot and 15-minute slot. Every aggregate is idempotent (min, max, a set keyed by event
 * id), so a resent event changes nothing and the rollup stays exact without FINAL. A slot never
 * straddles a local midnight of any zone (all offsets are whole quarter hours), and two events
 * in one slot are < 30 min apart, so sessions and ranges at quarter-hour bounds come out exactly.
 * "Loose" columns cover events without sessionId, which the 30-minute rule splits.
 */
function userSlotsSelect(db: string): string {
  return `
    SELECT project_id, channel, user_id, bot_id, ${slotOf("ts")} AS slot,
      min(ts) AS first_ts,
      min(if(session_id = '', ts, ${ROLLUP_NONE})) AS loose_first,
      max(if(session_id = '', ts, toDateTime64(0, 3, 'UTC'))) AS loose_last,
      min(if(session_id = '' AND type = 'message_received', ts, ${ROLLUP_NONE})) AS loose_request,
      min(if(session_id = '' AND type = 'resolved', ts, ${ROLLUP_NONE})) AS loose_resolved,
      min(if(session_id = '' AND type = 'handoff', ts, ${ROLLUP_NONE})) AS loose_handoff
    FROM ${db}.events
    GROUP BY project_id, channel, user_id, bot_id, slot`;
}

/** Outcome events as a set keyed by event id: a resend is the same element, so sums stay exact. */
function userOutcomesSelect(db: string): string {
  return `
    SELECT project_id, channel, user_id, bot_id, ${slotOf("ts")} AS slot,
      groupUniqArrayState((event_id, toString(type), revenue, toString(currency))) AS outcomes
    FROM ${db}.events
    WHERE type IN ('lead', 'order', 'payment')
    GROUP BY project_id, channel, user_id, bot_id, slot`;
}

/**
 * The campaign of the user's earliest event that has one; equal times go to the smaller event id as
 * text. argMin over a total order is idempotent, so resends and re-runs change nothing.
 */
function firstTouchSelect(db: string, where = ""): string {
  return `
    SELECT project_id, channel, user_id, argMinState(toString(source_campaign), (ts, toString(event_id))) AS first_touch
    FROM ${db}.events
    WHERE source_campaign != ''${where === "" ? "" : ` AND ${where}`}
    GROUP BY project_id, channel, user_id`;
}

/**
 * Per user, bot, sessionId ('' for none) and slot: what engagement needs to cut sessions and time the
 * first response (api/src/metrics/engagement.ts). A resent event repeats a min, a max or a set member.
 */
function engagementSlotsSelect(db: string): string {
  return `
    SELECT project_id, channel, user_id, bot_id, session_id, ${slotOf("ts")} AS slot,
      min(ts) AS first_ts,
      max(ts) AS last_ts,
      min(if(type = 'message_received', ts, ${ROLLUP_NONE})) AS request,
      min(if(type = 'resolved', ts, ${ROLLUP_NONE})) AS resolved,
      min(if(type = 'handoff', ts, ${ROLLUP_NONE})) AS handoff,
      groupUniqArrayIf(ts, type = 'message_sent') AS replies
    FROM ${db}.events
    GROUP BY project_id, channel, user_id, bot_id, session_id, slot`;
}

/**
 * Per user, bot, sessionId ('' for none) and slot: what support and engagement need to cut sessions and
 * time first responses (warehouse/src/conversation-sessions.ts cuts its sessions). A resent event repeats a min, a
 * max or a set member. `resolved_last` is 0 (1970) without a resolution: events start in 2000.
 * `replies` holds every message_sent as ms * 2 + 1 for an operator's (`sender`), + 0 for the bot's, so one
 * set serves "any reply" (engagement) and "the bot's" (support) without losing a bot and an operator reply in
 * the same millisecond; `operator_replies` repeats the operator ones in ms (few), read across a user's sessions.
 */
function conversationSlotsSelect(db: string): string {
  return `
    SELECT project_id, channel, user_id, bot_id, session_id, ${slotOf("ts")} AS slot,
      min(ts) AS first_ts,
      max(ts) AS last_ts,
      min(if(type = 'message_received', ts, ${ROLLUP_NONE})) AS request,
      min(if(type = 'handoff', ts, ${ROLLUP_NONE})) AS handoff,
      max(if(type = 'resolved', ts, toDateTime64(0, 3, 'UTC'))) AS resolved_last,
      max(type IN ('order', 'payment')) AS payment,
      max(type = 'lead') AS lead,
      max(type = 'survey_answered') AS survey,
      groupUniqArrayIf(toUnixTimestamp64Milli(ts) * 2 + (properties['sender'] = 'operator'), type = 'message_sent') AS replies,
      groupUniqArrayIf(toUnixTimestamp64Milli(ts), type = 'message_sent' AND properties['sender'] = 'operator') AS operator_replies,
      groupUniqArrayIf((event_id, properties['answer']), type = 'survey_answered' AND properties['question'] = '${CSAT_QUESTION}'
        AND properties['answer'] IN (${CSAT_RATINGS.map((rating) => `'${rating}'`).join(", ")})) AS csat
    FROM ${db}.events
    GROUP BY project_id, channel, user_id, bot_id, session_id, slot`;
}

/** Per sessionId (and bot): when it started and when it first had a request, a resolution, a handoff. */
function idSessionsSelect(db: string, where = ""): string {
  return `
    SELECT project_id, channel, user_id, bot_id, session_id,
      min(ts) AS first_ts,
      min(if(type = 'message_received', ts, ${ROLLUP_NONE})) AS request,
      min(if(type = 'resolved', ts, ${ROLLUP_NONE})) AS resolved,
      min(if(type = 'handoff', ts, ${ROLLUP_NONE})) AS handoff
    FROM ${db}.events
    WHERE session_id != ''${where === "" ? "" : ` AND ${where}`}
    GROUP BY project_id, channel, user_id, bot_id, session_id`;
}

/**
 * The rollups whose rows span slots (a whole sessionId, a user's first touch), rebuilt from the events for
 * the rows a retention cut left holding dropped events (warehouse/src/retention.ts). `where` narrows the
 * events read; it is the views' own SELECT, so a rebuilt row is what the view would have written.
 */
export const spanningRollupSelects = {
  idSessions: idSessionsSelect,
  firstTouch: firstTouchSelect,
} as const;

/** The retry queue of alerts' and digests' Telegram sends (migration 21). */
export const TELEGRAM_OUTBOX_TABLE = "telegram_outbox";

export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** What migrate says while it works; a process passes its logger (core's Logger fits). */
export interface MigrationLog {
  info(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A backfill reads every event already stored (100M events: minutes), so migrations run without the query
 * timeout, and their aggregations spill to disk past half the memory cap instead of failing at it. Without
 * this, a start on a large database failed at QUERY_TIMEOUT_S and the next start tried again from scratch.
 */
function migrationSettings(storage: Storage): Storage["querySettings"] {
  const cap = Number(storage.querySettings.max_memory_usage ?? 0);
  return { ...storage.querySettings, max_execution_time: 0, ...(cap > 0 ? { max_bytes_before_external_group_by: String(Math.floor(cap / 2)) } : {}) };
}

/** Applies the migrations this database has not seen yet, in order. Safe to run at every start. */
export async function migrate(storage: Storage, log?: MigrationLog): Promise<number[]> {
  const { client, database: db } = storage;
  const settings = migrationSettings(storage);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}`, clickhouse_settings: settings });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC'))
            ENGINE = ReplacingMergeTree ORDER BY version`,
    clickhouse_settings: settings,
  });
  const result = await client.query({
    query: `SELECT version FROM ${db}.schema_migrations FINAL`,
    format: "JSONEachRow",
    clickhouse_settings: settings,
  });
  const applied = new Set((await result.json<{ version: number }>()).map((row) => Number(row.version)));
  const newlyApplied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    const started = Date.now();
    log?.info("applying migration", { version: migration.version, name: migration.name });
    for (const statement of migration.statements(db)) await client.command({ query: statement, clickhouse_settings: settings });
    await storage.insertRows("schema_migrations", [{ version: migration.version, name: migration.name, applied_at: Date.now() }]);
    log?.info("migration applied", { version: migration.version, seconds: (Date.now() - started) / 1000 });
    newlyApplied.push(migration.version);
  }
  return newlyApplied;
}
