import type { Config, ExplorerEvent } from "@chatfunnel/schemas";
import type { Logger, Storage } from "@chatfunnel/core";
import {
  disableWebhook,
  failureStreaks,
  liveWebhooks,
  outboxDeliveries,
  outboxSince,
  newestOutboxEnqueueMs,
  recordAttempts,
  rederiveOutbox,
  unfinishedDeliveries,
  type AttemptRecord,
  type RederiveWindow,
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
  | "WEBHOOK_IDLE_POLL_MS"
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
/**
 * The live webhooks (url, secret, types) are re-read this often: a delete or a new one applies within it.
 * Every statement counts: chDB runs one at a time per process, so in the embedded default each of the
 * scheduler's reads and writes makes the next events insert wait for it.
 */
const WEBHOOK_REFRESH_MS = 2_000;
/** Attempt rows are written at most this often (and at stop): one small insert per interval, whatever the rate. */
const ATTEMPT_FLUSH_MS = 2_000;
/**
 * Deliveries read per page of a poll, and events read back per tick: their ids travel as a query
 * parameter, which a ClickHouse server takes in the URL, so pages stay well under its 1 MiB limit.
 */
const POLL_BATCH = 1_000;
/**
 * The outbox is written through a Buffer (migration 26), which a crash (or a ClickHouse server restart) empties:
 * each start and sweep re-derives the deliveries of events stored since the last look. From this long before the
 * outbox's newest row at start (the Buffer's flush lag, and part times in whole seconds, are far less)...
 */
const REDERIVE_MARGIN_MS = 60_000;
/**
 * ...and, in a sweep, up to this long ago: an insert running now has its outbox rows in the Buffer by then, so the
 * check does not race it. The next sweep starts where this one ended (less the margin): no part is skipped.
 */
const REDERIVE_SETTLE_MS = 30_000;
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
 * yet recorded when the process died is made again (the receiver dedups on deliveryId or event.id), and
 * outbox rows still in the outbox's Buffer then are written again from the stored events (rederiveOutbox).
 */
export class WebhookScheduler {
  private readonly queue = new Map<string, Pending>();
  /** Finished here lately: a poll's overlap can return them before their attempt row is stored. */
  private readonly finished = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly sends = new Set<Promise<void>>();
  /** Per webhook, due deliveries with their event, oldest first: what a finished request starts next. */
  private readonly ready = new Map<string, Pending[]>();
  private webhooks = new Map<string, WebhookRecord>();
  private streaks = new Map<string, number>();
  private unrecorded: AttemptRecord[] = [];
  private watermarkMs = 0;
  private webhooksReadAtMs = Number.NEGATIVE_INFINITY;
  private sweptAtMs = Number.NEGATIVE_INFINITY;
  /** The engine's time up to which events parts were checked for deliveries the outbox lacks. */
  private rederivedToMs = 0;
  private flushedAtMs = Number.NEGATIVE_INFINITY;
  /** The queue was full when a poll found more: the next tick sweeps storage for what it left there. */
  private overflowed = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private running = false;
  private initialized = false;
  private disabling = new Set<string>();
  /**
   * Set by wakeOnStored(): this process's own writer reports every events insert, so polls run only after one
   * stored an event some live webhook takes (and every WEBHOOK_IDLE_POLL_MS as a safety net); without it (the
   * distributed worker, whose consumers are other processes) the outbox is polled every WEBHOOK_POLL_MS.
   */
  private wakeable = false;
  /** An insert since the last poll stored events a live webhook takes (or a webhook appeared): poll next tick. */
  private woken = false;
  private polledAtMs = Number.NEGATIVE_INFINITY;

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

  /**
   * Starts delivering: the first tick reads where the outbox stands and the failure streaks, then sweeps
   * what a previous run left unfinished and polls. Storage failing then is retried every poll, like any
   * tick, so a start (or a worker taking the lease) never fails on it.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.initialized = false;
    this.sweptAtMs = Number.NEGATIVE_INFINITY;
    this.webhooksReadAtMs = Number.NEGATIVE_INFINITY;
    // A start resumes from storage: the first poll reads from where the outbox stands, whatever woke it.
    this.woken = true;
    this.schedule(0);
  }

  /**
   * Turns polling over to wakes: from now on the caller reports each events insert of this process with
   * eventsStored(), and the outbox is read only after one that a live webhook takes (at most every
   * WEBHOOK_POLL_MS), plus every WEBHOOK_IDLE_POLL_MS. In the embedded default every event is written by the
   * one in-process writer, so while no lead comes in the scheduler issues no outbox reads at all.
   */
  wakeOnStored(): void {
    this.wakeable = true;
  }

  /**
   * An insert of `types` for `projectId` was stored (its view has written the outbox rows by then). Cheap on
   * purpose (called per ingest request): a lookup in the cached live webhooks, no statement.
   */
  eventsStored(projectId: string, types: Iterable<string>): void {
    if (this.woken || !this.running) return;
    for (const webhook of this.webhooks.values()) {
      if (webhook.projectId !== projectId) continue;
      for (const type of types) {
        if (webhook.events.includes(type)) {
          this.woken = true;
          return;
        }
      }
    }
  }

  private async initialize(): Promise<void> {
    const engineNow = await this.engineNowMs();
    this.watermarkMs = engineNow - POLL_OVERLAP_MS;
    this.streaks = await failureStreaks(this.storage, Date.now() - 30 * 86_400_000, this.config.WEBHOOK_DISABLE_AFTER_FAILURES);
    // What the Buffer held when the last process died: every events part written since the outbox's newest row
    // (up to now: at start nothing else is likely inserting, and a race only writes a delivery twice).
    const newest = await newestOutboxEnqueueMs(this.storage);
    const oldestKept = engineNow - 2 * this.config.WEBHOOK_RETRY_FOR_MS;
    await this.rederive({ modifiedFromMs: Math.max(newest - REDERIVE_MARGIN_MS, oldestKept), modifiedToMs: engineNow + 1_000, receivedSinceMs: oldestKept });
    this.initialized = true;
  }

  /** Writes the outbox rows the window's stored events lack (rederiveOutbox); they are polled as new deliveries. */
  private async rederive(window: RederiveWindow): Promise<void> {
    const written = await rederiveOutbox(this.storage, window);
    this.rederivedToMs = window.modifiedToMs;
    if (written > 0) this.logger.warn("webhook deliveries re-derived from stored events (their outbox rows were lost from its buffer)", { deliveries: written });
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
    this.ready.clear();
    this.finished.clear();
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      const startedAt = Date.now();
      this.ticking = this.tick()
        .catch((error: unknown) => this.logger.warn("webhook scheduler tick failed; retrying", { error }))
        .finally(() => {
          this.ticking = undefined;
          // At most one tick per WEBHOOK_POLL_MS, counted from this one's start: on a busy engine a slow tick does not
          // add its own duration to the next lead's wait.
          this.schedule(Math.max(0, this.config.WEBHOOK_POLL_MS - (Date.now() - startedAt)));
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
    if (!this.initialized) await this.initialize();
    const now = Date.now();
    if (now - this.webhooksReadAtMs >= WEBHOOK_REFRESH_MS) {
      const previous = this.webhooks;
      this.webhooks = new Map((await liveWebhooks(this.storage)).map((webhook) => [webhook.id, webhook]));
      this.webhooksReadAtMs = now;
      // A webhook new to this process: its first events may have been stored before it was known here (no wake).
      for (const id of this.webhooks.keys()) if (!previous.has(id)) this.woken = true;
    }
    for (const [id, at] of this.finished) if (now - at > POLL_OVERLAP_MS * 4) this.finished.delete(id);
    if (this.webhooks.size > 0 || this.queue.size > 0) {
      if (now - this.sweptAtMs >= this.config.WEBHOOK_SWEEP_MS || (this.overflowed && this.queue.size < this.config.WEBHOOK_MAX_QUEUED / 2)) await this.sweep(now);
      // Woken by a stored event a webhook takes, paging on after an overflow, or the safety interval is up;
      // without wakes, every tick.
      const due = !this.wakeable || this.woken || this.overflowed || now - this.polledAtMs >= this.config.WEBHOOK_IDLE_POLL_MS;
      if (due) {
        // Cleared before the read, so a wake during it is kept for the next tick; a failed read is tried again.
        this.woken = false;
        try {
          await this.poll(now);
        } catch (error) {
          this.woken = true;
          throw error;
        }
        this.polledAtMs = now;
      }
      await this.launchDue();
    }
    if (now - this.flushedAtMs >= ATTEMPT_FLUSH_MS) await this.flushAttempts();
  }

  /**
   * Newly stored deliveries: pages from POLL_OVERLAP_MS before the newest row seen (rows of an insert
   * still being written show up late with an earlier enqueue time) to the end, skipping what it holds.
   * The finished-lately set spares a row whose attempt is not recorded yet; the store's anti-join, a
   * delivery finished before (a resent event) or by another process.
   */
  private async poll(now: number): Promise<void> {
    let cursor = { atMs: this.watermarkMs - POLL_OVERLAP_MS, deliveryId: "" };
    for (;;) {
      const room = this.config.WEBHOOK_MAX_QUEUED - this.queue.size;
      if (room <= 0) {
        // What is left behind waits in storage for the sweep, which runs once the queue has room again.
        this.overflowed = true;
        return;
      }
      const limit = Math.min(room, POLL_BATCH);
      const refs = await outboxSince(this.storage, cursor, limit);
      const fresh = refs.filter((ref) => !this.queue.has(ref.deliveryId) && !this.finished.has(ref.deliveryId)).map((ref) => ref.deliveryId);
      // Finished since whichever is earlier: the oldest row this page can hold (its attempts came after it), or
      // the retry window twice over (a resent event's earlier delivery). Every ref is at or after the page's
      // start, so the events are read from there (the enqueue-ordered projection, a granule or two).
      const found = await outboxDeliveries(this.storage, fresh, {
        unfinishedSinceMs: Math.min(cursor.atMs, now - 2 * this.config.WEBHOOK_RETRY_FOR_MS),
        storedSinceMs: cursor.atMs,
      });
      for (const row of found) this.queue.set(row.deliveryId, { ...row, attempts: 0, nextAtMs: now, sending: false });
      // Not found: finished already (a resent event); remembered, so the overlap of the next polls skips it.
      const taken = new Set(found.map((row) => row.deliveryId));
      for (const id of fresh) if (!taken.has(id)) this.finished.set(id, now);
      for (const ref of refs) this.watermarkMs = Math.max(this.watermarkMs, ref.enqueuedAtMs);
      const last = refs[refs.length - 1];
      if (refs.length < limit || !last) return;
      cursor = { atMs: last.enqueuedAtMs, deliveryId: last.deliveryId };
    }
  }

  /** Every unfinished delivery in storage: what a restart resumes, and what a poll missed or had no room for. */
  private async sweep(now: number): Promise<void> {
    this.sweptAtMs = now;
    this.overflowed = false;
    // A ClickHouse server that restarted (distributed mode) lost its Buffer too, with no restart here.
    const engineNow = await this.engineNowMs();
    const settled = engineNow - REDERIVE_SETTLE_MS;
    if (settled > this.rederivedToMs) {
      await this.rederive({ modifiedFromMs: this.rederivedToMs - REDERIVE_MARGIN_MS, modifiedToMs: settled, receivedSinceMs: engineNow - 2 * this.config.WEBHOOK_RETRY_FOR_MS });
    }
    const room = this.config.WEBHOOK_MAX_QUEUED - this.queue.size;
    if (room <= 0) return;
    const rows = await unfinishedDeliveries(this.storage, now - 2 * this.config.WEBHOOK_RETRY_FOR_MS, room);
    if (rows.length >= room) this.overflowed = true;
    let resumed = 0;
    for (const row of rows) {
      if (this.queue.has(row.deliveryId) || this.finished.has(row.deliveryId) || !this.webhooks.has(row.webhookId)) continue;
      this.queue.set(row.deliveryId, { ...row, nextAtMs: row.nextAttemptAtMs, event: undefined, sending: false });
      resumed += 1;
    }
    if (resumed > 0) this.logger.info("webhook deliveries resumed from storage", { deliveries: resumed });
  }

  /**
   * Lines up every due delivery per webhook (reading back the events of retries), then starts as many as
   * each webhook's concurrency allows. A finished request starts the next one of its webhook at once
   * (pump), so a webhook's rate is bounded by its receiver, not by the poll interval.
   */
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
    // Events are read back only for what can start soon: a backlog of retries is not read whole each tick.
    const loadable = due.filter((pending) => pending.event === undefined).slice(0, POLL_BATCH);
    if (loadable.length > 0) {
      for (const row of await outboxDeliveries(this.storage, loadable.map((pending) => pending.deliveryId))) {
        const pending = this.queue.get(row.deliveryId);
        if (pending) pending.event = row.event;
      }
      for (const pending of loadable) {
        // Its outbox row is gone (past the log's TTL): nothing left to send.
        if (pending.event === undefined) this.queue.delete(pending.deliveryId);
      }
    }
    this.ready.clear();
    for (const pending of due) {
      if (pending.event === undefined) continue;
      const line = this.ready.get(pending.webhookId);
      if (line) line.push(pending);
      else this.ready.set(pending.webhookId, [pending]);
    }
    for (const webhookId of this.ready.keys()) this.pump(webhookId);
  }

  private pump(webhookId: string): void {
    const line = this.ready.get(webhookId);
    if (!line || !this.running) return;
    while (line.length > 0 && (this.inFlight.get(webhookId) ?? 0) < this.config.WEBHOOK_CONCURRENCY) {
      const pending = line.shift()!;
      if (pending.sending || pending.event === undefined || this.queue.get(pending.deliveryId) !== pending) continue;
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
        this.pump(webhook.id);
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
    this.flushedAtMs = Date.now();
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
