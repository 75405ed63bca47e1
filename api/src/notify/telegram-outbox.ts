import type { Logger, Storage } from "@chatfunnel/core";
import { loadConfig, type Config, type TelegramTarget } from "@chatfunnel/schemas";
import { currentOutboxEntry, unsettledOutboxEntries, writeOutboxEntry, type OutboxEntry, type OutboxKind, type TelegramCall } from "@chatfunnel/warehouse";
import { sendTelegramMessage, sendTelegramPhoto, type TelegramClientConfig, type TelegramSendResult } from "./telegram-bot-api.js";

/**
 * Scheduled alerts and digests through a Bot API outage: a call that failed for a passing reason (Telegram's 5xx,
 * 429 Too Many Requests, no answer) is tried again with backoff until the sender's deadline; a refusal that will
 * not pass (400 chat not found, 401, 403 bot kicked) ends it at once, with Telegram's reason. What waits is in
 * storage (migration 21, read and written through warehouse/src/telegram-outbox-store.ts), so a restart, or the
 * next active worker, carries on with it. The calls of one send go
 * in order and `done` counts those Telegram acknowledged: a retry starts after them, so none is sent twice.
 * A call in flight when its process died is not sent again (at most once, as the first attempt): it is given up.
 */

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
  /** How often the queue looks for sends due while it knows of one waiting. */
  pollMs: number;
  /**
   * How often it looks while it knows of none (after its first pass, only this process adds sends, and it
   * knows when): a safety net for a send another worker stored during a lease handover.
   */
  idlePollMs: number;
  /**
   * How long a send another process left `sending` is taken to be still in flight there (a lease handover: the
   * previous worker finishes its call) before it is given up as interrupted. Unset: the Bot API deadline for each
   * call left plus 30 s.
   */
  sendingGraceMs?: number;
}

export type TelegramRetryConfig = Pick<Config, "TELEGRAM_RETRY_BASE_MS" | "TELEGRAM_RETRY_MAX_MS" | "TELEGRAM_RETRY_POLL_MS" | "TELEGRAM_RETRY_IDLE_POLL_MS">;

/** The retry queue's settings (README "Configuration"). */
export function telegramRetryPolicy(config: TelegramRetryConfig): TelegramRetryPolicy {
  return { baseMs: config.TELEGRAM_RETRY_BASE_MS, maxMs: config.TELEGRAM_RETRY_MAX_MS, pollMs: config.TELEGRAM_RETRY_POLL_MS, idlePollMs: config.TELEGRAM_RETRY_IDLE_POLL_MS };
}

/** The configuration's defaults (schemas/src/config.ts is their one home). */
export const DEFAULT_TELEGRAM_RETRY_POLICY: TelegramRetryPolicy = telegramRetryPolicy(loadConfig({}));

/** Storage writes after the last call may take this long besides the calls' own deadlines. */
const SENDING_GRACE_MARGIN_MS = 30_000;

/**
 * Whether trying again can help. No answer, a 5xx and a 429 pass; any other refusal (400 chat not found, 401 a
 * revoked token, 403 bot kicked or blocked, 404) is about the target and would be refused again.
 */
export function isTransientTelegramFailure(result: Pick<TelegramSendResult, "ok" | "statusCode">): boolean {
  if (result.ok) return false;
  return result.statusCode === null || result.statusCode === 429 || result.statusCode >= 500;
}

