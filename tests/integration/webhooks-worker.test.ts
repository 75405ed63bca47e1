import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, type Logger, type Storage } from "@chatfunnel/core";
import { createDirectSink, createEventWriter, type BatchWriter } from "@chatfunnel/ingest";
import { insertWebhook, type EventRow } from "@chatfunnel/warehouse";
import { startWorkerProcess, type WorkerProcess } from "@chatfunnel/server";
import type { Event } from "@chatfunnel/schemas";
import { createProject, freshDatabase, testConfig, waitFor } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import { TEST_BROKER, requireBroker, spawnTs, type Child } from "../support/kafka.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

/**
 * Distributed mode's scheduler against the real broker: two `worker` processes (in this process, on
 * this test's database) join one group on a one-partition lease topic; exactly one is active and
 * delivers, each lead reaches the receiver once, and when the active one stops the standby takes over.
 */
describe("webhook worker: exactly one active (real Kafka, real engine)", () => {
  let storage: Storage;
  let project: Awaited<ReturnType<typeof createProject>>;
  let writer: BatchWriter<EventRow>;
  const receiver = new WebhookReceiver();
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    await requireBroker();
    storage = await freshDatabase();
    project = await createProject(storage);
    await receiver.start();
    await insertWebhook(storage, { projectId: project.projectId, id: "wh_worker", url: receiver.url, events: ["lead"], secret: "worker-test-secret-0123", createdAt: new Date().toISOString() });
    writer = createEventWriter(storage, testConfig());
  });
  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await writer?.close();
    await receiver.stop();
  });

  const send = (events: Event[]) => createDirectSink(writer, 100_000, 10_000).send(project.projectId, events, new Date());
  const lead = () => makeEvent({ type: "lead", timestamp: new Date().toISOString(), userId: randomUUID() });
  const activeCount = () => workers.filter((worker) => worker.active).length;

  it("runs one active worker, hands over on stop, and delivers each lead once", { timeout: 120_000 }, async () => {
    const id = randomUUID().slice(0, 8);
    const config = testConfig({
      KAFKA_BROKERS: TEST_BROKER,
      KAFKA_WORKER_TOPIC: `t-worker-${id}`,
      KAFKA_WORKER_GROUP_ID: `g-worker-${id}`,
      KAFKA_SESSION_TIMEOUT_MS: "6000",
      CLICKHOUSE_DATABASE: storage.database,
      CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED: "1",
      WEBHOOK_POLL_MS: "50",
    });
    workers.push(await startWorkerProcess(config), await startWorkerProcess(config));
    await waitFor(async () => activeCount(), (n) => n === 1, 60_000, 100);
    // Stays exactly one.
    for (let i = 0; i < 20; i++) {
      expect(activeCount()).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const worker of workers) expect((await fetch(`${worker.url}/health/ready`)).status).toBe(200);
    const active = workers.find((worker) => worker.active)!;
    const standby = workers.find((worker) => !worker.active)!;
    expect(await (await fetch(`${active.url}/metrics`)).text()).toMatch(/^chatfunnel_worker_active 1$/m);
    expect(await (await fetch(`${standby.url}/metrics`)).text()).toMatch(/^chatfunnel_worker_active 0$/m);

    const first = Array.from({ length: 10 }, lead);
    expect((await send(first)).rejected).toEqual([]);
    await waitFor(async () => first.filter((e) => receiver.deliveriesOf(e.id).length > 0).length, (n) => n === first.length, 30_000, 50);

    await active.close();
    workers.splice(workers.indexOf(active), 1);
    await waitFor(async () => standby.active, (yes) => yes, 60_000, 100);
    const second = Array.from({ length: 10 }, lead);
    expect((await send(second)).rejected).toEqual([]);
    await waitFor(async () => second.filter((e) => receiver.deliveriesOf(e.id).length > 0).length, (n) => n === second.length, 30_000, 50);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const event of [...first, ...second]) expect(receiver.deliveriesOf(event.id)).toHaveLength(1);
  });
});

/**
 * The lease's handovers, sampled: a worker process killed with SIGKILL (it never leaves the group) and an
 * in-process worker closed (it leaves) are each replaced by a standby within one rebalance, and no two
 * workers are ever active at once. The in-process workers' transitions are logged synchronously at the moment
 * each decides, so their log is the exact order; the killed process's lease ends at the latest when it dies.
 */
