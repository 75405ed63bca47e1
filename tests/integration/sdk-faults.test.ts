import { spawn } from "node:child_process";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Storage } from "@chatfunnel/core";
import { Chatfunnel, type DropReason } from "@chatfunnel/sdk";
import { createProject, freshDatabase } from "../support/engine.js";
import { startFaultServer, type Fault, type FaultServer } from "../support/fault-server.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

/**
 * The SDK through a fault-injecting proxy in front of the real collector: dropped connections,
 * 500s, 429 with Retry-After, answers lost after the write, slow answers. Stored counts prove
 * nothing is lost and nothing is counted twice (ids make resends safe).
 */
describe("SDK under injected faults → real collector", () => {
  let storage: Storage;
  let testApp: TestApp;
  let server: Server;
  let collectorUrl: string;
  let proxy: FaultServer | undefined;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
    server = testApp.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    collectorUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await testApp.close();
  });

  const stored = async (projectId: string) => {
    const result = await storage.client.query({
      query: `SELECT count() AS n, uniqExact(event_id) AS ids FROM ${storage.database}.events FINAL WHERE project_id = {p:String}`,
      query_params: { p: projectId },
      format: "JSONEachRow",
    });
    const [row] = await result.json<{ n: string | number; ids: string | number }>();
    return { n: Number(row?.n), ids: Number(row?.ids) };
  };
  const client = (writeKey: string, url: string, extra: Partial<ConstructorParameters<typeof Chatfunnel>[0]> = {}) =>
    new Chatfunnel({
      writeKey,
      endpoint: url,
      channel: "whatsapp",
      botId: "fault-bot",
      maxBatchEvents: 100,
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 50,
      requestTimeoutMs: 300,
      maxRetries: 50,
      concurrency: 3,
      ...extra,
    });

  it("loses nothing and duplicates nothing through drops, 500s, 429s, lost answers and slow answers", async () => {
    const project = await createProject(storage);
    // A fixed rotation so every fault kind happens several times; one request in six passes.
    const rotation: Fault[] = [
      { kind: "drop" },
      { kind: "status", status: 500 },
      { kind: "status", status: 429, retryAfterS: 0.05 },
      { kind: "drop-after" },
      { kind: "slow", delayMs: 600 },
      { kind: "pass" },
      { kind: "status", status: 503 },
    ];
    proxy = await startFaultServer(collectorUrl, (n) => rotation[n % rotation.length]!);
    const drops: DropReason[] = [];
    const cf = client(project.writeKey, proxy.url, { onDrop: (_events, reason) => drops.push(reason) });
    for (let i = 0; i < 3000; i++) cf.messageReceived({ userId: `u${i % 97}`, properties: { i } });
    const result = await cf.flush();
    expect(drops).toEqual([]);
    expect(result.accepted).toBe(3000);
    expect(await stored(project.projectId)).toEqual({ n: 3000, ids: 3000 });
    // The faults really happened; each drop-after is a stored batch whose answer was lost and
    // which the SDK therefore sent again: the exact count above shows the dedup held.
    expect(proxy.counts["drop"]).toBeGreaterThan(2);
    expect(proxy.counts["status"]).toBeGreaterThan(2);
    expect(proxy.counts["drop-after"]).toBeGreaterThan(2);
    expect(proxy.counts["slow"]).toBeGreaterThan(2);
    expect(cf.stats().retries).toBeGreaterThan(10);
    await cf.shutdown();
  });

  it("honours Retry-After on 429", async () => {
    const project = await createProject(storage);
    proxy = await startFaultServer(collectorUrl, (n) => (n === 0 ? { kind: "status", status: 429, retryAfterS: 1 } : { kind: "pass" }));
    const cf = client(project.writeKey, proxy.url, { retryBaseDelayMs: 1 });
    cf.lead({ userId: "patient" });
    const started = Date.now();
    await cf.flush();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(await stored(project.projectId)).toEqual({ n: 1, ids: 1 });
  });

  it("shutdown() delivers everything still queued, through faults", async () => {
    const project = await createProject(storage);
    proxy = await startFaultServer(collectorUrl, (n) => (n % 2 === 0 ? { kind: "status", status: 500 } : { kind: "pass" }));
    // A long interval and a large batch size: nothing would be sent before shutdown on its own.
    const cf = client(project.writeKey, proxy.url, { flushIntervalMs: 3_600_000, maxBatchEvents: 1000 });
    for (let i = 0; i < 750; i++) cf.resolved({ userId: `s${i}` });
    expect(cf.stats().queued).toBe(750);
    const result = await cf.shutdown(20_000);
    expect(result).toMatchObject({ accepted: 750, rejected: [], dropped: 0, droppedByReason: {}, total: { dropped: 0 } });
    expect(await stored(project.projectId)).toEqual({ n: 750, ids: 750 });
    expect(cf.track({ type: "lead", userId: "late" })).toBeNull();
  });

  it("keeps at most maxQueueSize events while the collector is down, reporting the overflow, then delivers the survivors", async () => {
    const project = await createProject(storage);
    let down = true;
    proxy = await startFaultServer(collectorUrl, () => (down ? { kind: "status", status: 503, retryAfterS: 0.02 } : { kind: "pass" }));
    const overflowed: string[] = [];
    const reasons = new Set<DropReason>();
    const cf = client(project.writeKey, proxy.url, {
      maxQueueSize: 200,
      maxBatchEvents: 50,
      concurrency: 1,
      onDrop: (events, reason) => {
        reasons.add(reason);
        overflowed.push(...events.map((e) => e.id));
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) ids.push(cf.track({ type: "broadcast_sent", userId: `b${i}` })!);
    // The loop never yielded, so the queue holds exactly the newest 200 (drop-oldest).
    expect(cf.stats().queued).toBe(200);
    expect(overflowed).toEqual(ids.slice(0, 800));
    expect([...reasons]).toEqual(["overflow"]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(proxy.counts["status"]).toBeGreaterThan(0);
    down = false;
    await cf.flush();
    expect(await stored(project.projectId)).toEqual({ n: 200, ids: 200 });
    const result = await storage.client.query({
      query: `SELECT toString(event_id) AS id FROM ${storage.database}.events FINAL WHERE project_id = {p:String} ORDER BY id`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
    });
    expect((await result.json<{ id: string }>()).map((r) => r.id)).toEqual(ids.slice(800).sort());
  });

  it("gives up at the shutdown deadline against a dead collector and reports every undelivered event", async () => {
    const project = await createProject(storage);
    proxy = await startFaultServer(collectorUrl, () => ({ kind: "drop" }));
    let droppedAtShutdown = 0;
    const cf = client(project.writeKey, proxy.url, {
      onDrop: (events, reason) => {
        if (reason === "shutdown") droppedAtShutdown += events.length;
      },
    });
    for (let i = 0; i < 420; i++) cf.lead({ userId: `d${i}` });
    const started = Date.now();
    const result = await cf.shutdown(500);
    expect(Date.now() - started).toBeLessThan(3000);
    // Requests in flight at the deadline are aborted and counted before shutdown() resolves.
    expect(droppedAtShutdown).toBe(420);
    expect(result).toMatchObject({ accepted: 0, dropped: 420, droppedByReason: { shutdown: 420 } });
    expect(result.total).toMatchObject({ tracked: 420, dropped: 420, droppedByReason: { shutdown: 420 } });
    expect(await stored(project.projectId)).toEqual({ n: 0, ids: 0 });
  });

  it("keeps a bot process alive while shutdown() waits out retries, then exits with everything delivered", async () => {
    const project = await createProject(storage);
    // Three refusals first: the child's only pending work is then a backoff timer.
    proxy = await startFaultServer(collectorUrl, (n) => (n < 3 ? { kind: "status", status: 503 } : { kind: "pass" }));
    const script = `
      const { Chatfunnel } = await import("@chatfunnel/sdk");
      const cf = new Chatfunnel({ writeKey: process.argv[1], endpoint: process.argv[2], channel: "telegram", botId: "child", retryBaseDelayMs: 200, retryMaxDelayMs: 400 });
      for (let i = 0; i < 25; i++) cf.lead({ userId: "c" + i });
      const result = await cf.shutdown(20000);
      process.stdout.write(JSON.stringify(result));`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, project.writeKey, proxy.url], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code, err).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ accepted: 25, rejected: [], dropped: 0, droppedByReason: {}, total: { tracked: 25, accepted: 25, dropped: 0 } });
    expect(proxy.counts["status"]).toBe(3);
    expect(await stored(project.projectId)).toEqual({ n: 25, ids: 25 });
  });
});
