import { backoffDelayMs } from "./backoff.js";
import { UserClock } from "./clock.js";
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
  ShutdownResult,
  TrackInput,
} from "./types.js";
import { createUuidGenerator } from "./uuid.js";
import { CHANNELS, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_ID_LENGTH, isChannel } from "@chatfunnel/contract";
import { cheapInvalidReason } from "./validate.js";

/** The collector's limits (contract/, the ingest contract): the SDK never builds a batch above them. */
export { MAX_BATCH_BYTES, MAX_BATCH_EVENTS };

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
  userClockCapacity: 10_000,
} as const;

/** The collector refuses keys shorter than this (schemas/src/config.ts); a shorter one is a typo or a placeholder. */
const MIN_WRITE_KEY_LENGTH = 16;
/** How long shutdown() waits, after its deadline, for aborted requests to report their drops. */
const SHUTDOWN_GRACE_MS = 1000;
/** How many distinct transport/adapter errors the default reporter prints before going quiet. */
const MAX_PRINTED_ERRORS = 5;

/** Throws at construction for a write key the collector can never accept, naming what is wrong. */
export function checkWriteKey(writeKey: unknown): string {
  if (typeof writeKey !== "string" || writeKey === "") throw new TypeError("Chatfunnel: writeKey is required (the project's write key, cf_w_…)");
  if (writeKey !== writeKey.trim()) throw new TypeError("Chatfunnel: writeKey has leading or trailing whitespace (copied with a newline?)");
  if (!/^[\x21-\x7e]+$/.test(writeKey)) throw new TypeError("Chatfunnel: writeKey may contain only printable ASCII characters without spaces");
  if (writeKey.startsWith("cf_r_")) throw new TypeError("Chatfunnel: writeKey is a read key (cf_r_…); the SDK needs the project's write key (cf_w_…)");
  if (writeKey.length < MIN_WRITE_KEY_LENGTH) throw new TypeError(`Chatfunnel: writeKey is ${writeKey.length} characters; write keys have at least ${MIN_WRITE_KEY_LENGTH}`);
  return writeKey;
}

