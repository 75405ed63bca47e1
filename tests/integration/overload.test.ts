import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Storage } from "@chatfunnel/core";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";

/**
 * Issue 10, defect 8: offered about 3x what storage can take, the collector used to buffer until
 * its pending-row bound (200,000 rows, never reached) and senders fell minutes behind. Now it
 * answers 429 with Retry-After once the backlog's wait passes WRITER_MAX_WAIT_MS, and what it
 * acknowledges is stored within ~2 s. The engine is real; each insert is made slow by a wrapper
 * around the real insert, so capacity is small and known (at most 200 rows per 200 ms and more).
 */
describe("overload: 429 before acknowledged latency grows", () => {
  let storage: Storage;
  let testApp: TestApp;
  let server: http.Server;
  let url: string;
  let project: Awaited<ReturnType<typeof createProject>>;
  const INSERT_DELAY_MS = 200;
  const WRITER_MAX_WAIT_MS = 1000;
  /** Each insert's duration (the added delay and the real insert): the writer prices its backlog by them. */
  const insertMs: number[] = [];

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    const slow: Storage = {
      ...storage,
      insertRows: async (table, rows, settings) => {
        const started = performance.now();
        await new Promise((resolve) => setTimeout(resolve, INSERT_DELAY_MS));
        await storage.insertRows(table, rows, settings);
        insertMs.push(performance.now() - started);
      },
    };
    testApp = createTestApp(slow, { BATCH_MAX_ROWS: "200", BATCH_MAX_WAIT_MS: "20", WRITER_MAX_WAIT_MS: String(WRITER_MAX_WAIT_MS) });
    server = http.createServer(testApp.app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await testApp?.close();
  });

  const storedCount = async () => {
    const result = await storage.client.query({
      query: `SELECT count() AS n FROM ${storage.database}.events FINAL WHERE project_id = {p:String}`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    return Number((await result.json<{ n: number }>())[0]?.n);
  };

  it("offered ~3x capacity: some senders hear 429 with Retry-After, acknowledged p99 stays under 2 s (or the max wait plus two of the slowest inserts), all acknowledged stored", async () => {
    const SENDERS = 80;
    const EVENTS_PER_REQUEST = 20;
    const RUN_MS = 6000;
    const end = Date.now() + RUN_MS;
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let acknowledged = 0;
    let offered = 0;
    let retryAfterMissing = 0;
    const sender = async (n: number) => {
      // Senders join over the first second, as traffic ramps up: a backlog no insert has yet
      // measured cannot be priced, so a cold start taking everyone at once is not what this is about.
      await new Promise((resolve) => setTimeout(resolve, (n * 1000) / SENDERS));
      while (Date.now() < end) {
        const events = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => makeEvent({ userId: `load-${n}-${i % 5}` }));
        offered += events.length;
        const started = performance.now();
        const res = await fetch(url, {
          method: "POST",
          headers: { Authorization: `Bearer ${project.writeKey}`, "Content-Type": "application/json" },
          body: JSON.stringify({ events }),
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) {
          latencies.push(performance.now() - started);
          acknowledged += events.length;
        } else if (res.status === 429) {
          if (!res.headers.get("retry-after")) retryAfterMissing++;
          // A sender that backs off a little and comes back: the load stays offered.
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: SENDERS }, (_, n) => sender(n)));
    const seconds = (Date.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Infinity;
    // What storage took, per second, is the capacity: the writer was busy throughout.
    const capacity = acknowledged / seconds;
    // A row is admitted while the backlog's priced wait is under WRITER_MAX_WAIT_MS; it then waits for that
    // backlog and its own insert, and the price is off by about an insert when inserts vary. On a quiet
    // machine inserts take ~250 ms and the bound is 2 s; on a loaded CI machine (the other test process on
    // the same 2 cores) a single insert can take a second, and the bound grows by what the engine took.
    const slowestInsert = Math.max(...insertMs);
    const bound = Math.max(2000, WRITER_MAX_WAIT_MS + 2 * slowestInsert);
    const summary = { statuses: Object.fromEntries(statuses), p99: Math.round(p99), bound: Math.round(bound), slowestInsertMs: Math.round(slowestInsert), offeredPerS: Math.round(offered / seconds), storedPerS: Math.round(capacity) };
    expect(statuses.get(429) ?? 0, JSON.stringify(summary)).toBeGreaterThan(0);
    expect(retryAfterMissing).toBe(0);
    expect([...statuses.keys()].filter((status) => status >= 500), JSON.stringify(summary)).toEqual([]);
    expect(p99, JSON.stringify(summary)).toBeLessThanOrEqual(bound);
    expect(acknowledged).toBeGreaterThan(0);
    // Closed-loop senders offer more than storage takes only because 429s answer them at once.
    expect(offered / seconds, JSON.stringify(summary)).toBeGreaterThan(2.5 * capacity);
    console.log("overload", JSON.stringify(summary));
    // Everything acknowledged is stored; nothing told to retry was (ids are fresh per request).
    expect(await storedCount()).toBe(acknowledged);
  });
});
