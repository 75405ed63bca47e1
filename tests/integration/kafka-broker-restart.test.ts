import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Event } from "@chatfunnel/schemas";
import { waitFor } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import {
  consumerLag,
  counterValue,
  countStoredEvents,
  privateBroker,
  spawnTs,
  stopChild,
  uniqueKafkaNames,
  type Child,
  type PrivateBroker,
} from "../support/kafka.js";

const WRITE_KEY = `cf_w_${randomUUID().replaceAll("-", "")}`;

/**
 * The broker's own failures, on a PRIVATE broker (own port and data directory, started with
 * scripts/kafka/start.sh): the shared broker on 9092 serves every other test and is never stopped.
 * Real processes: `server/src/bin/collector.ts` (no storage) and `server/src/bin/consumer.ts` (chDB).
 */
describe("the broker down, killed and restarted (private broker, real processes)", () => {
  const root = fs.mkdtempSync(path.join(process.env.CHATFUNNEL_TEST_ROOT ?? os.tmpdir(), "broker-restart-"));
  const consumerDataDir = path.join(root, "consumer");
  const names = uniqueKafkaNames("restart");
  const children: Child[] = [];
  let broker: PrivateBroker;
  let common: Record<string, string>;

  beforeAll(async () => {
    broker = await privateBroker(path.join(root, "kafka"));
    common = {
      ...names,
      KAFKA_BROKERS: broker.brokers,
      KAFKA_TOPIC_PARTITIONS: "3",
      KAFKA_SESSION_TIMEOUT_MS: "6000",
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      PORT: "0",
      CHATFUNNEL_PROJECT_ID: "restart_test",
      CHATFUNNEL_WRITE_KEY: WRITE_KEY,
    };
  });
  afterAll(async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    await broker?.stop();
  });

  const startConsumer = () => {
    const child = spawnTs("server/src/bin/consumer.ts", { ...common, DATA_DIR: consumerDataDir, BATCH_MAX_WAIT_MS: "20", CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED: "1" });
    children.push(child);
    return child;
  };
  const ready = async (url: string) => (await fetch(`${url}/health/ready`)).json() as Promise<{ ready: boolean; reason: string }>;
  const rowsWritten = async (url: string) => counterValue(await (await fetch(`${url}/metrics`)).text(), "chatfunnel_rows_written_total");

  it("a consumer started before its broker waits (logged, not ready), then connects and consumes", { timeout: 180_000 }, async () => {
    const consumer = startConsumer();
    const healthUrl = await consumer.waitForOutput(/health \(not ready until the broker answers\) at (http:\/\/\S+)/);
    // Past the three attempts (each with the client's own retries) after which it used to exit.
    await consumer.waitForOutput(/Kafka broker not reachable; waiting for it.*"attempt":3/, 90_000);
    expect(consumer.process.exitCode).toBeNull();
    expect(await ready(healthUrl)).toEqual({ ready: false, reason: "waiting for the Kafka broker" });

    await broker.start();
    const url = await consumer.waitForOutput(/health at (http:\/\/\S+)/, 90_000);
    expect((await ready(url)).ready).toBe(true);

    const collector = spawnTs("server/src/bin/collector.ts", { ...common, DATA_DIR: path.join(root, "collector") });
    children.push(collector);
    const collectorUrl = await collector.waitForOutput(/collector: (http:\/\/\S+)\/v1\/events/);
    const events = Array.from({ length: 500 }, (_, i) => makeEvent({ userId: `early-${i % 40}` }));
    const res = await fetch(`${collectorUrl}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ events }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    await waitFor(() => rowsWritten(url), (rows) => rows >= 500, 60_000);
    expect(await stopChild(collector)).toEqual({ code: 0, signal: null });
    expect(await stopChild(consumer)).toEqual({ code: 0, signal: null });
    expect((await countStoredEvents(consumerDataDir)).final).toBe(500);
  });

  it("loses and duplicates nothing acknowledged when the broker and the consumer are SIGKILLed mid-stream", { timeout: 300_000 }, async () => {
    await broker.start(); // idempotent: already up after the first test
    const earlier = fs.existsSync(consumerDataDir) ? (await countStoredEvents(consumerDataDir)).final : 0;
    const collector = spawnTs("server/src/bin/collector.ts", { ...common, DATA_DIR: path.join(root, "collector") });
    children.push(collector);
    const collectorUrl = await collector.waitForOutput(/collector: (http:\/\/\S+)\/v1\/events/);
    let consumer = startConsumer();
    let consumerUrl = await consumer.waitForOutput(/health at (http:\/\/\S+)/, 90_000);

    const batches = Array.from({ length: 60 }, (_, b) => Array.from({ length: 200 }, (_, i) => makeEvent({ userId: `user-${(b * 7 + i) % 97}` })));
    const acknowledged = new Set<string>();
    const statuses = new Map<number, number>();
    // A sender as the SDK is one: a batch refused with 503 (the broker is away) is sent again, same ids.
    const sendUntilAcknowledged = async (events: Event[]) => {
      for (;;) {
        const res = await fetch(`${collectorUrl}/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ events }),
        }).catch(() => undefined);
        const status = res?.status ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const text = (await res?.text()) ?? "";
        expect([200, 503], text).toContain(status);
        if (status === 200) {
          expect((JSON.parse(text) as { accepted: number }).accepted).toBe(events.length);
          for (const event of events) acknowledged.add(event.id);
          return;
        }
        expect(Number(res!.headers.get("retry-after"))).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    let next = 0;
    const sendAll = (upTo: number, clients = 3) =>
      Promise.all(
        Array.from({ length: clients }, async () => {
          while (next < upTo) await sendUntilAcknowledged(batches[next++]!);
        }),
      );

    await sendAll(15);
    await waitFor(() => rowsWritten(consumerUrl), (rows) => rows > 0, 60_000);
    // The broker dies while batches stream in: some are in its log, some in flight, some refused.
    const wave2 = sendAll(35, 1);
    await waitFor(async () => next, (sent) => sent >= 18, 30_000, 5);
    await broker.kill();
    // Down long enough that the collector's own retries give up: senders hear 503 and send again.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    await broker.start();
    await wave2;

    // Then the consumer dies mid-stream, and a fresh one takes over from the last commit.
    const wave3 = sendAll(45);
    const written = await rowsWritten(consumerUrl);
    await waitFor(() => rowsWritten(consumerUrl), (rows) => rows > written, 60_000, 20);
    consumer.process.kill("SIGKILL");
    expect((await consumer.exited).signal).toBe("SIGKILL");
    await wave3;
    consumer = startConsumer();
    consumerUrl = await consumer.waitForOutput(/health at (http:\/\/\S+)/, 90_000);
    await sendAll(batches.length);

    await waitFor(() => consumerLag(broker.kafka, names.KAFKA_TOPIC, names.KAFKA_GROUP_ID), (lag) => lag === 0, 120_000, 250);
    expect(await stopChild(consumer)).toEqual({ code: 0, signal: null });
    expect(await stopChild(collector)).toEqual({ code: 0, signal: null });

    const total = batches.length * 200;
    expect(acknowledged.size).toBe(total);
    expect(statuses.get(503) ?? 0, "the outage was never seen by a sender").toBeGreaterThan(0);
    const stored = await countStoredEvents(consumerDataDir);
    // The first test's events share the directory.
    expect(stored.ids).toBe(total + earlier);
    expect(stored.final).toBe(total + earlier);
    console.log(`broker+consumer kill: ${total} acknowledged, ${stored.final} stored (FINAL), ${stored.raw} physical rows, answers ${JSON.stringify(Object.fromEntries(statuses))}`);
  });
});
