import { backoffDelayMs } from "./backoff.js";
import { materialize, splitBatch, takeBatch, type Batch, type PendingEvent } from "./batch.js";
import { RingQueue } from "./queue.js";
import { postBatch } from "./transport.js";
import type {
  Channel,
  ChatfunnelOptions,
  ChatfunnelStats,
  DropReason,
  FetchLike,
  FlushResult,
  QueuedEvent,
  RejectedEvent,
  TrackInput,
} from "./types.js";
import { createUuidGenerator } from "./uuid.js";
import { cheapInvalidReason } from "./validate.js";

/** The collector's limits (DESIGN.md, ingest contract): the SDK never builds a batch above them. */
export const MAX_BATCH_EVENTS = 1000;
export const MAX_BATCH_BYTES = 1024 * 1024;

export const DEFAULTS = {
  maxBatchEvents: 500,
  maxBatchBytes: MAX_BATCH_BYTES,
  flushIntervalMs: 1000,
  maxQueueSize: 10_000,
  overflow: "drop-oldest",
  maxRetries: 10,
  retryBaseDelayMs: 200,
  retryMaxDelayMs: 30_000,
  requestTimeoutMs: 10_000,
  concurrency: 2,
  shutdownTimeoutMs: 10_000,
} as const;

type Timer = ReturnType<typeof setTimeout>;

