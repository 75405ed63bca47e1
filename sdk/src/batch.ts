import type { RingQueue } from "./queue.js";
import type { QueuedEvent } from "./types.js";

/**
 * An event as held in the queue: identical to QueuedEvent except that a timestamp the SDK
 * stamped itself is kept as epoch ms until the event leaves the queue. The instant is fixed at
 * track() time; only its ISO formatting (the costliest part of track()) is deferred.
 */
export type PendingEvent = Omit<QueuedEvent, "timestamp"> & { timestamp: string | number };

/** Gives a pending event its final ISO timestamp, in place; idempotent. */
export function materialize(event: PendingEvent): QueuedEvent {
  if (typeof event.timestamp === "number") event.timestamp = Number.isFinite(event.timestamp) ? new Date(event.timestamp).toISOString() : "Invalid Date";
  return event as QueuedEvent;
}

/** One request body, serialized once and reused by every retry. */
export interface Batch {
  events: QueuedEvent[];
  body: string;
}

const ENVELOPE_BYTES = '{"events":[]}'.length;

/** UTF-8 length without a TextEncoder allocation; ASCII (the common case) costs one scan. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff) {
      // A surrogate pair is 2 UTF-16 units and 4 UTF-8 bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * Takes events from the front of the queue until either bound is reached. Sizes are measured
 * here, at batch time, not in track(): each event is serialized exactly once.
 * Events that alone exceed `maxBytes` are returned in `oversized` (they can never be sent).
 */
export function takeBatch(queue: RingQueue<PendingEvent>, maxEvents: number, maxBytes: number): { batch?: Batch; oversized: QueuedEvent[] } {
  const events: QueuedEvent[] = [];
  const parts: string[] = [];
  const oversized: QueuedEvent[] = [];
  let bytes = ENVELOPE_BYTES;
  while (events.length < maxEvents) {
    const pending = queue.peek();
    if (pending === undefined) break;
    const event = materialize(pending);
    const json = JSON.stringify(event);
    const length = utf8Length(json);
    const size = length + (parts.length > 0 ? 1 : 0);
    if (ENVELOPE_BYTES + length > maxBytes) {
      queue.shift();
      oversized.push(event);
      continue;
    }
    if (bytes + size > maxBytes) break;
    queue.shift();
    events.push(event);
    parts.push(json);
    bytes += size;
  }
  if (events.length === 0) return { oversized };
  return { batch: { events, body: `{"events":[${parts.join(",")}]}` }, oversized };
}

/** Halves a batch the server found too large (its limit may be below ours). */
export function splitBatch(batch: Batch): [Batch, Batch] {
  const middle = Math.ceil(batch.events.length / 2);
  const make = (events: QueuedEvent[]): Batch => ({ events, body: `{"events":[${events.map((e) => JSON.stringify(e)).join(",")}]}` });
  return [make(batch.events.slice(0, middle)), make(batch.events.slice(middle))];
}
