import type { Config, ExplorerEvent } from "@chatfunnel/schemas";
import type { Logger, Storage } from "@chatfunnel/core";
import {
  disableWebhook,
  failureStreaks,
  liveWebhooks,
  outboxDeliveries,
  outboxSince,
  recordAttempts,
  unfinishedDeliveries,
  type AttemptRecord,
  type WebhookAttemptState,
  type WebhookRecord,
} from "@chatfunnel/warehouse";
import { sendDelivery, type SendResult } from "./send-delivery.js";

export type WebhookSchedulerConfig = Pick<
  Config,
  | "WEBHOOK_ALLOW_PRIVATE"
  | "WEBHOOK_TIMEOUT_MS"
  | "WEBHOOK_RETRY_BASE_MS"
  | "WEBHOOK_RETRY_MAX_MS"
  | "WEBHOOK_RETRY_FOR_MS"
  | "WEBHOOK_DISABLE_AFTER_FAILURES"
  | "WEBHOOK_POLL_MS"
  | "WEBHOOK_SWEEP_MS"
  | "WEBHOOK_CONCURRENCY"
  | "WEBHOOK_MAX_QUEUED"
>;

export interface WebhookSchedulerHooks {
  /** Every attempt, with the state it left its delivery in. */
  onAttempt?: (state: WebhookAttemptState, durationMs: number) => void;
  /** A delivery answered 2xx: from its event stored (the outbox row's enqueue time) to the answer. */
  onDelivered?: (sinceStoredMs: number) => void;
}

/** A delivery the scheduler holds: the event is dropped after a failed attempt and read again when due. */
interface Pending {
  deliveryId: string;
  webhookId: string;
  projectId: string;
  enqueuedAtMs: number;
  attempts: number;
  nextAtMs: number;
  event: ExplorerEvent | undefined;
  sending: boolean;
}

/**
 * Rows become visible a little after their enqueue time (the view's now64() runs before its part is
 * written), so each poll re-reads this much before the newest row it saw; what it already holds is skipped.
 */
const POLL_OVERLAP_MS = 5_000;
/** The live webhooks (url, secret, types) are re-read this often: a delete or a new one applies within it. */
const WEBHOOK_REFRESH_MS = 1_000;
/** Deliveries read per poll; more wait for the next poll, which comes at once. */
const POLL_BATCH = 5_000;
/** Attempt rows kept for the next flush while storage refuses them: past this the oldest are dropped (and re-sent after a restart). */
const MAX_UNRECORDED = 50_000;

/** Exponential backoff with "equal jitter": half the capped delay fixed, half random, so retries of one outage spread out. */
export function retryDelayMs(attempt: number, config: Pick<Config, "WEBHOOK_RETRY_BASE_MS" | "WEBHOOK_RETRY_MAX_MS">, random: () => number = Math.random): number {
  const capped = Math.min(config.WEBHOOK_RETRY_MAX_MS, config.WEBHOOK_RETRY_BASE_MS * 2 ** Math.min(attempt - 1, 40));
  return Math.round(capped / 2 + (capped / 2) * random());
}

function humanDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * Delivers the outbox (warehouse/src/webhook-store.ts): polls newly stored deliveries every
 * WEBHOOK_POLL_MS, POSTs each signed with its webhook's secret (at most WEBHOOK_CONCURRENCY per webhook in
 * flight, each bounded by WEBHOOK_TIMEOUT_MS), records every attempt, retries non-2xx answers and silence
 * with capped exponential backoff until WEBHOOK_RETRY_FOR_MS after the event was stored, and disables a
 * webhook after WEBHOOK_DISABLE_AFTER_FAILURES deliveries in a row were given up.
 *
 * Memory is a cache of storage: at start, and every WEBHOOK_SWEEP_MS, every unfinished delivery is read
 * back from the outbox and the attempt log, so a restart resumes where the last attempt left each one,
 * and deliveries beyond WEBHOOK_MAX_QUEUED wait in storage. At least once: an attempt whose row was not
 * yet recorded when the process died is made again (the receiver dedups on deliveryId or event.id).
 */
export class WebhookScheduler {
  private readonly queue = new Map<string, Pending>();
  /** Finished here lately: a poll's overlap can return them before their attempt row is stored. */
  private readonly finished = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly sends = new Set<Promise<void>>();
  private webhooks = new Map<string, WebhookRecord>();
  private streaks = new Map<string, number>();
  private unrecorded: AttemptRecord[] = [];
  private watermarkMs = 0;
  private webhooksReadAtMs = Number.NEGATIVE_INFINITY;
  private sweptAtMs = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private running = false;
  private disabling = new Set<string>();

  constructor(
    private readonly storage: Storage,
    private readonly config: WebhookSchedulerConfig,
    private readonly logger: Logger,
    private readonly hooks: WebhookSchedulerHooks = {},
  ) {}

