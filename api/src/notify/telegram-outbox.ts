import { z } from "zod";
import { toClickHouseTime, type Logger, type Storage } from "@chatfunnel/core";
import type { TelegramTarget } from "@chatfunnel/schemas";
import { TELEGRAM_OUTBOX_TABLE } from "@chatfunnel/warehouse";
import { sendTelegramMessage, sendTelegramPhoto, type TelegramClientConfig, type TelegramSendResult } from "./telegram-bot-api.js";

/**
 * Scheduled alerts and digests through a Bot API outage: a call that failed for a passing reason (Telegram's 5xx,
 * 429 Too Many Requests, no answer) is tried again with backoff until the sender's deadline; a refusal that will
 * not pass (400 chat not found, 401, 403 bot kicked) ends it at once, with Telegram's reason. What waits is in
 * storage (migration 21), so a restart, or the next active worker, carries on with it. The calls of one send go
 * in order and `done` counts those Telegram acknowledged: a retry starts after them, so none is sent twice.
 * A call in flight when its process died is not sent again (at most once, as the first attempt): it is given up.
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
}

/** What one call came to, as a send's log keeps it. */
export interface TelegramCallAttempt {
  method: TelegramCall["method"];
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** How long to wait between attempts: doubling from `baseMs` up to `maxMs`, half of each delay random. */
export interface TelegramRetryPolicy {
  baseMs: number;
  maxMs: number;
  /** How often the queue looks for sends due. */
  pollMs: number;
}

export const DEFAULT_TELEGRAM_RETRY_POLICY: TelegramRetryPolicy = { baseMs: 10_000, maxMs: 600_000, pollMs: 5_000 };

/**
 * Whether trying again can help. No answer, a 5xx and a 429 pass; any other refusal (400 chat not found, 401 a
 * revoked token, 403 bot kicked or blocked, 404) is about the target and would be refused again.
 */
export function isTransientTelegramFailure(result: Pick<TelegramSendResult, "ok" | "statusCode">): boolean {
  if (result.ok) return false;
  return result.statusCode === null || result.statusCode === 429 || result.statusCode >= 500;
}

/** The wait before attempt `attempt + 1`: Telegram's retry_after when it gave one, else the policy's backoff. */
export function telegramRetryDelayMs(attempt: number, result: Pick<TelegramSendResult, "retryAfterS">, policy: TelegramRetryPolicy, random = Math.random): number {
  if (result.retryAfterS !== null && result.retryAfterS > 0) return result.retryAfterS * 1000;
  const full = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}

/** One stored call to the Bot API, once. */
export async function sendTelegramCall(config: TelegramClientConfig, target: TelegramTarget, call: TelegramCall): Promise<TelegramSendResult> {
  if (call.method === "sendMessage") return sendTelegramMessage(config, target, { text: call.text, ...(call.parseMode ? { parseMode: call.parseMode } : {}) });
  return sendTelegramPhoto(config, target, {
    png: Buffer.from(call.pngBase64, "base64"),
    fileName: call.fileName,
    ...(call.caption === undefined ? {} : { caption: call.caption }),
    ...(call.parseMode ? { parseMode: call.parseMode } : {}),
  });
}

/** Where a pass over a send's calls stopped. */
export interface CallsOutcome {
  /** Calls acknowledged, counted from the first. */
  done: number;
  /** sent: every call acknowledged; retry: one failed for a passing reason; refused: one was refused for good. */
  outcome: "sent" | "retry" | "refused";
  attempts: TelegramCallAttempt[];
  /** The call that stopped the pass (retry or refused). */
  last: TelegramSendResult | null;
}

/**
 * Sends the calls from `done` on, in order, stopping at the first that fails for a passing reason. A photo refused
 * for good does not stop the text after it (the text carries the figures); a refused text ends the send.
 */
export async function sendTelegramCalls(config: TelegramClientConfig, target: TelegramTarget, calls: readonly TelegramCall[], done: number): Promise<CallsOutcome> {
  const attempts: TelegramCallAttempt[] = [];
  let refused: TelegramSendResult | null = null;
  for (let index = done; index < calls.length; index++) {
    const call = calls[index]!;
    const result = await sendTelegramCall(config, target, call);
    attempts.push({ method: call.method, ok: result.ok, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs });
    if (result.ok) continue;
    if (isTransientTelegramFailure(result)) return { done: index, outcome: "retry", attempts, last: result };
    refused = result;
    if (call.method === "sendMessage" || index === calls.length - 1) return { done: index, outcome: "refused", attempts, last: result };
  }
  return refused ? { done: calls.length, outcome: "refused", attempts, last: refused } : { done: calls.length, outcome: "sent", attempts, last: null };
}

// --- storage (migration 21) ---

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
});

