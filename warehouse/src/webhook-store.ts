import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { toClickHouseTime } from "@chatfunnel/core";
import type { Webhook, WebhookDelivery, WebhookDeliveryState } from "@chatfunnel/schemas";
import { STORED_EVENT_COLUMNS, StoredEventRowSchema, isoUtc, toStoredEvent } from "./stored-events.js";
import { WEBHOOK_OUTBOX_BUFFER, WEBHOOK_TABLES, type WebhookAttemptState } from "./webhook-schema.js";
import { webhookOutboxSelect } from "./migrations.js";
import type { ExplorerEvent } from "@chatfunnel/schemas";

/**
 * Every read and write of the webhook tables (migration 13). The scheduler (ingest/src/webhooks) and
 * the API routes speak to storage only through here. The outbox is read through its Buffer (migration 26),
 * which answers with the buffered rows and the table's alike.
 *
 * Reads through the Buffer can miss rows being flushed: such a read takes the table's parts when it is planned and
 * the buffered rows when it runs (StorageBuffer::read), so rows the engine flushes in between are in neither half of
 * its answer (seen: a retry's read of its event 1 s after the insert, in about one run of the restart test in
 * three). The flush has written them into the table before that read ends, so a second read of the table itself,
 * made after it, has them: the scheduler's two reads that must see every stored row (outboxSince,
 * outboxDeliveries) and the log's pending list (a delivery given up before its attempts are written would show
 * nowhere) make it. The others may miss such a row for one call: the sweep's (a row stored seconds ago is the poll's
 * to find) and the re-derivation's anti-join (a delivery written twice, one id).
 */

/** A webhook with what sending needs; the secret never leaves the server except in the 201. */
export interface WebhookRecord {
  projectId: string;
  id: string;
  url: string;
  events: string[];
  secret: string;
  createdAt: string;
  disabledReason: string;
  disabledAt: string | null;
}

const num = z.coerce.number();
const WebhookDbRowSchema = z.object({
  project_id: z.string(),
  id: z.string(),
  url: z.string(),
  event_types: z.array(z.string()),
  secret: z.string(),
  created_at: z.string(),
  disabled_reason: z.string(),
  disabled_at_ms: num,
});

const toRecord = (row: z.infer<typeof WebhookDbRowSchema>): WebhookRecord => ({
  projectId: row.project_id,
  id: row.id,
  url: row.url,
  events: row.event_types,
  secret: row.secret,
  createdAt: isoUtc(row.created_at),
  disabledReason: row.disabled_reason,
  disabledAt: row.disabled_reason === "" ? null : new Date(row.disabled_at_ms).toISOString(),
});

const settings = (storage: Storage) => storage.querySettings;

async function select<S extends z.ZodType>(storage: Storage, query: string, params: Record<string, unknown>, schema: S): Promise<z.infer<S>[]> {
  const result = await storage.client.query({ query, query_params: params, format: "JSONEachRow", clickhouse_settings: settings(storage) });
  return (await result.json<unknown>()).map((row) => schema.parse(row));
}

const WEBHOOK_COLUMNS = `project_id, id, url, event_types, secret, created_at, disabled_reason, toUnixTimestamp64Milli(disabled_at) AS disabled_at_ms`;

/**
 * Versions of one webhook must grow even within a millisecond (create then delete in a test), and
 * ReplacingMergeTree keeps the largest: each write takes at least the previous one's version + 1 ms.
 */
let lastVersionMs = 0;
function nextVersion(): string {
  lastVersionMs = Math.max(Date.now(), lastVersionMs + 1);
  return toClickHouseTime(lastVersionMs);
}

/** The project's webhooks that are not deleted (active and disabled alike), oldest first. */
export async function projectWebhooks(storage: Storage, projectId: string): Promise<WebhookRecord[]> {
  const db = storage.database;
  const rows = await select(
    storage,
    `SELECT ${WEBHOOK_COLUMNS} FROM ${db}.${WEBHOOK_TABLES.webhooks} FINAL WHERE project_id = {projectId:String} AND deleted = 0 ORDER BY created_at, id`,
    { projectId },
    WebhookDbRowSchema,
  );
  return rows.map(toRecord);
}