  /** Deliveries held in memory (queued or in flight). */
  get queued(): number {
    return this.queue.size;
  }

  get active(): boolean {
    return this.running;
  }

  /** Starts delivering: reads back what a previous run left unfinished, then polls. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.watermarkMs = (await this.engineNowMs()) - POLL_OVERLAP_MS;
    this.sweptAtMs = Number.NEGATIVE_INFINITY;
    this.webhooksReadAtMs = Number.NEGATIVE_INFINITY;
    this.streaks = await failureStreaks(this.storage, Date.now() - 30 * 86_400_000, this.config.WEBHOOK_DISABLE_AFTER_FAILURES);
    this.schedule(0);
  }

  /**
   * Stops taking new work, lets the requests in flight finish (each within WEBHOOK_TIMEOUT_MS) and
   * records their attempts. A standby worker pauses this way; start() resumes from storage.
   */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.allSettled([...this.sends]);
    await this.flushAttempts();
    this.queue.clear();
    this.finished.clear();
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((error: unknown) => this.logger.warn("webhook scheduler tick failed; retrying", { error }))
        .finally(() => {
          this.ticking = undefined;
          this.schedule(this.config.WEBHOOK_POLL_MS);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async engineNowMs(): Promise<number> {
    const result = await this.storage.client.query({ query: "SELECT toUnixTimestamp64Milli(now64(3)) AS now", format: "JSONEachRow", clickhouse_settings: this.storage.querySettings });
    const [row] = await result.json<{ now: number | string }>();
    return Number(row?.now ?? Date.now());
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    if (now - this.webhooksReadAtMs >= WEBHOOK_REFRESH_MS) {
      this.webhooks = new Map((await liveWebhooks(this.storage)).map((webhook) => [webhook.id, webhook]));
      this.webhooksReadAtMs = now;
    }
    for (const [id, at] of this.finished) if (now - at > POLL_OVERLAP_MS * 4) this.finished.delete(id);
    if (this.webhooks.size > 0 || this.queue.size > 0) {
      if (now - this.sweptAtMs >= this.config.WEBHOOK_SWEEP_MS) await this.sweep(now);
      await this.poll(now);
      await this.launchDue();
    }
    await this.flushAttempts();
  }

  /** Newly stored deliveries. */
  private async poll(now: number): Promise<void> {
    const room = this.config.WEBHOOK_MAX_QUEUED - this.queue.size;
    if (room <= 0) return;
    const rows = await outboxSince(this.storage, this.watermarkMs - POLL_OVERLAP_MS, now - 2 * this.config.WEBHOOK_RETRY_FOR_MS, Math.min(room, POLL_BATCH));
    for (const row of rows) {
      this.watermarkMs = Math.max(this.watermarkMs, row.enqueuedAtMs);
      if (this.queue.has(row.deliveryId) || this.finished.has(row.deliveryId)) continue;
      this.queue.set(row.deliveryId, { ...row, attempts: 0, nextAtMs: now, sending: false });
    }
  }

  /** Every unfinished delivery in storage: what a restart resumes, and what a poll missed or had no room for. */
  private async sweep(now: number): Promise<void> {
    this.sweptAtMs = now;
    const room = this.config.WEBHOOK_MAX_QUEUED - this.queue.size;
    if (room <= 0) return;
    const rows = await unfinishedDeliveries(this.storage, now - 2 * this.config.WEBHOOK_RETRY_FOR_MS, room);
    let resumed = 0;
    for (const row of rows) {
      if (this.queue.has(row.deliveryId) || this.finished.has(row.deliveryId) || !this.webhooks.has(row.webhookId)) continue;
      this.queue.set(row.deliveryId, { ...row, nextAtMs: row.nextAttemptAtMs, event: undefined, sending: false });
      resumed += 1;
    }
    if (resumed > 0) this.logger.info("webhook deliveries resumed from storage", { deliveries: resumed });
  }

  private async launchDue(): Promise<void> {
    const now = Date.now();
    const due: Pending[] = [];
    for (const pending of this.queue.values()) {
      if (pending.sending || pending.nextAtMs > now) continue;
      if (!this.webhooks.has(pending.webhookId)) {
        // Deleted or disabled: its deliveries stay unfinished in storage and are not sent.
        this.queue.delete(pending.deliveryId);
        continue;
      }
      due.push(pending);
    }
    due.sort((a, b) => a.nextAtMs - b.nextAtMs);
    const launch: Pending[] = [];
    const slots = new Map<string, number>();
    for (const pending of due) {
      const used = (this.inFlight.get(pending.webhookId) ?? 0) + (slots.get(pending.webhookId) ?? 0);
      if (used >= this.config.WEBHOOK_CONCURRENCY) continue;
      slots.set(pending.webhookId, (slots.get(pending.webhookId) ?? 0) + 1);
      launch.push(pending);
    }
    const missing = launch.filter((pending) => pending.event === undefined).map((pending) => pending.deliveryId);
    if (missing.length > 0) {
      for (const row of await outboxDeliveries(this.storage, missing)) {
        const pending = this.queue.get(row.deliveryId);
        if (pending) pending.event = row.event;
      }
    }
    for (const pending of launch) {
      if (pending.event === undefined) {
        // Its outbox row is gone (past the log's TTL): nothing left to send.
        this.queue.delete(pending.deliveryId);
        continue;
      }
      this.launch(pending, pending.event);
    }
  }

  private launch(pending: Pending, event: ExplorerEvent): void {
    const webhook = this.webhooks.get(pending.webhookId);
    if (!webhook) return;
    pending.sending = true;
    this.inFlight.set(webhook.id, (this.inFlight.get(webhook.id) ?? 0) + 1);
    const attempt = pending.attempts + 1;
    const send = sendDelivery({
      url: webhook.url,
      secret: webhook.secret,
      payload: { deliveryId: pending.deliveryId, event },
      attempt,
      timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
      allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE,
    })
      .then((result) => this.settle(pending, webhook, event, attempt, result))
      .catch((error: unknown) => this.logger.error("webhook delivery bookkeeping failed", { error, deliveryId: pending.deliveryId }))
      .finally(() => {
        pending.sending = false;
        this.inFlight.set(webhook.id, (this.inFlight.get(webhook.id) ?? 1) - 1);
        this.sends.delete(send);
      });
    this.sends.add(send);
  }

  private settle(pending: Pending, webhook: WebhookRecord, event: ExplorerEvent, attempt: number, result: SendResult): void {
    const at = Date.now();
    let state: WebhookAttemptState;
    let nextAtMs = 0;
    if (result.ok) {
      state = "delivered";
      this.streaks.set(webhook.id, 0);
      this.hooks.onDelivered?.(at - pending.enqueuedAtMs);
    } else {
      const delay = retryDelayMs(attempt, this.config);
      // Retried while the next try still falls within the window after the event was stored; each delivery is tried at least once.
      if (at + delay - pending.enqueuedAtMs <= this.config.WEBHOOK_RETRY_FOR_MS) {
        state = "retrying";
        nextAtMs = at + delay;
      } else state = "failed";
    }
    this.hooks.onAttempt?.(state, result.durationMs);
    this.unrecorded.push({
      projectId: pending.projectId,
      webhookId: webhook.id,
      deliveryId: pending.deliveryId,
      eventId: event.id,
      eventType: event.type,
      enqueuedAtMs: pending.enqueuedAtMs,
      attempt,
      atMs: at,
      state,
      statusCode: result.statusCode ?? 0,
      error: result.error ?? "",
      durationMs: result.durationMs,
      nextAttemptAtMs: nextAtMs,
    });
    if (state === "retrying") {
      pending.attempts = attempt;
      pending.nextAtMs = nextAtMs;
      pending.event = undefined;
      return;
    }
    this.queue.delete(pending.deliveryId);
    this.finished.set(pending.deliveryId, at);
    if (state === "failed") {
      const streak = (this.streaks.get(webhook.id) ?? 0) + 1;
      this.streaks.set(webhook.id, streak);
      this.logger.warn("webhook delivery given up", { webhookId: webhook.id, deliveryId: pending.deliveryId, attempts: attempt, error: result.error, streak });
      if (streak >= this.config.WEBHOOK_DISABLE_AFTER_FAILURES) this.disable(webhook, streak, result);
    }
  }

  private disable(webhook: WebhookRecord, streak: number, last: SendResult): void {
    if (this.disabling.has(webhook.id)) return;
    this.disabling.add(webhook.id);
    const reason = `${streak} deliveries in a row got no 2xx answer for ${humanDuration(this.config.WEBHOOK_RETRY_FOR_MS)}; last: ${last.error ?? "no answer"}`;
    this.webhooks.delete(webhook.id);
    const disabling = disableWebhook(this.storage, webhook.projectId, webhook.id, reason)
      .then(() => this.logger.warn("webhook disabled", { webhookId: webhook.id, projectId: webhook.projectId, reason }))
      .catch((error: unknown) => this.logger.error("disabling a webhook failed", { error, webhookId: webhook.id }))
      .finally(() => {
        this.disabling.delete(webhook.id);
        this.sends.delete(disabling);
      });
    this.sends.add(disabling);
  }

  private async flushAttempts(): Promise<void> {
    if (this.unrecorded.length === 0) return;
    const rows = this.unrecorded;
    this.unrecorded = [];
    try {
      await recordAttempts(this.storage, rows);
    } catch (error) {
      this.unrecorded = [...rows, ...this.unrecorded].slice(-MAX_UNRECORDED);
      this.logger.warn("recording webhook attempts failed; retrying with the next tick", { error, attempts: rows.length });
    }
  }
}