/** The wait before attempt `attempt + 1`: Telegram's retry_after when it gave one, else the policy's backoff. */
export function telegramRetryDelayMs(attempt: number, result: Pick<TelegramSendResult, "retryAfterS">, policy: Pick<TelegramRetryPolicy, "baseMs" | "maxMs">, random = Math.random): number {
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
 *
 * Reads only when there is something to read: after its first pass it knows every send it stored or left waiting,
 * so while none waits it looks every `idlePollMs` (60 s) instead of every `pollMs` (5 s), and with no alerts or
 * digests failing it issues next to no statements (in the embedded default each one would wait with the events
 * inserts for the engine).
 *
 * A lease handover has two workers for a moment: the previous one finishing its call, the new one starting. A send
 * left `sending` is given up as interrupted only once it is older than `sendingGraceMs` (by then the previous
 * worker's calls have ended or it is gone), and a worker about to record its own outcome first checks that the
 * send is still its attempt; if another worker has settled it meanwhile, that outcome stands and this one is only
 * logged. So each send has one final outcome, recorded once, where its owner's history shows it.
 */
export class TelegramOutbox {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Whether a pass has run since start: until then what waits in storage is unknown. */
  private started = false;
  private stopping = false;
  /** Sends this outbox knows to be unsettled (pending, or in flight on another worker) after its last pass. */
  private knownWaiting = 0;
  /** Sends stored by firstAttempt since start: one stored while a pass runs is not in that pass's read. */
  private stored = 0;
  private passedAtMs = Number.NEGATIVE_INFINITY;

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
    this.timer = setInterval(() => void this.timedTick(), this.policy.pollMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** Sends this outbox knows to wait (after its last pass, plus those stored since). */
  get waiting(): number {
    return this.knownWaiting;
  }

  /** The timer's pass: only while a send is known to wait, or the idle interval is up, or none has run yet. */
  private timedTick(): Promise<void> {
    if (this.started && this.knownWaiting === 0 && Date.now() - this.passedAtMs < this.policy.idlePollMs) return Promise.resolve();
    return this.tick();
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
    this.knownWaiting += 1;
    this.stored += 1;
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
    const storedBefore = this.stored;
    let entries: OutboxEntry[];
    try {
      entries = await unsettledOutboxEntries(this.storage, this.kind);
    } catch (error) {
      this.logger.warn("telegram retry queue could not read its sends; tried again at the next poll", { kind: this.kind, error });
      return;
    }
    this.started = true;
    this.passedAtMs = Date.now();
    let left = 0;
    for (const [index, entry] of entries.entries()) {
      // A stop waits for one attempt (one Bot API deadline per call), not for every send due.
      if (this.stopping) {
        left += entries.length - index;
        break;
      }
      try {
        if (entry.state === "sending") {
          // Never this pass's own (its attempts settle within it): another worker's call in flight, or one a
          // stopped process left. Given up once older than any call could still be running.
          if (Date.now() - (entry.writtenMs ?? 0) >= this.sendingGraceMs(entry)) await this.interrupted(entry);
          else left += 1;
          continue;
        }
        if (entry.nextAttemptMs > Date.now()) {
          left += 1;
          continue;
        }
        if (await this.attempt(entry)) left += 1;
      } catch (error) {
        left += 1;
        this.logger.warn("telegram retry failed to record; tried again at the next poll", { kind: this.kind, projectId: entry.projectId, ownerId: entry.ownerId, error });
      }
    }
    // Stored since the read began (an evaluation beside this pass): waiting too, though the read did not see them.
    this.knownWaiting = left + (this.stored - storedBefore);
  }

  private sendingGraceMs(entry: OutboxEntry): number {
    return this.policy.sendingGraceMs ?? Math.max(1, entry.calls.length - entry.done) * this.config.TELEGRAM_TIMEOUT_MS + SENDING_GRACE_MARGIN_MS;
  }

  private async interrupted(entry: OutboxEntry): Promise<void> {
    const error = `not sent again: the process stopped during attempt ${entry.attempts} (at most once)`;
    await writeOutboxEntry(this.storage, { ...entry, state: "failed", lastError: error });
    await this.owner.settle(entry, { state: "failed", statusCode: null, error, durationMs: 0, attempts: [] });
    this.logger.warn("telegram send given up as interrupted", { kind: this.kind, projectId: entry.projectId, ownerId: entry.ownerId, attempts: entry.attempts });
  }

  /**
   * Whether another worker settled the send while this one's call was in flight (it had taken the call for
   * interrupted): then its outcome stands, and this worker records nothing.
   */
  private async settledElsewhere(inFlight: OutboxEntry, outcome: string): Promise<boolean> {
    const current = await currentOutboxEntry(this.storage, inFlight);
    if (current && current.state === "sending" && current.attempts === inFlight.attempts) return false;
    this.logger.warn("telegram send settled by another worker during this attempt; its outcome stands", {
      kind: this.kind,
      projectId: inFlight.projectId,
      ownerId: inFlight.ownerId,
      attempts: inFlight.attempts,
      thisAttempt: outcome,
      recorded: current?.state ?? "gone",
    });
    return true;
  }

  /** One retry of a due send; true when it still waits afterwards. */
  private async attempt(entry: OutboxEntry): Promise<boolean> {
    const target = await this.owner.target(entry);
    if (!target) {
      const error = `not sent: the ${this.kind} was deleted while its send waited`;
      await writeOutboxEntry(this.storage, { ...entry, state: "failed", lastError: error });
      await this.owner.settle(entry, { state: "failed", statusCode: null, error, durationMs: 0, attempts: [] });
      return false;
    }
    // Stopped (the lease went to another worker) since the pass began: that worker takes the send from here.
    if (this.stopping) return true;
    const inFlight: OutboxEntry = { ...entry, state: "sending", attempts: entry.attempts + 1 };
    await writeOutboxEntry(this.storage, inFlight);
    const pass = await sendTelegramCalls(this.config, target, entry.calls, entry.done);
    const durationMs = pass.attempts.reduce((sum, attempt) => sum + attempt.durationMs, 0);
    const last = pass.last;
    if (await this.settledElsewhere(inFlight, pass.outcome)) return false;
    if (pass.outcome === "retry" && last) {
      const next = Date.now() + telegramRetryDelayMs(inFlight.attempts, last, this.policy);
      const waiting: OutboxEntry = { ...inFlight, done: pass.done, state: "pending", nextAttemptMs: next, lastStatus: last.statusCode, lastError: last.error ?? "" };
      if (next <= entry.giveUpMs) {
        await writeOutboxEntry(this.storage, waiting);
        await this.owner.waiting?.(waiting);
        return true;
      }
      const error = describeGiveUp(waiting, last.error ?? "");
      await writeOutboxEntry(this.storage, { ...waiting, state: "failed", lastError: error });
      await this.owner.settle(waiting, { ...settlementOf(pass, durationMs), state: "failed", error });
      this.logger.warn("telegram send given up", { kind: this.kind, projectId: entry.projectId, ownerId: entry.ownerId, error });
      return false;
    }
    const settlement = settlementOf(pass, durationMs);
    const settled: OutboxEntry = { ...inFlight, done: pass.done, state: settlement.state, lastStatus: last?.statusCode ?? null, lastError: settlement.error ?? "" };
    await writeOutboxEntry(this.storage, settled);
    await this.owner.settle(settled, settlement);
    this.logger.info(settlement.state === "sent" ? "telegram send delivered on retry" : "telegram send refused on retry", { kind: this.kind, projectId: entry.projectId, ownerId: entry.ownerId, attempts: inFlight.attempts, error: settlement.error ?? undefined });
    return false;
  }
}

function settlementOf(pass: CallsOutcome, durationMs: number): OutboxSettlement {
  const last = pass.attempts[pass.attempts.length - 1];
  if (pass.outcome === "sent") return { state: "sent", statusCode: last?.statusCode ?? 200, error: null, durationMs, attempts: pass.attempts };
  return { state: "failed", statusCode: pass.last?.statusCode ?? null, error: pass.last?.error ?? null, durationMs, attempts: pass.attempts };
}