export async function findWebhook(storage: Storage, projectId: string, id: string): Promise<WebhookRecord | undefined> {
  return (await projectWebhooks(storage, projectId)).find((webhook) => webhook.id === id);
}

/** Every live (not deleted, not disabled) webhook of every project: what the scheduler delivers to. */
export async function liveWebhooks(storage: Storage): Promise<WebhookRecord[]> {
  const db = storage.database;
  const rows = await select(
    storage,
    `SELECT ${WEBHOOK_COLUMNS} FROM ${db}.${WEBHOOK_TABLES.webhooks} FINAL WHERE deleted = 0 AND disabled_reason = ''`,
    {},
    WebhookDbRowSchema,
  );
  return rows.map(toRecord);
}

export async function insertWebhook(storage: Storage, webhook: Omit<WebhookRecord, "disabledReason" | "disabledAt">): Promise<void> {
  await storage.insertRows(WEBHOOK_TABLES.webhooks, [
    {
      project_id: webhook.projectId,
      id: webhook.id,
      url: webhook.url,
      event_types: webhook.events,
      secret: webhook.secret,
      created_at: toClickHouseTime(webhook.createdAt),
      disabled_reason: "",
      disabled_at: toClickHouseTime(0),
      deleted: 0,
      version: nextVersion(),
    },
  ]);
}

/** Writes the webhook again as deleted; false when the project has no such webhook. */
export async function deleteWebhook(storage: Storage, projectId: string, id: string): Promise<boolean> {
  const webhook = await findWebhook(storage, projectId, id);
  if (!webhook) return false;
  await storage.client.command({
    query: `INSERT INTO ${storage.database}.${WEBHOOK_TABLES.webhooks} (project_id, id, url, event_types, secret, created_at, disabled_reason, disabled_at, deleted, version)
      SELECT project_id, id, url, event_types, secret, created_at, disabled_reason, disabled_at, 1,
        greatest(fromUnixTimestamp64Milli({now:Int64}, 'UTC'), version + toIntervalMillisecond(1))
      FROM ${storage.database}.${WEBHOOK_TABLES.webhooks} FINAL
      WHERE project_id = {projectId:String} AND id = {id:String}`,
    query_params: { projectId, id, now: Date.now() },
    clickhouse_settings: settings(storage),
  });
  return true;
}

/**
 * Disables a webhook with the reason shown in the list. The row is copied inside the engine from its
 * current version, so a delete that landed first stays a delete.
 */
export async function disableWebhook(storage: Storage, projectId: string, id: string, reason: string, at = Date.now()): Promise<void> {
  await storage.client.command({
    query: `INSERT INTO ${storage.database}.${WEBHOOK_TABLES.webhooks} (project_id, id, url, event_types, secret, created_at, disabled_reason, disabled_at, deleted, version)
      SELECT project_id, id, url, event_types, secret, created_at, {reason:String}, fromUnixTimestamp64Milli({at:Int64}, 'UTC'), deleted,
        greatest(fromUnixTimestamp64Milli({now:Int64}, 'UTC'), version + toIntervalMillisecond(1))
      FROM ${storage.database}.${WEBHOOK_TABLES.webhooks} FINAL
      WHERE project_id = {projectId:String} AND id = {id:String} AND deleted = 0 AND disabled_reason = ''`,
    query_params: { projectId, id, reason, at, now: Math.max(Date.now(), at) },
    clickhouse_settings: settings(storage),
  });
}

/** One delivery waiting in the outbox, with the event it carries. */
export interface OutboxDelivery {
  deliveryId: string;
  webhookId: string;
  projectId: string;
  enqueuedAtMs: number;
  event: ExplorerEvent;
}

const OutboxRowSchema = StoredEventRowSchema.extend({
  delivery_id: z.string(),
  webhook_id: z.string(),
  project_id: z.string(),
  enqueued_ms: num,
});

const toDelivery = (row: z.infer<typeof OutboxRowSchema>): OutboxDelivery => ({
  deliveryId: row.delivery_id,
  webhookId: row.webhook_id,
  projectId: row.project_id,
  enqueuedAtMs: row.enqueued_ms,
  event: toStoredEvent(row),
});

