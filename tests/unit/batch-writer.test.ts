import { describe, expect, it } from "vitest";
import { BatchWriter, WriterClosedError } from "@chatfunnel/ingest";

/** An in-memory sink standing in for ClickHouse: this unit test is about batching, not storage. */
function recordingSink(failures = 0) {
  const batches: number[][] = [];
  let remainingFailures = failures;
  return {
    batches,
    insert: async (rows: number[]) => {
      if (remainingFailures > 0) {
        remainingFailures--;
        throw new Error("transient");
      }
      batches.push([...rows]);
    },
  };
}

describe("BatchWriter", () => {
  it("flushes when the row bound is reached and settles callers only after the insert", async () => {
    const sink = recordingSink();
    const writer = new BatchWriter<number>({ insert: sink.insert, maxRows: 3, maxBytes: 1e9, maxWaitMs: 60_000 });
    const first = writer.write([1, 2]);
    expect(sink.batches).toHaveLength(0);
    const second = writer.write([3]);
    await Promise.all([first, second]);
    expect(sink.batches).toEqual([[1, 2, 3]]);
    expect(writer.pendingRows).toBe(0);
  });

  it("flushes after maxWaitMs when the batch stays small", async () => {
    const sink = recordingSink();
    const writer = new BatchWriter<number>({ insert: sink.insert, maxRows: 1000, maxBytes: 1e9, maxWaitMs: 10 });
    await writer.write([1]);
    expect(sink.batches).toEqual([[1]]);
  });

  it("flushes on the byte bound", async () => {
    const sink = recordingSink();
    const writer = new BatchWriter<number>({ insert: sink.insert, maxRows: 1000, maxBytes: 100, maxWaitMs: 60_000, sizeOf: () => 60 });
    await Promise.all([writer.write([1]), writer.write([2])]);
    expect(sink.batches).toEqual([[1, 2]]);
  });

  it("splits one oversized write into inserts of at most maxRows", async () => {
    const sink = recordingSink();
    const writer = new BatchWriter<number>({ insert: sink.insert, maxRows: 2, maxBytes: 1e9, maxWaitMs: 60_000 });
    await writer.write([1, 2, 3, 4, 5]);
    expect(sink.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("keeps the batch and retries a failed insert, so nothing is lost", async () => {
    const sink = recordingSink(2);
    const errors: number[] = [];
    const writer = new BatchWriter<number>({
      insert: sink.insert,
      maxRows: 2,
      maxBytes: 1e9,
      maxWaitMs: 60_000,
      retryBaseMs: 1,
      onError: (_e, attempt) => errors.push(attempt),
    });
    await writer.write([7, 8]);
    expect(errors).toEqual([1, 2]);
    expect(sink.batches).toEqual([[7, 8]]);
  });

  it("rejects the callers when every attempt fails, so none of them acknowledges unstored rows", async () => {
    const sink = recordingSink(10);
    const writer = new BatchWriter<number>({ insert: sink.insert, maxRows: 1, maxBytes: 1e9, maxWaitMs: 0, maxAttempts: 3, retryBaseMs: 1 });
    await expect(writer.write([1])).rejects.toThrow("transient");
    expect(writer.pendingRows).toBe(0);
  });

  it("does not retry an error that blames the rows: the refused row is reported, not retried", async () => {
    let calls = 0;
    const writer = new BatchWriter<number>({
      insert: async () => {
        calls++;
        throw new Error("bad row");
      },
      maxRows: 1,
      maxBytes: 1e9,
      maxWaitMs: 0,
      retryBaseMs: 1,
      blamesRows: () => true,
    });
    const outcome = await writer.write([1]);
    expect(outcome.rejected.map((r) => [r.index, (r.error as Error).message])).toEqual([[0, "bad row"]]);
    expect(calls).toBe(1);
  });

  it("runs one insert at a time, in order", async () => {
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    const writer = new BatchWriter<number>({
      insert: async (rows) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(...rows);
        running--;
      },
      maxRows: 1,
      maxBytes: 1e9,
      maxWaitMs: 0,
    });
    await Promise.all([1, 2, 3, 4].map((n) => writer.write([n])));
    expect(maxRunning).toBe(1);
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it("group commit: rows arriving during an insert wait for it and go out together, not in timer-sized pieces", async () => {
    const batches: number[][] = [];
    const writer = new BatchWriter<number>({
      insert: async (rows) => {
        await sleep(60);
        batches.push([...rows]);
      },
      maxRows: 1000,
      maxBytes: 1e9,
      maxWaitMs: 1,
    });
    const first = writer.write([1]);
    await sleep(10); // the first insert is running now
    const later: Promise<unknown>[] = [];
    for (const n of [2, 3, 4]) {
      later.push(writer.write([n]));
      await sleep(10); // longer than maxWaitMs: each would have been its own batch without group commit
    }
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("keeps batches that filled up during an insert within the bounds, in order, and flush() waits for all of them", async () => {
    const batches: number[][] = [];
    const writer = new BatchWriter<number>({
      insert: async (rows) => {
        await sleep(20);
        batches.push([...rows]);
      },
      maxRows: 2,
      maxBytes: 1e9,
      maxWaitMs: 60_000,
    });
    const writes = [writer.write([1, 2]), writer.write([3]), writer.write([4]), writer.write([5])];
    expect(writer.pendingRows).toBe(5);
    await writer.flush();
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(writer.pendingRows).toBe(0);
    await Promise.all(writes);
  });

  it("close() stores everything accepted and refuses new rows", async () => {
    const sink = recordingSink();
    const writer = new BatchWriter<number>({ insert: sink.insert, maxRows: 100, maxBytes: 1e9, maxWaitMs: 60_000 });
    const pending = writer.write([1, 2]);
    await writer.close();
    await pending;
    expect(sink.batches).toEqual([[1, 2]]);
    await expect(writer.write([3])).rejects.toBeInstanceOf(WriterClosedError);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A store standing in for the engine's row refusals: an insert holding a poison row (a negative
 * number here) fails whole, naming the 1-based row like ClickHouse does ("(at row 3)") when asked to.
 */
function poisonSink(options: { hint?: "right" | "wrong" | "none"; transientFailures?: number } = {}) {
  const stored: number[] = [];
  const inserts: number[][] = [];
  let transient = options.transientFailures ?? 0;
  return {
    stored,
    inserts,
    insert: async (rows: number[]) => {
      inserts.push([...rows]);
      if (transient > 0) {
        transient--;
        throw new Error("disk is slow (transient)");
      }
      const bad = rows.findIndex((row) => row < 0);
      if (bad >= 0) {
        const row = options.hint === "wrong" ? 1 : bad + 1;
        throw new RowError(options.hint === "none" ? "Cannot parse" : `Cannot parse: (at row ${row})`);
      }
      stored.push(...rows);
    },
  };
}

class RowError extends Error {}
const rowOptions = {
  maxBytes: 1e9,
  retryBaseMs: 1,
  blamesRows: (error: unknown) => error instanceof RowError,
  blamedRow: (error: unknown) => {
    const match = /\(at row (\d+)\)/.exec((error as Error).message);
    return match ? Number(match[1]) : undefined;
  },
};

describe("BatchWriter isolating rows the engine refuses", () => {
  it("group commit: a poison row fails only itself; other callers' rows in the same insert are stored and answered", async () => {
    const sink = poisonSink({ hint: "none" });
    const writer = new BatchWriter<number>({ ...rowOptions, insert: sink.insert, maxRows: 1000, maxWaitMs: 1 });
    const callers = [[1, 2, 3], [4, -5, 6, -7], [8, 9]];
    const pending = callers.map((rows) => writer.write(rows));
    await writer.flush();
    const outcomes = await Promise.all(pending);
    expect(outcomes.map((o) => o.rejected.map((r) => r.index))).toEqual([[], [1, 3], []]);
    expect(sink.stored.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 6, 8, 9]);
    // It all went out as one insert first: the refusal was isolated by splitting, not by luck of batching.
    expect(sink.inserts[0]).toEqual([1, 2, 3, 4, -5, 6, -7, 8, 9]);
  });

  it("tries the row the engine names first: one poison row among 10,000 costs a handful of inserts", async () => {
    const sink = poisonSink({ hint: "right" });
    const writer = new BatchWriter<number>({ ...rowOptions, insert: sink.insert, maxRows: 20_000, maxWaitMs: 1 });
    const rows = Array.from({ length: 10_000 }, (_, i) => (i === 7_321 ? -1 : i));
    const outcome = await writer.write(rows);
    await writer.flush();
    expect(outcome.rejected.map((r) => r.index)).toEqual([7_321]);
    expect(sink.stored).toHaveLength(9_999);
    expect(sink.inserts.length).toBeLessThanOrEqual(4);
  });

  it("bisects when the engine names no row, or the wrong one, in a number of inserts logarithmic in the batch", async () => {
    for (const hint of ["none", "wrong"] as const) {
      const sink = poisonSink({ hint });
      const writer = new BatchWriter<number>({ ...rowOptions, insert: sink.insert, maxRows: 20_000, maxWaitMs: 1 });
      const rows = Array.from({ length: 4096 }, (_, i) => (i === 4095 || i === 17 ? -i : i + 1));
      const outcome = await writer.write(rows);
      expect(outcome.rejected.map((r) => r.index)).toEqual([17, 4095]);
      expect(sink.stored).toHaveLength(4094);
      expect(sink.inserts.length).toBeLessThanOrEqual(2 * 2 * 13 + 4);
    }
  });

  it("retries a dependency failure met while splitting, and never refuses a row for it", async () => {
    const sink = poisonSink({ hint: "none" });
    let failNext = 0;
    const writer = new BatchWriter<number>({
      ...rowOptions,
      insert: async (rows) => {
        // The second insert (the first piece of the split) meets a transient failure once.
        if (++failNext === 2) throw new Error("Too many parts (transient)");
        await sink.insert(rows);
      },
      maxRows: 1000,
      maxWaitMs: 1,
    });
    const outcome = await writer.write([1, 2, -3, 4]);
    expect(outcome.rejected.map((r) => r.index)).toEqual([2]);
    expect(sink.stored.sort()).toEqual([1, 2, 4]);
  });

  it("fails every caller of the batch when storage keeps failing while splitting: nothing is acknowledged unstored", async () => {
    let calls = 0;
    const writer = new BatchWriter<number>({
      ...rowOptions,
      insert: async (rows) => {
        calls++;
        if (calls === 1 && rows.some((row) => row < 0)) throw new RowError("Cannot parse");
        throw new Error("NOT_ENOUGH_SPACE");
      },
      maxRows: 1000,
      maxWaitMs: 1,
      maxAttempts: 2,
    });
    const first = writer.write([1, -2]);
    const second = writer.write([3]);
    await expect(first).rejects.toThrow("NOT_ENOUGH_SPACE");
    await expect(second).rejects.toThrow("NOT_ENOUGH_SPACE");
  });
});

describe("BatchWriter backlog wait", () => {
  it("is the age of the oldest pending row while an insert is slow", async () => {
    let release = () => {};
    const writer = new BatchWriter<number>({
      insert: () => new Promise<void>((resolve) => (release = resolve)),
      maxRows: 1,
      maxBytes: 1e9,
      maxWaitMs: 0,
    });
    expect(writer.backlogWaitMs()).toBe(0);
    const pending = writer.write([1]);
    await sleep(120);
    expect(writer.backlogWaitMs()).toBeGreaterThanOrEqual(100);
    release();
    await pending;
    expect(writer.backlogWaitMs()).toBe(0);
  });

  it("is the pending rows at the measured insert rate when rows arrive faster than they are stored", async () => {
    const writer = new BatchWriter<number>({
      // 2,000 rows take ~100 ms: 20 rows per ms.
      insert: (rows) => sleep(rows.length / 20),
      maxRows: 2000,
      maxBytes: 1e9,
      maxWaitMs: 60_000,
    });
    await writer.write(Array.from({ length: 2000 }, (_, i) => i));
    const queued = writer.write(Array.from({ length: 1999 }, (_, i) => i));
    // 1,999 rows waiting (below maxRows, no insert running): ~100 ms at the measured rate.
    expect(writer.backlogWaitMs()).toBeGreaterThan(50);
    expect(writer.backlogWaitMs()).toBeLessThan(400);
    await writer.flush();
    await queued;
  });
});
