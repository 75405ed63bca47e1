import type { RingQueue } from "./queue.js";
import type { QueuedEvent } from "./types.js";

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
export function takeBatch(queue: RingQueue<QueuedEvent>, maxEvents: number, maxBytes: number): { batch?: Batch; oversized: QueuedEvent[] } {
  const events: QueuedEvent[] = [];
  const parts: string[] = [];
  const oversized: QueuedEvent[] = [];
  let bytes = ENVELOPE_BYTES;
  while (events.length < maxEvents) {
    const event = queue.peek();
    if (event === undefined) break;
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