const OUTBOX_COLUMNS = `delivery_id, webhook_id, project_id, toUnixTimestamp64Milli(enqueued_at) AS enqueued_ms, ${STORED_EVENT_COLUMNS}`;

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A page read through the outbox's Buffer and then from the table itself (the file's note on reads through the
 * Buffer: rows flushed while the first read ran are in the second), merged: in `order`, each `identity` once (its
 * first row in that order), the first `limit`.
 */
async function bufferThenTable<R>(read: (from: string) => Promise<R[]>, order: (a: R, b: R) => number, identity: (row: R) => string, limit: number): Promise<R[]> {
  const rows = [...(await read(WEBHOOK_OUTBOX_BUFFER)), ...(await read(WEBHOOK_TABLES.outbox))].sort(order);
  const seen = new Set<string>();
  const page: R[] = [];
  for (const row of rows) {
    if (page.length === limit) break;
    if (seen.has(identity(row))) continue;
    seen.add(identity(row));
    page.push(row);
  }
  return page;
}

/** Where a delivery sits in the outbox's enqueue order. */
export interface OutboxRef {
  deliveryId: string;
  enqueuedAtMs: number;
}

/**
 * Deliveries stored after the cursor (enqueue time by the engine's clock, then delivery id: a total order,
 * so a page boundary inside one insert, whose rows share one enqueue time, loses nothing), in that order.
 * Two narrow columns only: the scheduler pages through it every poll from a little before the newest row
 * it saw, and reads the events of the ones it does not hold yet with outboxDeliveries.
 */
export async function outboxSince(storage: Storage, after: { atMs: number; deliveryId: string }, limit: number): Promise<OutboxRef[]> {
  const page = (from: string) =>
    select(
      storage,
      `SELECT delivery_id, toUnixTimestamp64Milli(enqueued_at) AS enqueued_ms
       FROM ${storage.database}.${from}
       WHERE enqueued_at >= fromUnixTimestamp64Milli({afterMs:Int64}, 'UTC')
         AND (enqueued_at, delivery_id) > (fromUnixTimestamp64Milli({afterMs:Int64}, 'UTC'), {afterId:String})
       ORDER BY enqueued_at, delivery_id
       LIMIT {limit:UInt32}`,
      { afterMs: after.atMs, afterId: after.deliveryId, limit },
      z.object({ delivery_id: z.string(), enqueued_ms: num }),
    );
  const rows = await bufferThenTable(
    page,
    (a, b) => a.enqueued_ms - b.enqueued_ms || byText(a.delivery_id, b.delivery_id),
    (row) => `${row.enqueued_ms}/${row.delivery_id}`,
    limit,
  );
  return rows.map((row) => ({ deliveryId: row.delivery_id, enqueuedAtMs: row.enqueued_ms }));
}

/** What outboxDeliveries leaves out or bounds. */
export interface OutboxDeliveriesOptions {
  /** Deliveries with a final attempt since then are left out: a resent event's new outbox row must not send a finished delivery again. */
  unfinishedSinceMs?: number;
  /**
   * Only rows enqueued since then (the poll's page start, which every id it names is at or after): the read
   * takes the enqueue-ordered projection's few granules instead of one granule per id of the sort key. A resent
   * event's copy from before it is not seen, so its delivery is timed from the copy in the page; its earlier
   * delivery, if unfinished, is in the scheduler's memory (or its sweep's) and the page's copy is skipped.
   */
  storedSinceMs?: number;
}

/**
 * The events of these deliveries, each from its earliest outbox row (in the bound, when given), by the outbox's
 * sort key or, bounded, its enqueue-ordered projection.
 */
