import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Event } from "@chatfunnel/schemas";
import { waitFor } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import {
  TEST_BROKER,
  consumerLag,
  countStoredEvents,
  deleteTopics,
  counterValue,
  requireBroker,
  spawnTs,
  stopChild,
  testKafka,
  uniqueKafkaNames,
  type Child,
} from "../support/kafka.js";

const WRITE_KEY = `cf_w_${randomUUID().replaceAll("-", "")}`;
const PROJECT = "crash_test";

/**
 * The real processes (`npm run start:collector`, `npm run start:consumer` entry points) against the
 * real broker. The consumer is SIGKILLed mid-stream, restarted on the same data directory, then
 * SIGTERMed mid-stream (graceful drain) and started once more;
 * afterwards every event sent is stored, and counts once.
 */
describe("consumer killed mid-stream (real processes, real broker)", () => {
  const names = uniqueKafkaNames("crash");
  const root = fs.mkdtempSync(path.join(process.env.CHATFUNNEL_TEST_ROOT ?? os.tmpdir(), "kafka-crash-"));
  const consumerDataDir = path.join(root, "consumer");
  const common = {
    ...names,
    KAFKA_BROKERS: TEST_BROKER,
    KAFKA_TOPIC_PARTITIONS: "3",
    KAFKA_SESSION_TIMEOUT_MS: "6000",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: "0",
    CHATFUNNEL_PROJECT_ID: PROJECT,
  };
  const children: Child[] = [];
  let collector: Child;
  let collectorUrl: string;
  const kafka = testKafka();

  const startConsumer = async () => {
    // The consumer is the one process on storage (the collector opens none): chDB is allowed for it.
    const child = spawnTs("server/src/bin/consumer.ts", { ...common, DATA_DIR: consumerDataDir, BATCH_MAX_WAIT_MS: "20", CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED: "1" });
    children.push(child);
    const url = await child.waitForOutput(/health at (http:\/\/\S+)/);
    return { child, url };
  };

  beforeAll(async () => {
    await requireBroker();
    // No CLICKHOUSE_URL: the collector accepts exactly CHATFUNNEL_WRITE_KEY and opens no storage.
    collector = spawnTs("server/src/bin/collector.ts", { ...common, DATA_DIR: path.join(root, "collector"), CHATFUNNEL_WRITE_KEY: WRITE_KEY });
    children.push(collector);
    collectorUrl = await collector.waitForOutput(/collector: (http:\/\/\S+)\/v1\/events/);
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    await deleteTopics(kafka, [names.KAFKA_TOPIC, names.KAFKA_DLQ_TOPIC]);
  });

  const sendAll = async (batches: Event[][], clients = 3) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < batches.length) {
          const events = batches[next++]!;
          const res = await fetch(`${collectorUrl}/v1/events`, {
            method: "POST",
            headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json" },
            body: JSON.stringify({ events }),
          });
          expect(res.status, await res.clone().text()).toBe(200);
          expect(((await res.json()) as { accepted: number }).accepted).toBe(events.length);
        }
      }),
    );
  };
  const rowsWritten = async (url: string) => counterValue(await (await fetch(`${url}/metrics`)).text(), "chatfunnel_rows_written_total");

  it("loses nothing and duplicates nothing across a SIGKILL and a SIGTERM mid-stream", async () => {
    const batches = Array.from({ length: 50 }, (_, b) => Array.from({ length: 250 }, (_, i) => makeEvent({ userId: `user-${(b * 7 + i) % 97}` })));
    const total = batches.length * 250;
    const lag = () => consumerLag(kafka, names.KAFKA_TOPIC, names.KAFKA_GROUP_ID);
    const first = await startConsumer();
    expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);

    await sendAll(batches.slice(0, 16));
    const before = await waitFor(() => rowsWritten(first.url), (rows) => rows > 0);
    // Kill while more is streaming in: batches in the consumer's hands may be stored but not committed.
    const wave2 = sendAll(batches.slice(16, 32));
    await waitFor(() => rowsWritten(first.url), (rows) => rows > before, 30_000, 20);
    first.child.process.kill("SIGKILL");
    expect((await first.child.exited).signal).toBe("SIGKILL");
    await wave2;
    expect(await lag()).toBeGreaterThan(0);

    // The second consumer takes over from the last commit, and is asked to stop while a third wave
    // streams in: it finishes the batches in hand, commits them and leaves the group, exit code 0.
    const second = await startConsumer();
    const caughtUp = await waitFor(() => rowsWritten(second.url), (rows) => rows > 0, 60_000);
    const wave3 = sendAll(batches.slice(32, 48));
    await waitFor(() => rowsWritten(second.url), (rows) => rows > caughtUp, 30_000, 20);
    expect(await stopChild(second.child)).toEqual({ code: 0, signal: null });
    await wave3;

    const third = await startConsumer();
    // The second consumer may have drained everything before it stopped: give the third its own
    // work so its lag gauge is surely set.
    await sendAll(batches.slice(48));
    await waitFor(lag, (remaining) => remaining === 0, 60_000, 250);
    const metricsText = await (await fetch(`${third.url}/metrics`)).text();
    expect(metricsText).toMatch(/chatfunnel_consumer_lag_messages\{partition="\d"\} 0/);
    expect(counterValue(metricsText, "chatfunnel_consumer_lag_messages")).toBe(0);
    expect(await stopChild(third.child)).toEqual({ code: 0, signal: null });

    // chDB allows one process per data directory: read the consumer's table after it stopped.
    const stored = await countStoredEvents(consumerDataDir);
    expect(stored.final).toBe(total);
    expect(stored.ids).toBe(total);
    // At-least-once underneath: redelivered rows may exist physically, and collapse by event id.
    expect(stored.raw).toBeGreaterThanOrEqual(total);
  });
});
