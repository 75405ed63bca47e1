import { z } from "zod";
import { toClickHouseTime, type Storage } from "@chatfunnel/core";
import { TELEGRAM_OUTBOX_TABLE } from "./migrations.js";

/**
 * Every read and write of the Telegram retry queue (migration 21), as webhook-store.ts and alert-store.ts are for
 * theirs. The queue itself, what is retried and when, is api/src/notify/telegram-outbox.ts.
 */

/** One Bot API call as stored: a text message, or a PNG with an optional caption. */
export const TelegramCallSchema = z.union([
  z.object({ method: z.literal("sendMessage"), text: z.string(), parseMode: z.literal("HTML").optional() }),
  z.object({ method: z.literal("sendPhoto"), pngBase64: z.string(), fileName: z.string(), caption: z.string().optional(), parseMode: z.literal("HTML").optional() }),
]);
export type TelegramCall = z.infer<typeof TelegramCallSchema>;

export type OutboxKind = "alert" | "digest";
export type OutboxState = "pending" | "sending" | "sent" | "failed";

/** One send waiting, in flight or settled. `context` is what the owner needs to record the outcome. */
export interface OutboxEntry {
  projectId: string;
  kind: OutboxKind;
  /** The alert's or the digest's id. */
  ownerId: string;
  /** The alert run's id, or the digest period's first day. */
  sendId: string;
  calls: TelegramCall[];
  done: number;
  state: OutboxState;
  attempts: number;
  nextAttemptMs: number;
  giveUpMs: number;
  lastStatus: number | null;
  lastError: string;
  context: string;
  createdMs: number;
  /** When this version of the row was written (as read back; writes ignore it): a `sending` row's attempt start. */
  writtenMs?: number;
}

const num = z.coerce.number();
const OutboxRowSchema = z.object({
  project_id: z.string(),
  kind: z.enum(["alert", "digest"]),
  owner_id: z.string(),
  send_id: z.string(),
  calls: z.string(),
  done: num,
  state: z.enum(["pending", "sending", "sent", "failed"]),
  attempts: num,
  next_attempt_ms: num,
  give_up_ms: num,
  last_status: num,
  last_error: z.string(),
  context: z.string(),
  created_ms: num,
  version_ms: num,
});

const OUTBOX_COLUMNS = `project_id, toString(kind) AS kind, owner_id, send_id, calls, done, toString(state) AS state, attempts,
  toUnixTimestamp64Milli(next_attempt_at) AS next_attempt_ms, toUnixTimestamp64Milli(give_up_at) AS give_up_ms, last_status, last_error,
  context, toUnixTimestamp64Milli(created_at) AS created_ms, toUnixTimestamp64Milli(version) AS version_ms`;

/** Versions of one row must grow even within a millisecond (an attempt and its outcome). */
let lastVersionMs = 0;
const nextVersionMs = () => (lastVersionMs = Math.max(Date.now(), lastVersionMs + 1));

export async function writeOutboxEntry(storage: Storage, entry: OutboxEntry): Promise<void> {
  await storage.insertRows(TELEGRAM_OUTBOX_TABLE, [
    {
      project_id: entry.projectId,
      kind: entry.kind,
      owner_id: entry.ownerId,
      send_id: entry.sendId,
      calls: JSON.stringify(entry.calls),
      done: entry.done,
      state: entry.state,
      attempts: entry.attempts,
      next_attempt_at: toClickHouseTime(entry.nextAttemptMs),
      give_up_at: toClickHouseTime(entry.giveUpMs),
      last_status: entry.lastStatus ?? 0,
      last_error: entry.lastError.slice(0, 1000),
      context: entry.context,
      created_at: toClickHouseTime(entry.createdMs),
      version: toClickHouseTime(nextVersionMs()),
    },
  ]);
}

function toEntry(raw: unknown): OutboxEntry {
  const row = OutboxRowSchema.parse(raw);
  return {
    projectId: row.project_id,
    kind: row.kind,
    ownerId: row.owner_id,
    sendId: row.send_id,
    calls: z.array(TelegramCallSchema).parse(JSON.parse(row.calls)),
    done: row.done,
    state: row.state,
    attempts: row.attempts,
    nextAttemptMs: row.next_attempt_ms,
    giveUpMs: row.give_up_ms,
    lastStatus: row.last_status === 0 ? null : row.last_status,
    lastError: row.last_error,
    context: row.context,
    createdMs: row.created_ms,
    writtenMs: row.version_ms,
  };
}

/** The unsettled sends of one kind (pending or in flight), oldest first. */
export async function unsettledOutboxEntries(storage: Storage, kind: OutboxKind): Promise<OutboxEntry[]> {
  const result = await storage.client.query({
    query: `SELECT ${OUTBOX_COLUMNS} FROM ${storage.database}.${TELEGRAM_OUTBOX_TABLE} FINAL
            WHERE kind = {kind:String} AND state IN ('pending', 'sending') ORDER BY next_attempt_at, send_id`,
    query_params: { kind },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  return (await result.json<unknown>()).map(toEntry);
}

/** The latest version of one send, by its key: what a worker checks before recording the outcome of its attempt. */
export async function currentOutboxEntry(storage: Storage, key: Pick<OutboxEntry, "projectId" | "kind" | "ownerId" | "sendId">): Promise<OutboxEntry | undefined> {
  const result = await storage.client.query({
    query: `SELECT ${OUTBOX_COLUMNS} FROM ${storage.database}.${TELEGRAM_OUTBOX_TABLE} FINAL
            WHERE project_id = {projectId:String} AND kind = {kind:String} AND owner_id = {ownerId:String} AND send_id = {sendId:String}`,
    query_params: { projectId: key.projectId, kind: key.kind, ownerId: key.ownerId, sendId: key.sendId },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const [row] = await result.json<unknown>();
  return row === undefined ? undefined : toEntry(row);
}