export async function outboxDeliveries(storage: Storage, deliveryIds: readonly string[], options: OutboxDeliveriesOptions = {}): Promise<OutboxDelivery[]> {
  if (deliveryIds.length === 0) return [];
  const db = storage.database;
  const { unfinishedSinceMs, storedSinceMs } = options;
  const stored = storedSinceMs === undefined ? "" : ` AND enqueued_at >= fromUnixTimestamp64Milli({storedSince:Int64}, 'UTC')`;
  const finished =
    unfinishedSinceMs === undefined
      ? ""
      : ` AND delivery_id NOT IN (SELECT delivery_id FROM ${db}.${WEBHOOK_TABLES.attempts}
          WHERE at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND state IN ('delivered', 'failed') AND delivery_id IN {ids:Array(String)})`;
  const read = (from: string, ids: readonly string[]) =>
    select(
      storage,
      `SELECT ${OUTBOX_COLUMNS} FROM ${db}.${from}
       WHERE delivery_id IN {ids:Array(String)}${stored}${finished}
       ORDER BY enqueued_at LIMIT 1 BY delivery_id`,
      { ids, since: unfinishedSinceMs ?? 0, storedSince: storedSinceMs ?? 0 },
      OutboxRowSchema,
    );
  const rows = await read(WEBHOOK_OUTBOX_BUFFER, deliveryIds);
  // What the Buffer's read did not return may have been flushed while it ran: the table has it now (the file's
  // note on reads through the Buffer). Usually nothing is missing, and this second read is not made.
  const found = new Set(rows.map((row) => row.delivery_id));
  const missing = [...new Set(deliveryIds)].filter((id) => !found.has(id));
  if (missing.length > 0) rows.push(...(await read(WEBHOOK_TABLES.outbox, missing)));
  return rows.map(toDelivery);
}

/** The outbox's columns in its order, for the rows rederiveOutbox writes (the view maps them by name). */
const OUTBOX_WRITE_COLUMNS = `delivery_id, webhook_id, project_id, event_id, type, channel, bot_id, user_id, session_id, broadcast_id, ts,
  source_source, source_medium, source_campaign, source_content, source_term, source_payload, revenue, currency, properties,
  received_at, enqueued_at`;

/**
 * Writes the buffered outbox rows into the outbox now. The engine does every WEBHOOK_OUTBOX_FLUSH_S anyway, but
 * chDB drops what is buffered when its session closes, and a Buffer takes no DELETE: a clean stop (after the
 * last events insert) and a person's deletion (before it) call this.
 */
export async function flushOutbox(storage: Storage): Promise<void> {
  await storage.client.command({ query: `OPTIMIZE TABLE ${storage.database}.${WEBHOOK_OUTBOX_BUFFER}`, clickhouse_settings: settings(storage) });
}

/** The newest enqueue time the outbox table itself holds (buffered rows left out), 0 when it holds none. */
export async function newestOutboxEnqueueMs(storage: Storage): Promise<number> {
  const [row] = await select(
    storage,
    `SELECT toUnixTimestamp64Milli(max(enqueued_at)) AS newest_ms FROM ${storage.database}.${WEBHOOK_TABLES.outbox}`,
    {},
    z.object({ newest_ms: num }),
  );
  return row?.newest_ms ?? 0;
}

/** Which stored events rederiveOutbox looks at. */
export interface RederiveWindow {
  /** Events parts written (inserted or merged) in [fromMs, toMs): every event inserted then is in one of them. */
  modifiedFromMs: number;
  modifiedToMs: number;
  /** Events received before this are left alone (the retry window twice over: older ones were given up). */
  receivedSinceMs: number;
}

/**
 * Writes again the deliveries of stored events that the outbox lacks: rows the view had put in the Buffer when the
 * process died (chDB) or the server restarted, which were acknowledged with their events. Looks only at events parts
 * written in the window (an event's part, or the part a merge moved it to, is written after its insert), of live
 * webhooks' types, received since the webhook was made and since `receivedSinceMs`; a delivery the outbox or its
 * Buffer holds, at any enqueue time, is left alone. Returns how many it wrote, enqueued now. An event inserted while
 * this runs may be written twice (its row reached the Buffer after the check): one delivery id, which the scheduler
 * takes once (at least once, as the contract allows).
 */