/** The events URL for an endpoint option, or a TypeError naming what is wrong with it. */
export function eventsUrl(endpoint: unknown): string {
  const example = "an http(s) URL such as https://chatfunnel.example.com";
  if (typeof endpoint !== "string" || endpoint === "") throw new TypeError(`Chatfunnel: endpoint is required: ${example}`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`Chatfunnel: endpoint ${JSON.stringify(endpoint)} is not a URL; expected ${example}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`Chatfunnel: endpoint must be ${example}, got the protocol ${url.protocol}`);
  if (url.search !== "" || url.hash !== "") throw new TypeError("Chatfunnel: endpoint must not carry a query string or fragment; give the collector's base URL");
  if (url.username !== "" || url.password !== "") throw new TypeError("Chatfunnel: endpoint must not carry credentials; the write key goes in writeKey");
  const base = `${url.origin}${url.pathname}`.replace(/\/+$/, "");
  return base.endsWith("/v1/events") ? base : `${base}/v1/events`;
}

/** Console output for a bot that gave no callback: loud once per kind, never a flood. */
function printOnce(printed: Set<string>, kind: string, level: "error" | "warn", message: string): void {
  if (printed.has(kind)) return;
  printed.add(kind);
  const console = (globalThis as { console?: { error?: (m: string) => void; warn?: (m: string) => void } }).console;
  console?.[level]?.(`[chatfunnel] ${message}`);
}

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
  private readonly clock: UserClock;
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
  /** Requests in flight, so shutdown()'s deadline can end them at once. */
  private readonly requestControllers = new Set<AbortController>();
  private idleWaiters: (() => void)[] = [];
  private capacityWaiters: { below: number; resolve: () => void }[] = [];
  /** Backoff waits in progress, each with its timer, so flush() can keep the process alive for them. */
  private sleepers = new Map<() => void, Timer>();
  private flushCollectors = new Set<FlushResult>();
  private readonly counters = { tracked: 0, accepted: 0, rejected: 0, dropped: 0, retries: 0, requests: 0 };
  private readonly droppedByReason: Partial<Record<DropReason, number>> = {};
  /** Kinds of problems already printed by the default (callback-less) reporting. */
  private readonly printed = new Set<string>();
  private printedErrors = 0;

  constructor(options: ChatfunnelOptions) {
    this.writeKey = checkWriteKey(options.writeKey);
    this.url = eventsUrl(options.endpoint);
    const fetchFn = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (typeof fetchFn !== "function") throw new TypeError("Chatfunnel: this runtime has no fetch; pass options.fetch");
    this.fetchFn = fetchFn;
    if (options.channel !== undefined && !isChannel(options.channel)) throw new TypeError(`Chatfunnel: channel must be one of ${CHANNELS.join(", ")}, got ${JSON.stringify(options.channel)}`);
    if (options.botId !== undefined && (typeof options.botId !== "string" || options.botId === "" || options.botId.length > MAX_ID_LENGTH)) {
      throw new TypeError(`Chatfunnel: botId must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
    }
    this.clock = new UserClock(clamp(options.userClockCapacity, DEFAULTS.userClockCapacity, 1, 10_000_000));
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

  /** The bot id for an event that names none: the client's option (subclasses add what the bot told them). */
  protected fallbackBotId(_channel: Channel | undefined): string | undefined {
    return this.defaultBotId;
  }

  /** The channel for an event that names none. */
  protected fallbackChannel(): Channel | undefined {
    return this.defaultChannel;
  }

  /** track() with the type given apart, so helpers need not copy the caller's object. */
  protected enqueue(type: string, input: Omit<TrackInput, "type">): string | null {
    const timestamp = input.timestamp;
    const channel = input.channel ?? this.fallbackChannel();
    const event: PendingEvent = {
      id: input.id ?? this.uuid(),
      type,
      channel: channel as Channel,
      botId: (input.botId ?? this.fallbackBotId(channel)) as string,
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
    this.keepUserOrder(event);
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

  /**
   * One user's events never go back in time (DESIGN.md): an adapter event in whole seconds after a
   * direct call in milliseconds is moved just after it. A time given as a string keeps its exact
   * text unless it has to move; an unparseable one is left for the collector to reject.
   */
  private keepUserOrder(event: PendingEvent): void {
    const given = event.timestamp;
    const ms = typeof given === "number" ? given : Date.parse(given);
    if (Number.isNaN(ms)) return;
    const stamped = this.clock.next(`${event.channel}\u0000${event.userId}`, ms);
    if (stamped !== ms) event.timestamp = stamped;
  }

  /** Sends everything queued now and resolves once it is delivered, rejected or dropped. */
  async flush(): Promise<FlushResult> {
    const result: FlushResult = { accepted: 0, rejected: [], dropped: 0, droppedByReason: {} };
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
   * (default 10 s). What is still undelivered at the deadline is dropped as 'shutdown'.
   * Resolves with what settled while it waited and, in `total`, the client's lifetime counters
   * (every drop since construction, by reason), so a bot can log what it lost.
   */
  async shutdown(timeoutMs: number = DEFAULTS.shutdownTimeoutMs): Promise<ShutdownResult> {
    this.closed = true;
    const result: FlushResult = { accepted: 0, rejected: [], dropped: 0, droppedByReason: {} };
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
        for (const controller of this.requestControllers) controller.abort();
        for (const wake of [...this.sleepers.keys()]) wake();
        const left = this.queue.drain();
        if (left.length > 0) this.drop(left, "shutdown", `not delivered within the shutdown deadline (${timeoutMs} ms)`);
        // Woken and aborted batches report their drops asynchronously; wait for them (a fetch that
        // ignores its abort signal gets a short grace, then is left behind).
        let grace: Timer | undefined;
        await Promise.race([this.idle(), new Promise<void>((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
        clearTimeout(grace);
      }
    } finally {
      if (deadline !== undefined) clearTimeout(deadline);
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.flushCollectors.delete(result);
    }
    return { ...result, total: this.stats() };
  }

  /** Resolves once fewer than `maxQueued` events wait: backpressure for bulk senders. */
  whenQueueBelow(maxQueued: number): Promise<void> {
    if (this.queue.length < maxQueued) return Promise.resolve();
    this.schedulePump();
    return new Promise((resolve) => this.capacityWaiters.push({ below: maxQueued, resolve }));
  }

  stats(): ChatfunnelStats {
    return { queued: this.queue.length, inFlight: this.inFlightEvents, ...this.counters, droppedByReason: { ...this.droppedByReason } };
  }

  /**
   * Reports an error to onError without ever throwing into the caller. Without onError the
   * first few distinct errors are printed (console.warn): a misconfigured bot must not fail silently.
   */
  protected reportError(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.callbacks.onError === undefined) {
      const kind = `error:${err.message.slice(0, 80)}`;
      if (this.printedErrors < MAX_PRINTED_ERRORS && !this.printed.has(kind)) {
        this.printedErrors++;
        const last = this.printedErrors === MAX_PRINTED_ERRORS ? " (further errors are not printed; pass onError to see them)" : "";
        printOnce(this.printed, kind, "warn", `${err.message}${last}`);
      }
      return;
    }
    try {
      this.callbacks.onError(err);
    } catch {
      // A throwing callback must not stop delivery.
    }
  }

  private drop(pending: PendingEvent[], reason: DropReason, detail: string): void {
    if (pending.length === 0) return;
    const events = pending.map(materialize);
    this.counters.dropped += events.length;
    this.droppedByReason[reason] = (this.droppedByReason[reason] ?? 0) + events.length;
    for (const collector of this.flushCollectors) {
      collector.dropped += events.length;
      collector.droppedByReason[reason] = (collector.droppedByReason[reason] ?? 0) + events.length;
    }
    if (this.callbacks.onDrop === undefined) {
      // Loud by default, once per reason: later drops are counted in stats() and shutdown()'s result.
      printOnce(this.printed, `drop:${reason}`, "error", `dropped ${events.length} event(s) (${reason}): ${detail}. Further drops for this reason are counted in stats().droppedByReason; pass onDrop to handle them.`);
      return;
    }
    try {
      this.callbacks.onDrop(events, reason, detail);
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
      const controller = new AbortController();
      this.requestControllers.add(controller);
      const outcome = await postBatch(this.fetchFn, this.url, this.writeKey, batch.body, this.settings.requestTimeoutMs, controller).finally(() => this.requestControllers.delete(controller));
      if (this.stopped && outcome.kind === "retry") {
        return this.drop(batch.events, "shutdown", "in flight at the shutdown deadline (the collector may have stored it)");
      }
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
    if (this.callbacks.onRejected === undefined) {
      const first = rejected[0]!;
      const why = first.errors.map((e) => `${e.path}: ${e.message}`).join("; ");
      printOnce(this.printed, "rejected", "error", `the collector rejected ${rejected.length} event(s), e.g. a ${first.event.type} event: ${why}. Further rejections are counted in stats().rejected; pass onRejected to handle them.`);
      return;
    }
    try {
      this.callbacks.onRejected(rejected);
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