/** Node keeps a process alive for a pending timer; the SDK's own timers must not. */
function unref(timer: Timer): Timer {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

function clamp(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/**
 * The client core: a bounded queue, batches by count/bytes/interval, retries with backoff.
 * Runtime-neutral: only fetch, setTimeout and crypto from globalThis.
 */
export class ChatfunnelClient {
  protected readonly defaultChannel: Channel | undefined;
  protected readonly defaultBotId: string | undefined;
  private readonly url: string;
  private readonly writeKey: string;
  private readonly fetchFn: FetchLike;
  private readonly uuid = createUuidGenerator();
  private readonly queue: RingQueue<PendingEvent>;
  private readonly settings: {
    maxBatchEvents: number;
    maxBatchBytes: number;
    flushIntervalMs: number;
    overflow: "drop-oldest" | "drop-newest";
    maxRetries: number;
    retryBaseDelayMs: number;
    retryMaxDelayMs: number;
    requestTimeoutMs: number;
    concurrency: number;
  };
  private readonly callbacks: Pick<ChatfunnelOptions, "onDrop" | "onRejected" | "onError">;
  /** Event types already validated: most bots use a handful, so the regex runs once per type. */
  private readonly knownTypes = new Set<string>();

  private inFlightBatches = 0;
  private inFlightEvents = 0;
  private pumpScheduled = false;
  private timer: Timer | undefined;
  private flushing = 0;
  private closed = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private capacityWaiters: { below: number; resolve: () => void }[] = [];
  /** Backoff waits in progress, each with its timer, so flush() can keep the process alive for them. */
  private sleepers = new Map<() => void, Timer>();
  private flushCollectors = new Set<FlushResult>();
  private readonly counters = { tracked: 0, accepted: 0, rejected: 0, dropped: 0, retries: 0, requests: 0 };

  constructor(options: ChatfunnelOptions) {
    if (typeof options.writeKey !== "string" || options.writeKey === "") throw new TypeError("Chatfunnel: writeKey is required");
    if (typeof options.endpoint !== "string" || !/^https?:\/\//.test(options.endpoint)) {
      throw new TypeError("Chatfunnel: endpoint must be an http(s) URL such as https://chatfunnel.example.com");
    }
    const fetchFn = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (!fetchFn) throw new TypeError("Chatfunnel: this runtime has no fetch; pass options.fetch");
    this.fetchFn = fetchFn;
    this.writeKey = options.writeKey;
    const base = options.endpoint.replace(/\/+$/, "");
    this.url = base.endsWith("/v1/events") ? base : `${base}/v1/events`;
    this.defaultChannel = options.channel;
    this.defaultBotId = options.botId;
    this.settings = {
      maxBatchEvents: clamp(options.maxBatchEvents, DEFAULTS.maxBatchEvents, 1, MAX_BATCH_EVENTS),
      maxBatchBytes: clamp(options.maxBatchBytes, DEFAULTS.maxBatchBytes, 1024, MAX_BATCH_BYTES),
      flushIntervalMs: clamp(options.flushIntervalMs, DEFAULTS.flushIntervalMs, 0, 24 * 3600_000),
      overflow: options.overflow === "drop-newest" ? "drop-newest" : DEFAULTS.overflow,
      maxRetries: clamp(options.maxRetries, DEFAULTS.maxRetries, 0, 1000),
      retryBaseDelayMs: clamp(options.retryBaseDelayMs, DEFAULTS.retryBaseDelayMs, 1, 3600_000),
      retryMaxDelayMs: clamp(options.retryMaxDelayMs, DEFAULTS.retryMaxDelayMs, 1, 3600_000),
      requestTimeoutMs: clamp(options.requestTimeoutMs, DEFAULTS.requestTimeoutMs, 1, 3600_000),
      concurrency: clamp(options.concurrency, DEFAULTS.concurrency, 1, 64),
    };
    this.queue = new RingQueue(clamp(options.maxQueueSize, DEFAULTS.maxQueueSize, 1, 100_000_000));
    this.callbacks = { onDrop: options.onDrop, onRejected: options.onRejected, onError: options.onError };
  }

  /**
   * Queues one event and returns its id, or null when it was dropped (invalid, queue full
   * under 'drop-newest', or after shutdown; onDrop says which). Never throws and never waits:
   * serialization and sizing happen later, per batch.
   */
  track(input: TrackInput): string | null {
    return this.enqueue(input.type, input);
  }

  /** track() with the type given apart, so helpers need not copy the caller's object. */
  protected enqueue(type: string, input: Omit<TrackInput, "type">): string | null {
    const timestamp = input.timestamp;
    const event: PendingEvent = {
      id: input.id ?? this.uuid(),
      type,
      channel: (input.channel ?? this.defaultChannel) as Channel,
      botId: (input.botId ?? this.defaultBotId) as string,
      userId: input.userId,
      // JSON.stringify skips undefined fields, so every event keeps one shape (one hidden class).
      sessionId: input.sessionId,
      broadcastId: input.broadcastId,
      timestamp: timestamp === undefined ? Date.now() : typeof timestamp === "string" ? timestamp : timestamp.getTime(),
      source: input.source,
      revenue: input.revenue,
      currency: input.currency,
      properties: input.properties,
    };
    this.counters.tracked++;
    if (this.closed) {
      this.drop([event], "shutdown", "track() after shutdown()");
      return null;
    }
    const invalid = cheapInvalidReason(event, this.knownTypes);
    if (invalid !== undefined) {
      this.drop([event], "invalid", invalid);
      return null;
    }
    if (this.queue.full) {
      if (this.settings.overflow === "drop-newest") {
        this.drop([event], "overflow", `queue is full (${this.queue.capacity} events)`);
        return null;
      }
      this.drop([this.queue.shift()!], "overflow", `queue is full (${this.queue.capacity} events)`);
    }
    this.queue.push(event);
    if (this.queue.length >= this.settings.maxBatchEvents) this.schedulePump();
    else if (this.timer === undefined) this.armTimer();
    return event.id;
  }

  /** Sends everything queued now and resolves once it is delivered, rejected or dropped. */
  async flush(): Promise<FlushResult> {
    const result: FlushResult = { accepted: 0, rejected: [], dropped: 0 };
    this.flushCollectors.add(result);
    this.flushing++;
    // Someone awaits delivery now: backoff timers must keep the process alive until it is done.
    for (const timer of this.sleepers.values()) (timer as { ref?: () => void }).ref?.();
    try {
      this.pump(true);
      await this.idle();
    } finally {
      this.flushing--;
      this.flushCollectors.delete(result);
    }
    return result;
  }

  /**
   * Stops taking events and delivers everything queued, waiting at most `timeoutMs`
   * (default 10 s). What is still undelivered at the deadline is reported to onDrop as 'shutdown'.
   */
  async shutdown(timeoutMs: number = DEFAULTS.shutdownTimeoutMs): Promise<FlushResult> {
    this.closed = true;
    const result: FlushResult = { accepted: 0, rejected: [], dropped: 0 };
    this.flushCollectors.add(result);
    let deadline: Timer | undefined;
    try {
      // Not unref'd: the caller awaits this deadline, so it must hold the process open.
      const timedOut = new Promise<"timeout">((resolve) => {
        deadline = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const outcome = await Promise.race([this.flush().then(() => "done" as const), timedOut]);
      if (outcome === "timeout") {
        // Batches waiting to retry give up now and report themselves as 'shutdown'.
        this.stopped = true;
        for (const wake of [...this.sleepers.keys()]) wake();
        const left = this.queue.drain();
        if (left.length > 0) this.drop(left, "shutdown", `not delivered within the shutdown deadline (${timeoutMs} ms)`);
      }
    } finally {
      if (deadline !== undefined) clearTimeout(deadline);
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.flushCollectors.delete(result);
    }
    return result;
  }

  /** Resolves once fewer than `maxQueued` events wait: backpressure for bulk senders. */
  whenQueueBelow(maxQueued: number): Promise<void> {
    if (this.queue.length < maxQueued) return Promise.resolve();
    this.schedulePump();
    return new Promise((resolve) => this.capacityWaiters.push({ below: maxQueued, resolve }));
  }

  stats(): ChatfunnelStats {
    return { queued: this.queue.length, inFlight: this.inFlightEvents, ...this.counters };
  }

  /** Reports an error to onError without ever throwing into the caller. */
  protected reportError(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    try {
      this.callbacks.onError?.(err);
    } catch {
      // A throwing callback must not stop delivery.
    }
  }

  private drop(pending: PendingEvent[], reason: DropReason, detail: string): void {
    if (pending.length === 0) return;
    const events = pending.map(materialize);
    this.counters.dropped += events.length;
    for (const collector of this.flushCollectors) collector.dropped += events.length;
    try {
      this.callbacks.onDrop?.(events, reason, detail);
    } catch (error) {
      this.reportError(error);
    }
  }

  private armTimer(): void {
    this.timer = unref(
      setTimeout(() => {
        this.timer = undefined;
        this.pump(true);
      }, this.settings.flushIntervalMs),
    );
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump(this.flushing > 0);
    });
  }

  /** Starts batches while there is room in flight; partial batches only when forced (timer or flush). */
  private pump(force: boolean): void {
    while (this.inFlightBatches < this.settings.concurrency && this.queue.length > 0) {
      if (!force && this.queue.length < this.settings.maxBatchEvents) break;
      const { batch, oversized } = takeBatch(this.queue, this.settings.maxBatchEvents, this.settings.maxBatchBytes);
      this.drop(oversized, "too_large", `a single event above the ${this.settings.maxBatchBytes}-byte batch limit`);
      this.wakeCapacityWaiters();
      if (batch === undefined) continue;
      this.inFlightBatches++;
      this.inFlightEvents += batch.events.length;
      void this.deliver(batch).finally(() => {
        this.inFlightBatches--;
        this.inFlightEvents -= batch.events.length;
        this.afterBatch();
      });
    }
    if (this.queue.length > 0 && this.timer === undefined && !this.stopped) this.armTimer();
    this.checkIdle();
  }

  private afterBatch(): void {
    this.pump(this.flushing > 0 || this.queue.length >= this.settings.maxBatchEvents);
  }

  private idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlightBatches === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private checkIdle(): void {
    if (this.queue.length !== 0 || this.inFlightBatches !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private wakeCapacityWaiters(): void {
    if (this.capacityWaiters.length === 0) return;
    const still: typeof this.capacityWaiters = [];
    for (const waiter of this.capacityWaiters) {
      if (this.queue.length < waiter.below) waiter.resolve();
      else still.push(waiter);
    }
    this.capacityWaiters = still;
  }

  /** One batch until it is accepted, refused for good, or out of retries. */
  private async deliver(batch: Batch): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return this.drop(batch.events, "shutdown", "shutdown deadline passed while retrying");
      this.counters.requests++;
      const outcome = await postBatch(this.fetchFn, this.url, this.writeKey, batch.body, this.settings.requestTimeoutMs);
      switch (outcome.kind) {
        case "ok":
          return this.settle(batch, outcome.response.rejected);
        case "too_large": {
          if (batch.events.length === 1) return this.drop(batch.events, "too_large", outcome.error.message);
          const [first, second] = splitBatch(batch);
          await this.deliver(first);
          return this.deliver(second);
        }
        case "fatal":
          this.reportError(outcome.error);
          return this.drop(batch.events, "client_error", outcome.error.message);
        case "retry": {
          this.reportError(outcome.error);
          if (attempt >= this.settings.maxRetries) {
            return this.drop(batch.events, "retries_exhausted", `gave up after ${attempt + 1} attempts: ${outcome.error.message}`);
          }
          this.counters.retries++;
          await this.sleep(backoffDelayMs(attempt, this.settings.retryBaseDelayMs, this.settings.retryMaxDelayMs, outcome.retryAfterMs));
        }
      }
    }
  }

  private settle(batch: Batch, rejections: { index: number; errors: RejectedEvent["errors"] }[]): void {
    const rejected: RejectedEvent[] = [];
    for (const { index, errors } of rejections) {
      const event = batch.events[index];
      if (event !== undefined) rejected.push({ event, errors });
    }
    const accepted = batch.events.length - rejected.length;
    this.counters.accepted += accepted;
    this.counters.rejected += rejected.length;
    for (const collector of this.flushCollectors) {
      collector.accepted += accepted;
      collector.rejected.push(...rejected);
    }
    if (rejected.length === 0) return;
    try {
      this.callbacks.onRejected?.(rejected);
    } catch (error) {
      this.reportError(error);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      // Between flushes a retry must not keep a finished bot alive; during one it must.
      const timer = setTimeout(wake, ms);
      if (this.flushing === 0) unref(timer);
      this.sleepers.set(wake, timer);
    });
  }
}