export async function rederiveOutbox(storage: Storage, window: RederiveWindow): Promise<number> {
  const db = storage.database;
  // Without a live webhook there is nothing to derive, and the events need not be read at all.
  if ((await liveWebhooks(storage)).length === 0) return 0;
  const parts = (
    await select(
      storage,
      `SELECT name FROM system.parts WHERE database = {db:String} AND table = 'events' AND active
         AND toUnixTimestamp(modification_time) * 1000 >= {fromMs:Int64} - 1000 AND toUnixTimestamp(modification_time) * 1000 < {toMs:Int64}`,
      { db, fromMs: window.modifiedFromMs, toMs: window.modifiedToMs },
      z.object({ name: z.string() }),
    )
  ).map((row) => row.name);
  if (parts.length === 0) return 0;
  const stored = webhookOutboxSelect(db, `e._part IN {parts:Array(String)} AND e.received_at >= greatest(w.created_at, fromUnixTimestamp64Milli({receivedSince:Int64}, 'UTC'))`);
  const params = { parts, receivedSince: window.receivedSinceMs };
  const missing = (
    await select(
      storage,
      `WITH stored AS (${stored})
       SELECT DISTINCT delivery_id FROM stored
       WHERE delivery_id NOT IN (SELECT delivery_id FROM ${db}.${WEBHOOK_OUTBOX_BUFFER} WHERE delivery_id IN (SELECT delivery_id FROM stored))`,
      params,
      z.object({ delivery_id: z.string() }),
    )
  ).map((row) => row.delivery_id);
  if (missing.length === 0) return 0;
  await storage.client.command({
    query: `INSERT INTO ${db}.${WEBHOOK_TABLES.outbox} (${OUTBOX_WRITE_COLUMNS})
      SELECT ${OUTBOX_WRITE_COLUMNS} FROM (${stored}) WHERE delivery_id IN {missing:Array(String)} LIMIT 1 BY delivery_id`,
    query_params: { ...params, missing },
    clickhouse_settings: settings(storage),
  });
  return missing.length;
}

/** An unfinished delivery as stored: what a restart (or a sweep) resumes from. */
export interface UnfinishedDelivery {
  deliveryId: string;
  webhookId: string;
  projectId: string;
  enqueuedAtMs: number;
  attempts: number;
  /** When the last attempt scheduled the next; the enqueue time when none was made yet. */
  nextAttemptAtMs: number;
}

const UnfinishedRowSchema = z.object({
  delivery_id: z.string(),
  webhook_id: z.string(),
  project_id: z.string(),
  enqueued_ms: num,
  attempts: num,
  next_ms: num,
});

/**
 * Every delivery stored since `sinceMs` without a final attempt, due first. Reads the whole window, so the
 * scheduler runs it at start and every WEBHOOK_SWEEP_MS, not every poll.
 */
export async function unfinishedDeliveries(storage: Storage, sinceMs: number, limit: number): Promise<UnfinishedDelivery[]> {
  const db = storage.database;
  const rows = await select(
    storage,
    `SELECT o.delivery_id AS delivery_id, o.webhook_id AS webhook_id, o.project_id AS project_id, o.enqueued_ms AS enqueued_ms,
       a.attempts AS attempts, if(a.attempts = 0, o.enqueued_ms, a.next_ms) AS next_ms
     FROM (
       SELECT delivery_id, any(webhook_id) AS webhook_id, any(project_id) AS project_id, toUnixTimestamp64Milli(min(enqueued_at)) AS enqueued_ms
       FROM ${db}.${WEBHOOK_OUTBOX_BUFFER}
       WHERE enqueued_at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
       GROUP BY delivery_id
     ) AS o
     LEFT JOIN (
       SELECT delivery_id, max(attempt) AS attempts, toUnixTimestamp64Milli(argMax(next_attempt_at, attempt)) AS next_ms,
         max(state IN ('delivered', 'failed')) AS finished
       FROM ${db}.${WEBHOOK_TABLES.attempts}
       WHERE at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
       GROUP BY delivery_id
     ) AS a ON a.delivery_id = o.delivery_id
     WHERE a.finished = 0
     ORDER BY next_ms
     LIMIT {limit:UInt32}`,
    { since: sinceMs, limit },
    UnfinishedRowSchema,
  );
  return rows.map((row) => ({
    deliveryId: row.delivery_id,
    webhookId: row.webhook_id,
    projectId: row.project_id,
    enqueuedAtMs: row.enqueued_ms,
    attempts: row.attempts,
    nextAttemptAtMs: row.next_ms,
  }));
}

/** One attempt and the state it left its delivery in. */
export interface AttemptRecord {
  projectId: string;
  webhookId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  enqueuedAtMs: number;
  attempt: number;
  atMs: number;
  state: WebhookAttemptState;
  /** 0 when the receiver did not answer. */
  statusCode: number;
  error: string;
  durationMs: number;
  /** For `retrying`: when the next attempt is due; else 0. */
  nextAttemptAtMs: number;
}

