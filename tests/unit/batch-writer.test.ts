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

  it("does not retry an error that blames the rows", async () => {
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
      retryable: () => false,
    });
    await expect(writer.write([1])).rejects.toThrow("bad row");
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
    const later: Promise<void>[] = [];
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
