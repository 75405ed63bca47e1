import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Event } from "@chatfunnel/schemas";
import { startEmbeddedProcess, type EmbeddedProcess } from "../support/embedded-process.js";
import { waitFor } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import {
  TEST_BROKER,
  consumerLag,
  countStoredEvents,
  deleteTopics,
  requireBroker,
  spawnTs,
  stopChild,
  testKafka,
  uniqueKafkaNames,
  type Child,
} from "../support/kafka.js";
import { mountSmallDisk, type SmallDisk } from "../support/tmpfs.js";

const WRITE_KEY = `cf_w_${randomUUID().replaceAll("-", "")}`;
const READ_KEY = `cf_r_${randomUUID().replaceAll("-", "")}`;

/**
 * The embedded default as a process with DATA_DIR on a real 64 MiB tmpfs, filled to the last byte:
 * a full disk is an outage to retry (503 + Retry-After, not ready), never a 500, a crash on
 * restart or an acknowledged event lost.
 */
describe("embedded default on a full disk", () => {
  let disk: SmallDisk;
  let running: EmbeddedProcess | undefined;
  const start = async () => {
    running = await startEmbeddedProcess({ DATA_DIR: disk.dir, CHATFUNNEL_WRITE_KEY: WRITE_KEY, CHATFUNNEL_READ_KEY: READ_KEY, BATCH_MAX_WAIT_MS: "5" });
    return running.url;
  };

  beforeAll(() => {
    disk = mountSmallDisk("disk-full");
  });
  afterAll(async () => {
    await running?.stop();
    disk?.unmount();
  });

  const post = (url: string, events: Event[]) =>
    fetch(`${url}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ events }),
    });
  const ready = async (url: string) => {
    const res = await fetch(`${url}/health/ready`);
    return { status: res.status, body: (await res.json()) as { ready: boolean; reason: string } };
  };

  it("answers 503 with Retry-After and not ready while full, restarts while full, and stores every acknowledged event once space is back", { timeout: 240_000 }, async () => {
    const acknowledged = new Set<string>();
    const refused: Event[][] = [];
    const send = async (url: string, events: Event[]) => {
      const res = await post(url, events);
      const text = await res.text();
      expect([200, 503], text).toContain(res.status);
      if (res.status === 200) {
        expect((JSON.parse(text) as { accepted: number }).accepted).toBe(events.length);
        for (const event of events) acknowledged.add(event.id);
      } else {
        expect(Number(res.headers.get("retry-after")), text).toBeGreaterThan(0);
        refused.push(events);
      }
      return res.status;
    };
    const batch = (b: number) => Array.from({ length: 100 }, (_, i) => makeEvent({ userId: `user-${(b * 13 + i) % 50}`, properties: { n: b * 100 + i } }));

    let url = await start();
    for (let b = 0; b < 5; b++) expect(await send(url, batch(b))).toBe(200);
    expect((await ready(url)).status).toBe(200);

    disk.fill();
    const statuses: number[] = [];
    for (let b = 5; b < 10; b++) statuses.push(await send(url, batch(b)));
    expect(statuses).toContain(503);
    const notReady = await ready(url);
    expect(notReady.status).toBe(503);
    expect(notReady.body.reason).toMatch(/storage refuses writes/);

    // A restart while the disk is still full starts (it writes nothing that is already there),
    // serves reads, and knows from its first probe that writes are refused.
    expect(await running!.stop()).toBe(0);
    url = await start();
    const overview = await fetch(`${url}/api/v1/overview?from=2026-04-01&to=2026-06-01`, { headers: { authorization: `Bearer ${READ_KEY}` } });
    expect(overview.status, await overview.clone().text()).toBe(200);
    await waitFor(() => ready(url), (state) => state.status === 503, 10_000, 100);
    expect(await send(url, batch(10))).toBe(503);

    // Space is back: readiness recovers by itself (probes, no traffic needed), then the senders'
    // retries of every refused batch are stored.
    disk.free();
    await waitFor(() => ready(url), (state) => state.status === 200, 15_000, 200);
    for (const events of refused.splice(0)) expect(await send(url, events)).toBe(200);
    for (let b = 11; b < 14; b++) expect(await send(url, batch(b))).toBe(200);

    expect(await running!.stop()).toBe(0);
    running = undefined;
    const stored = await countStoredEvents(disk.dir);
    expect(stored.ids).toBe(acknowledged.size);
    expect(stored.final).toBe(acknowledged.size);
    expect(acknowledged.size).toBe(14 * 100);
  });
});

/**
 * The Kafka consumer with its chDB directory on a full tmpfs (the shared broker, a topic of this
 * test alone): inserts fail, so nothing is committed and the consumer says it is not ready; once
 * space is back it recovers by itself and every acknowledged event is stored exactly once.
 */
describe("Kafka consumer on a full disk", () => {
  let disk: SmallDisk;
  const names = uniqueKafkaNames("diskfull");
  const children: Child[] = [];
  beforeAll(async () => {
    await requireBroker();
    disk = mountSmallDisk("disk-full-consumer");
  });
  afterAll(async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    disk?.unmount();
    await deleteTopics(testKafka(), [names.KAFKA_TOPIC, names.KAFKA_DLQ_TOPIC]);
  });

  it("is not ready while inserts fail, commits nothing, and stores everything once space is back", { timeout: 240_000 }, async () => {
    const common = { ...names, KAFKA_BROKERS: TEST_BROKER, KAFKA_TOPIC_PARTITIONS: "2", LOG_LEVEL: "warn", HOST: "127.0.0.1", PORT: "0", CHATFUNNEL_PROJECT_ID: "diskfull", CHATFUNNEL_WRITE_KEY: WRITE_KEY };
    const collector = spawnTs("server/src/bin/collector.ts", { ...common, DATA_DIR: path.join(os.tmpdir(), "disk-full-collector-opens-no-storage") });
    const consumer = spawnTs("server/src/bin/consumer.ts", { ...common, DATA_DIR: disk.dir, BATCH_MAX_WAIT_MS: "5", CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED: "1" });
    children.push(collector, consumer);
    const collectorUrl = await collector.waitForOutput(/collector: (http:\/\/\S+)\/v1\/events/);
    const consumerUrl = await consumer.waitForOutput(/health at (http:\/\/\S+)/);
    const ready = async () => (await fetch(`${consumerUrl}/health/ready`)).json() as Promise<{ ready: boolean; reason: string }>;
    const send = async (events: Event[]) => {
      const res = await fetch(`${collectorUrl}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ events }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    };
    const lag = () => consumerLag(testKafka(), names.KAFKA_TOPIC, names.KAFKA_GROUP_ID);

    await send(Array.from({ length: 300 }, (_, i) => makeEvent({ userId: `u-${i % 30}` })));
    await waitFor(lag, (remaining) => remaining === 0, 60_000, 200);
    expect((await ready()).ready).toBe(true);

    disk.fill();
    for (let b = 0; b < 5; b++) await send(Array.from({ length: 200 }, (_, i) => makeEvent({ userId: `u-${(b * 7 + i) % 30}` })));
    const refusing = await waitFor(ready, (state) => !state.ready, 60_000, 200);
    expect(refusing.reason).toMatch(/storage refuses writes/);
    expect(await lag()).toBeGreaterThan(0);
    expect(consumer.process.exitCode).toBeNull();

    disk.free();
    await waitFor(ready, (state) => state.ready, 60_000, 200);
    await waitFor(lag, (remaining) => remaining === 0, 120_000, 250);
    expect(await stopChild(consumer)).toEqual({ code: 0, signal: null });
    const stored = await countStoredEvents(disk.dir);
    expect(stored.ids).toBe(1300);
    expect(stored.final).toBe(1300);
  });
});
