import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelayMs, parseRetryAfterMs } from "../../../sdk/src/backoff.js";
import { utf8Length } from "../../../sdk/src/batch.js";
import { RingQueue } from "../../../sdk/src/queue.js";
import { createUuidGenerator } from "../../../sdk/src/uuid.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("SDK internals", () => {
  it("measures UTF-8 length exactly like TextEncoder", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => utf8Length(text) === new TextEncoder().encode(text).length));
  });

  it("behaves as a FIFO bounded by its capacity", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.oneof(fc.constant("shift" as const), fc.integer())), (capacity, ops) => {
        const queue = new RingQueue<number>(capacity);
        const model: number[] = [];
        for (const op of ops) {
          if (op === "shift") expect(queue.shift()).toBe(model.shift());
          else if (!queue.full) {
            queue.push(op);
            model.push(op);
          }
          expect(queue.length).toBe(model.length);
          expect(queue.length).toBeLessThanOrEqual(capacity);
          expect(queue.peek()).toBe(model[0]);
        }
        expect(queue.drain()).toEqual(model);
      }),
    );
  });

  it("makes v4 UUIDs with randomUUID, with getRandomValues, and with neither", () => {
    const viaGetRandomValues = createUuidGenerator({ getRandomValues: (a) => globalThis.crypto.getRandomValues(a) });
    const viaMathRandom = createUuidGenerator({});
    const native = createUuidGenerator();
    for (const make of [native, viaGetRandomValues, viaMathRandom]) {
      const ids = new Set(Array.from({ length: 1000 }, make));
      expect(ids.size).toBe(1000);
      for (const id of ids) expect(id).toMatch(UUID_V4);
    }
  });

  it("keeps backoff within [0, min(max, base·2^attempt)) and never under Retry-After", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const delay = backoffDelayMs(attempt, 100, 5000, undefined, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(Math.min(5000, 100 * 2 ** attempt));
        expect(backoffDelayMs(attempt, 100, 5000, 3000, () => r)).toBeGreaterThanOrEqual(3000);
      }),
    );
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-05-01T10:00:00Z");
    expect(parseRetryAfterMs("2", now)).toBe(2000);
    expect(parseRetryAfterMs("0.5", now)).toBe(500);
    expect(parseRetryAfterMs("Fri, 01 May 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs("soon", now)).toBeUndefined();
  });
});