describe("worker lease handovers (real Kafka, real engine)", () => {
  const SESSION_MS = 6000;
  let storage: Storage;
  const workers: WorkerProcess[] = [];
  const children: Child[] = [];

  beforeAll(async () => {
    await requireBroker();
    storage = await freshDatabase();
  });
  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
    for (const worker of workers) await worker.close();
  });

  it("replaces a killed and then a stopped active worker within one rebalance each, never two active", { timeout: 120_000 }, async () => {
    const id = randomUUID().slice(0, 8);
    const lease = { KAFKA_BROKERS: TEST_BROKER, KAFKA_WORKER_TOPIC: `t-lease-${id}`, KAFKA_WORKER_GROUP_ID: `g-lease-${id}`, KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS), CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED: "1" };
    // Every lease transition of the in-process workers, in the order they were decided, with the count active after it.
    const transitions: Array<{ worker: string; active: boolean; at: number; activeNow: number }> = [];
    const holding = new Map<string, boolean>();
    const recorder = (name: string): Logger => {
      const quiet = createLogger("silent", name);
      const record = (message: string) => {
        if (!message.startsWith("worker lease ")) return;
        holding.set(name, message.startsWith("worker lease acquired"));
        transitions.push({ worker: name, active: holding.get(name)!, at: Date.now(), activeNow: [...holding.values()].filter(Boolean).length });
      };
      return { ...quiet, info: (message, fields) => (record(message), quiet.info(message, fields)) };
    };

    // The first worker is a process of its own (its own chDB directory: it delivers nothing here), so it can be killed.
    const root = fs.mkdtempSync(path.join(process.env.CHATFUNNEL_TEST_ROOT ?? os.tmpdir(), "worker-lease-"));
    const killable = spawnTs("server/src/bin/worker.ts", { ...lease, DATA_DIR: root, PORT: "0", LOG_LEVEL: "info" });
    children.push(killable);
    const killableUrl = await killable.waitForOutput(/health at (http:\/\/\S+)/);
    const killableActive = async () => /^chatfunnel_worker_active 1$/m.test(await (await fetch(`${killableUrl}/metrics`)).text());
    await waitFor(killableActive, (yes) => yes, 30_000, 50);

    const config = testConfig({ ...lease, CLICKHOUSE_DATABASE: storage.database, WEBHOOK_POLL_MS: "50" });
    const [first, second] = [await startWorkerProcess(config, { logger: recorder("first") }), await startWorkerProcess(config, { logger: recorder("second") })];
    workers.push(first, second);
    const inProcessActive = () => workers.filter((worker) => worker.active).length;

    // Sampled every 10 ms: never two in-process workers active, and none while the killable one still says it is.
    const samples: Array<{ at: number; inProcess: number }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ at: Date.now(), inProcess: inProcessActive() });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const killableSamples: Array<{ at: number; active: boolean }> = [];
    const killableSampler = (async () => {
      while (sampling && killable.process.exitCode === null && killable.process.signalCode === null) {
        const at = Date.now();
        const active = await killableActive().catch(() => false);
        killableSamples.push({ at, active });
      }
    })();

    // Both standbys joined (each join is a rebalance the owner goes through) and the killable one still owns it.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await killableActive()).toBe(true);
    expect(inProcessActive()).toBe(0);

    // Killed: it never leaves, so the coordinator waits out its session, then one rebalance hands the partition on.
    const killedAt = Date.now();
    killable.process.kill("SIGKILL");
    await killable.exited;
    await waitFor(async () => inProcessActive(), (n) => n === 1, SESSION_MS + 10_000, 10);
    const afterKillMs = Date.now() - killedAt;
    expect(afterKillMs).toBeGreaterThan(SESSION_MS / 2); // it did wait for the session: nobody took it while the owner could still be alive
    expect(afterKillMs).toBeLessThan(SESSION_MS + 4000);

    // Stopped: it releases, then leaves, and the other one takes over at its next heartbeat, without waiting for a session.
    const active = workers.find((worker) => worker.active)!;
    const standby = workers.find((worker) => !worker.active)!;
    const stoppedAt = Date.now();
    await active.close();
    workers.splice(workers.indexOf(active), 1);
    await waitFor(async () => standby.active, (yes) => yes, 10_000, 10);
    expect(Date.now() - stoppedAt).toBeLessThan(4000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(standby.active).toBe(true);

    sampling = false;
    await Promise.all([sampler, killableSampler]);
    expect(samples.length).toBeGreaterThan(500);
    expect(samples.filter((sample) => sample.inProcess > 1)).toEqual([]);
    // No in-process worker was active at a moment the killable one still answered active.
    const killableLastActive = Math.max(...killableSamples.filter((sample) => sample.active).map((sample) => sample.at));
    expect(killableSamples.length).toBeGreaterThan(20);
    expect(transitions.filter((t) => t.active && t.at <= Math.max(killableLastActive, killedAt))).toEqual([]);
    expect(transitions.filter((t) => t.activeNow > 1)).toEqual([]);
    // Exactly two acquisitions: one after the kill, one after the stop — each within one rebalance, no flapping.
    expect(transitions.filter((t) => t.active).map((t) => t.worker)).toEqual([active === first ? "first" : "second", standby === first ? "first" : "second"]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