export async function recordAttempts(storage: Storage, attempts: readonly AttemptRecord[]): Promise<void> {
  await storage.insertRows(
    WEBHOOK_TABLES.attempts,
    attempts.map((a) => ({
      project_id: a.projectId,
      webhook_id: a.webhookId,
      delivery_id: a.deliveryId,
      event_id: a.eventId,
      event_type: a.eventType,
      enqueued_at: toClickHouseTime(a.enqueuedAtMs),
      attempt: a.attempt,
      at: toClickHouseTime(a.atMs),
      state: a.state,
      status_code: a.statusCode,
      error: a.error.slice(0, 1000),
      duration_ms: Math.max(0, Math.round(a.durationMs)),
      next_attempt_at: toClickHouseTime(a.nextAttemptAtMs),
    })),
  );
}

/**
 * Per webhook, how many of its latest finished deliveries in a row were given up (no delivery after them):
 * the auto-disable count survives a restart.
 */
export async function failureStreaks(storage: Storage, sinceMs: number, cap: number): Promise<Map<string, number>> {
  const db = storage.database;
  const rows = await select(
    storage,
    `SELECT webhook_id, arrayFirstIndex(s -> s != 'failed', arrayConcat(groupArray({cap:UInt32})(toString(state)), ['end'])) - 1 AS streak
     FROM (SELECT webhook_id, state FROM ${db}.${WEBHOOK_TABLES.attempts}
           WHERE at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND state IN ('delivered', 'failed') ORDER BY at DESC)
     GROUP BY webhook_id`,
    { since: sinceMs, cap },
    z.object({ webhook_id: z.string(), streak: num }),
  );
  return new Map(rows.map((row) => [row.webhook_id, row.streak]));
}

const AttemptRowSchema = z.object({
  webhook_id: z.string(),
  delivery_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  enqueued_at: z.string(),
  attempt: num,
  at: z.string(),
  state: z.enum(["retrying", "delivered", "failed"]),
  status_code: num,
  error: z.string(),
  duration_ms: num,
  next_attempt_at: z.string(),
});
type AttemptRow = z.infer<typeof AttemptRowSchema>;

const ATTEMPT_COLUMNS = `webhook_id, delivery_id, toString(event_id) AS event_id, toString(event_type) AS event_type, enqueued_at, attempt, at, toString(state) AS state,
  status_code, error, duration_ms, next_attempt_at`;

/**
 * The last attempt of each of these webhooks, for the list (which the dashboard refreshes every few
 * seconds): one newest-first read per webhook along the table's sort key, so it stays cheap however long the log.
 */
export async function lastAttempts(storage: Storage, projectId: string, webhookIds: readonly string[]): Promise<Map<string, Webhook["lastDelivery"]>> {
  if (webhookIds.length === 0) return new Map();
  const db = storage.database;
  const params: Record<string, unknown> = { projectId };
  const parts = webhookIds.map((id, i) => {
    params[`w${i}`] = id;
    return `(SELECT ${ATTEMPT_COLUMNS} FROM ${db}.${WEBHOOK_TABLES.attempts} WHERE project_id = {projectId:String} AND webhook_id = {w${i}:String} ORDER BY at DESC LIMIT 1)`;
  });
  const rows = await select(storage, parts.join(" UNION ALL "), params, AttemptRowSchema);
  return new Map(rows.map((row) => [row.webhook_id, { deliveryId: row.delivery_id, at: isoUtc(row.at), state: row.state, statusCode: row.status_code === 0 ? null : row.status_code, error: row.error === "" ? null : row.error }]));
}

/**
 * The delivery log of one webhook: its latest deliveries (by their latest attempt), each with every
 * attempt, newest first; deliveries stored but not yet attempted come first as pending.
 */
