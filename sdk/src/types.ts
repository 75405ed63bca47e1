/**
 * The SDK's public types. Event and answer shapes come from @chatfunnel/schemas (type-only
 * imports, erased at build time); the build inlines them into dist/ so zod is never needed.
 */
import type { Channel, EventInput, FieldError, IngestResponse, MessageSender, Properties, ReservedEventType, Source } from "@chatfunnel/schemas";

export type { Channel, EventInput, FieldError, IngestResponse, MessageSender, Properties, ReservedEventType, Source };

/**
 * What a caller passes to track(): an event without the fields the SDK fills in. `id` and
 * `timestamp` may be given (e.g. the messenger's own message time); `channel` and `botId`
 * default to the client's options.
 */
export type TrackInput = Omit<EventInput, "id" | "timestamp" | "channel" | "botId"> & {
  id?: string;
  timestamp?: string | Date;
  channel?: Channel;
  botId?: string;
};

/** track() input for a helper whose event type is fixed by its name. */
export type HelperInput = Omit<TrackInput, "type">;

/** A fully formed event as queued and sent; id and timestamp are fixed at creation so retries reuse them. */
export type QueuedEvent = EventInput;

/**
 * Why events were dropped instead of delivered:
 * - invalid: failed the SDK's cheap client-side checks (never sent);
 * - overflow: the bounded queue was full (see `overflow`);
 * - too_large: a single event above the 1 MiB batch limit;
 * - client_error: the collector answered a 4xx other than 429 (not retried: resending cannot help);
 * - retries_exhausted: still failing after `maxRetries` attempts;
 * - shutdown: still queued when shutdown()'s deadline passed, or tracked after shutdown.
 */
export type DropReason = "invalid" | "overflow" | "too_large" | "client_error" | "retries_exhausted" | "shutdown";

/** An event the collector refused, with its reasons (`path` and `message` per field). */
export interface RejectedEvent {
  event: QueuedEvent;
  errors: FieldError[];
}

/** Which events a full queue sacrifices. */
export type OverflowPolicy = "drop-oldest" | "drop-newest";

/** Minimal fetch signature the SDK needs, so any fetch-capable runtime (or a polyfill) works. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

export interface ChatfunnelOptions {
  /** The project's write key (`Authorization: Bearer …`). */
  writeKey: string;
  /** The collector's base URL, e.g. https://cf.example.com (or the full …/v1/events URL). */
  endpoint: string;
  /** Default channel for events that do not name one. */
  channel?: Channel;
  /** Default bot id for events that do not name one. */
  botId?: string;
  /** Send a batch once this many events are queued (1–1000, default 500). */
  maxBatchEvents?: number;
  /** Upper bound of one request body in bytes (default and maximum 1 MiB). */
  maxBatchBytes?: number;
  /** Send whatever is queued at least this often, in ms (default 1000). */
  flushIntervalMs?: number;
  /** Events held in memory at most (default 10 000); see `overflow`. */
  maxQueueSize?: number;
  /** What a full queue drops (default 'drop-oldest': keep the freshest data). */
  overflow?: OverflowPolicy;
  /** Retries per batch after the first attempt (default 10, about 3 minutes of backoff). */
  maxRetries?: number;
  /** First backoff delay in ms (default 200); doubles per attempt with full jitter. */
  retryBaseDelayMs?: number;
  /** Longest backoff delay in ms (default 30 000). */
  retryMaxDelayMs?: number;
  /** Abort a request after this many ms and retry it (default 10 000). */
  requestTimeoutMs?: number;
  /** Requests in flight at once (default 2). */
  concurrency?: number;
  /** The fetch to use (default globalThis.fetch). */
  fetch?: FetchLike;
  /**
   * Users whose last event time the SDK remembers, so one user's events never go back in time
   * (default 10 000, least recently seen forgotten first).
   */
  userClockCapacity?: number;
  /**
   * Called with events that will never be delivered, and why. Without it the first drop of each
   * reason is printed with console.error; every drop is counted in stats() and shutdown()'s result.
   */
  onDrop?: (events: QueuedEvent[], reason: DropReason, detail: string) => void;
  /** Called with events the collector refused, with the server's reasons. Without it the first rejection is printed (console.error). */
  onRejected?: (rejected: RejectedEvent[]) => void;
  /**
   * Called on transport errors (each failed attempt) and on errors thrown by callbacks or adapters.
   * Without it the first 5 distinct errors are printed (console.warn).
   */
  onError?: (error: Error) => void;
}

/** Counters since the client was created. */
export interface ChatfunnelStats {
  queued: number;
  inFlight: number;
  tracked: number;
  accepted: number;
  rejected: number;
  dropped: number;
  retries: number;
  requests: number;
  /** `dropped` split by reason (reasons with no drop are absent). */
  droppedByReason: Partial<Record<DropReason, number>>;
}

/** What flush() and shutdown() report about the events they waited for. */
export interface FlushResult {
  accepted: number;
  rejected: RejectedEvent[];
  dropped: number;
  /** `dropped` split by reason (reasons with no drop are absent). */
  droppedByReason: Partial<Record<DropReason, number>>;
}

/** shutdown()'s answer: what settled while it waited, and the client's lifetime totals. */
export interface ShutdownResult extends FlushResult {
  /** Counters since construction: every event tracked, accepted, rejected and dropped (by reason). */
  total: ChatfunnelStats;
}