const OUTBOX_COLUMNS = `project_id, toString(kind) AS kind, owner_id, send_id, calls, done, toString(state) AS state, attempts,
  toUnixTimestamp64Milli(next_attempt_at) AS next_attempt_ms, toUnixTimestamp64Milli(give_up_at) AS give_up_ms, last_status, last_error,
  context, toUnixTimestamp64Milli(created_at) AS created_ms`;

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

/** The unsettled sends of one kind (pending or in flight), oldest first. */
export async function unsettledOutboxEntries(storage: Storage, kind: OutboxKind): Promise<OutboxEntry[]> {
  const result = await storage.client.query({
    query: `SELECT ${OUTBOX_COLUMNS} FROM ${storage.database}.${TELEGRAM_OUTBOX_TABLE} FINAL
            WHERE kind = {kind:String} AND state IN ('pending', 'sending') ORDER BY next_attempt_at, send_id`,
    query_params: { kind },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  return (await result.json<unknown>()).map((raw) => {
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
    };
  });
}

// --- the queue ---

/** How a send settled, for its owner's record (the alert run, the digest's send log). */
export interface OutboxSettlement {
  state: "sent" | "failed";
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attempts: TelegramCallAttempt[];
}

/** What the queue asks of the alerts or the digests it sends for. */
export interface OutboxOwner {
  /** The chat to send to now: the owner is read again, so a deleted alert or digest is not sent. */
  target(entry: OutboxEntry): Promise<TelegramTarget | undefined>;
  /** Records the outcome where the owner's list and history show it. */
  settle(entry: OutboxEntry, settlement: OutboxSettlement): Promise<void>;
  /** Records that the send is waiting for another attempt, and why. */
  waiting?(entry: OutboxEntry): Promise<void>;
}

const describeGiveUp = (entry: OutboxEntry, error: string) => `gave up after ${entry.attempts} attempts: ${error}`;

/**
 * Retries the waiting sends of one kind. Started and stopped with its scheduler (in-process in the embedded
 * default, in the worker holding the lease in distributed mode); a stop waits for the attempt in flight, which is
 * then recorded.
 */
export class TelegramOutbox {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Whether a pass has run: the first sweeps up calls a stopped process left in flight. */
  private started = false;
  private stopping = false;

  constructor(
    private readonly storage: Storage,
    private readonly config: TelegramClientConfig,
    private readonly logger: Logger,
    private readonly kind: OutboxKind,
    private readonly owner: OutboxOwner,
    private readonly policy: TelegramRetryPolicy = DEFAULT_TELEGRAM_RETRY_POLICY,
  ) {}

  start(): void {
    if (this.timer) return;
    this.started = false;
    this.stopping = false;
    this.timer = setInterval(() => void this.tick(), this.policy.pollMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /**
   * The first pass of a send: its calls in order. Sent or refused for good, the result is the outcome; a passing
   * failure stores the send for a retry before `giveUpMs`, and the result says it is waiting (state null).
   */
  async firstAttempt(target: TelegramTarget, entry: Omit<OutboxEntry, "done" | "state" | "attempts" | "nextAttemptMs" | "lastStatus" | "lastError" | "createdMs">): Promise<{ settlement: OutboxSettlement | null; waiting: OutboxEntry | null; attempts: TelegramCallAttempt[] }> {
    const pass = await sendTelegramCalls(this.config, target, entry.calls, 0);
    const durationMs = pass.attempts.reduce((sum, attempt) => sum + attempt.durationMs, 0);
    if (pass.outcome !== "retry") return { settlement: settlementOf(pass, durationMs), waiting: null, attempts: pass.attempts };
    const nowMs = Date.now();
    const next = nowMs + telegramRetryDelayMs(1, pass.last!, this.policy);
    const waiting: OutboxEntry = { ...entry, done: pass.done, state: "pending", attempts: 1, nextAttemptMs: next, lastStatus: pass.last!.statusCode, lastError: pass.last!.error ?? "", createdMs: nowMs };
    if (next > entry.giveUpMs) return { settlement: { ...settlementOf(pass, durationMs), state: "failed", error: describeGiveUp(waiting, pass.last!.error ?? "") }, waiting: null, attempts: pass.attempts };
    await writeOutboxEntry(this.storage, waiting);
    this.logger.info("telegram send waits for a retry", { kind: this.kind, projectId: entry.projectId, ownerId: entry.ownerId, error: waiting.lastError, nextAttemptAt: new Date(next).toISOString() });
    return { settlement: null, waiting, attempts: pass.attempts };
  }

  /** One pass over the waiting sends that are due; a pass still running is joined, not doubled. */
  tick(): Promise<void> {
    this.ticking ??= this.pass().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async pass(): Promise<void> {
    let entries: OutboxEntry[];
    try {
      entries = await unsettledOutboxEntries(this.storage, this.kind);
    } catch (error) {
      this.logger.warn("telegram retry queue could not read its sends; tried again at the next poll", { kind: this.kind, error });
      return;
    }
    const firstPass = !this.started;
    this.started = true;
    for (const entry of entries) {
      // A stop waits for one attempt (one Bot API deadline per call), not for every send due.
      if (this.stopping) break;
      try {
        if (entry.state === "sending") {
          // Only a process that stopped mid-call leaves one; another active one finishes and records its own.
          if (firstPass) await this.interrupted(entry);
          continue;
        }
        if (entry.nextAttemptMs > Date.now()) continue;
        await this.attempt(entry);
      } catch (error) {
        this.logger.warn("telegram retry failed to record; tried again at the next poll", { kind: this.kind, projectId: entry.projectId, ownerId: entry.ownerId, error });
      }
    }
  }

  private async interrupted(entry: OutboxEntry): Promise<void> {
    const error = `not sent again: the process stopped during attempt ${entry.attempts} (at most once)`;
    await writeOutboxEntry(this.storage, { ...entry, state: "failed", lastError: error });
    await this.owner.settle(entry, { state: "failed", statusCode: null, error, durationMs: 0, attempts: [] });
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    const target = await this.owner.target(entry);
    if (!target) {
      const error = `not sent: the ${this.kind} was deleted while its send waited`;
      await writeOutboxEntry(this.storage, { ...entry, state: "failed", lastError: error });
      await this.owner.settle(entry, { state: "failed", statusCode: null, error, durationMs: 0, attempts: [] });
      return;
    }
    const inFlight: OutboxEntry = { ...entry, state: "sending", attempts: entry.attempts + 1 };
    await writeOutboxEntry(this.storage, inFlight);
    const pass = await sendTelegramCalls(this.config, target, entry.calls, entry.done);
    const durationMs = pass.attempts.reduce((sum, attempt) => sum + attempt.durationMs, 0);
    const last = pass.last;
    if (pass.outcome === "retry" && last) {
      const next = Date.now() + telegramRetryDelayMs(inFlight.attempts, last, this.policy);
      const waiting: OutboxEntry = { ...inFlight, done: pass.done, state: "pending", nextAttemptMs: next, lastStatus: last.statusCode, lastError: last.error ?? "" };
      if (next <= entry.giveUpMs) {
        await writeOutboxEntry(this.storage, waiting);
        await this.owner.waiting?.(waiting);
        return;
      }
      const error = describeGiveUp(waiting, last.error ?? "");
      await writeOutboxEntry(this.storage, { ...waiting, state: "failed", lastError: error });
      await this.owner.settle(waiting, { ...settlementOf(pass, durationMs), state: "failed", error });
      this.logger.warn("telegram send given up", { kind: this.kind, projectId: entry.projectId, ownerId: entry.ownerId, error });
      return;
    }
    const settlement = settlementOf(pass, durationMs);
    const settled: OutboxEntry = { ...inFlight, done: pass.done, state: settlement.state, lastStatus: last?.statusCode ?? null, lastError: settlement.error ?? "" };
    await writeOutboxEntry(this.storage, settled);
    await this.owner.settle(settled, settlement);
    this.logger.info(settlement.state === "sent" ? "telegram send delivered on retry" : "telegram send refused on retry", { kind: this.kind, projectId: entry.projectId, ownerId: entry.ownerId, attempts: inFlight.attempts, error: settlement.error ?? undefined });
  }
}

function settlementOf(pass: CallsOutcome, durationMs: number): OutboxSettlement {
  const last = pass.attempts[pass.attempts.length - 1];
  if (pass.outcome === "sent") return { state: "sent", statusCode: last?.statusCode ?? 200, error: null, durationMs, attempts: pass.attempts };
  return { state: "failed", statusCode: pass.last?.statusCode ?? null, error: pass.last?.error ?? null, durationMs, attempts: pass.attempts };
}