export async function deliveryLog(storage: Storage, projectId: string, webhookId: string, limit: number): Promise<WebhookDelivery[]> {
  const db = storage.database;
  // The latest attempts, newest first along the sort key, name the latest deliveries; then every attempt of
  // those (none is older than its delivery's enqueue time), found through the delivery id's bloom filter.
  const latest = await select(
    storage,
    `SELECT delivery_id, enqueued_at FROM ${db}.${WEBHOOK_TABLES.attempts}
     WHERE project_id = {projectId:String} AND webhook_id = {webhookId:String}
     ORDER BY at DESC LIMIT {scan:UInt32}`,
    { projectId, webhookId, scan: limit * 20 },
    z.object({ delivery_id: z.string(), enqueued_at: z.string() }),
  );
  const chosen = [...new Map(latest.map((row) => [row.delivery_id, row.enqueued_at])).entries()].slice(0, limit);
  const since = chosen.reduce((min, [, enqueued]) => Math.min(min, Date.parse(isoUtc(enqueued))), Date.now());
  const attempts =
    chosen.length === 0
      ? []
      : await select(
          storage,
          `SELECT ${ATTEMPT_COLUMNS} FROM ${db}.${WEBHOOK_TABLES.attempts}
           WHERE project_id = {projectId:String} AND webhook_id = {webhookId:String}
             AND at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND delivery_id IN {ids:Array(String)}
           ORDER BY at DESC, attempt DESC`,
          { projectId, webhookId, since, ids: chosen.map(([id]) => id) },
          AttemptRowSchema,
        );
  const byDelivery = new Map<string, AttemptRow[]>();
  for (const row of attempts) byDelivery.set(row.delivery_id, [...(byDelivery.get(row.delivery_id) ?? []), row]);
  const attempted: WebhookDelivery[] = [...byDelivery.values()].map((rows) => {
    const latest = rows[0]!;
    return {
      deliveryId: latest.delivery_id,
      eventId: latest.event_id,
      eventType: latest.event_type,
      state: latest.state,
      attempts: Math.max(...rows.map((r) => r.attempt)),
      enqueuedAt: isoUtc(latest.enqueued_at),
      lastAttemptAt: isoUtc(latest.at),
      nextAttemptAt: latest.state === "retrying" ? isoUtc(latest.next_attempt_at) : null,
      log: rows.map((r) => ({ attempt: r.attempt, at: isoUtc(r.at), statusCode: r.status_code === 0 ? null : r.status_code, error: r.error === "" ? null : r.error, durationMs: r.duration_ms })),
    };
  });
  // Not yet attempted: stored in the last hour and no attempt at all (the scheduler takes them within a poll).
  const pendingFrom = (from: string) =>
    select(
      storage,
      `SELECT delivery_id, toString(event_id) AS event_id, toString(type) AS event_type, enqueued_at
       FROM ${db}.${from}
       WHERE enqueued_at >= now64(3) - INTERVAL 1 HOUR AND project_id = {projectId:String} AND webhook_id = {webhookId:String}
         AND delivery_id NOT IN (SELECT delivery_id FROM ${db}.${WEBHOOK_TABLES.attempts}
           WHERE project_id = {projectId:String} AND webhook_id = {webhookId:String} AND at >= now64(3) - INTERVAL 1 HOUR)
       ORDER BY enqueued_at DESC, delivery_id DESC LIMIT 1 BY delivery_id LIMIT {limit:UInt32}`,
      { projectId, webhookId, limit },
      z.object({ delivery_id: z.string(), event_id: z.string(), event_type: z.string(), enqueued_at: z.string() }),
    );
  // A delivery whose row is being flushed is neither attempted yet nor in the Buffer's answer: without the table's
  // read the log would show nothing for it. Newest first (a delivery's newest row), then by delivery id: one
  // insert's rows share an enqueue time, and the page must not depend on the read.
  const pending = await bufferThenTable(pendingFrom, (a, b) => byText(b.enqueued_at, a.enqueued_at) || byText(b.delivery_id, a.delivery_id), (row) => row.delivery_id, limit);
  const waiting: WebhookDelivery[] = pending.map((row) => ({
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    eventType: row.event_type,
    state: "pending" satisfies WebhookDeliveryState,
    attempts: 0,
    enqueuedAt: isoUtc(row.enqueued_at),
    lastAttemptAt: isoUtc(row.enqueued_at),
    nextAttemptAt: isoUtc(row.enqueued_at),
    log: [],
  }));
  return [...waiting, ...attempted].slice(0, limit);
}
