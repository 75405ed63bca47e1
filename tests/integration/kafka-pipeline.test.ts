import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Express } from "express";
import type { Producer } from "kafkajs";
import { EventSchema, type Config } from "@chatfunnel/schemas";
import { KeyStore, Readiness, createLogger, createMetrics, type Metrics, type Storage } from "@chatfunnel/core";
import { createEventWriter, type BatchWriter } from "@chatfunnel/ingest";
import { type EventRow } from "@chatfunnel/warehouse";
import { createHttpApp } from "@chatfunnel/server";
import { createKafka } from "../../ingest/src/kafka/client.js";
import { ensureTopics } from "../../ingest/src/kafka/topics.js";
import { SendQueue, createDurableProducer } from "../../ingest/src/kafka/producer.js";
import { createKafkaSink } from "../../ingest/src/collector/kafka-sink.js";
import { createEventConsumer, type EventConsumer } from "../../ingest/src/consumer/event-consumer.js";
import { DLQ_HEADERS } from "../../ingest/src/consumer/dead-letter.js";
import { createProject, freshDatabase, testConfig, waitFor } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import { TEST_BROKER, consumerLag, deleteTopics, headerText, readMessages, requireBroker, testKafka, uniqueKafkaNames } from "../support/kafka.js";

/**
 * HTTP → collector → real Kafka → consumer → real ClickHouse engine, all in this process: the
 * collector's app on a Kafka sink, and the consumer writing into this test's own database.
 */
describe("Kafka pipeline (real broker, real engine)", () => {
  let config: Config;
  let storage: Storage;
  let project: Awaited<ReturnType<typeof createProject>>;
  let app: Express;
  let producer: Producer;
  let rawProducer: Producer;
  let writer: BatchWriter<EventRow>;
  let consumer: EventConsumer;
  let consumerMetrics: Metrics;
  const kafka = testKafka();

  beforeAll(async () => {
    await requireBroker();
    config = testConfig({ KAFKA_BROKERS: TEST_BROKER, KAFKA_TOPIC_PARTITIONS: "3", KAFKA_SESSION_TIMEOUT_MS: "6000", ...uniqueKafkaNames("pipeline") });
    storage = await freshDatabase();
    project = await createProject(storage);
    const logger = createLogger("silent", "test");
    const appKafka = createKafka(config, logger);
    expect(await ensureTopics(appKafka, config)).toEqual([config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC]);
    expect(await ensureTopics(appKafka, config)).toEqual([]);

    producer = createDurableProducer(appKafka);
    await producer.connect();
    const collectorMetrics = createMetrics();
    const readiness = new Readiness();
    readiness.markReady();
    const sink = createKafkaSink(new SendQueue(producer, config.KAFKA_TOPIC, { maxRequestBytes: 4 * 1024 * 1024 }), 100_000);
    app = createHttpApp({ readiness, metrics: collectorMetrics, logger, collector: { keys: new KeyStore(storage, 0), sink, metrics: collectorMetrics, logger } });

    consumerMetrics = createMetrics();
    // Wired as in the consumer process: every failed insert attempt is counted.
    writer = createEventWriter(storage, config, { onError: () => consumerMetrics.insertErrors.inc() });
    consumer = createEventConsumer({ kafka: appKafka, writer, config, metrics: consumerMetrics, logger });
    await consumer.start();
    rawProducer = kafka.producer();
    await rawProducer.connect();
  });

  afterAll(async () => {
    await consumer?.stop();
    await writer?.close();
    await producer?.disconnect();
    await rawProducer?.disconnect();
    if (config) await deleteTopics(kafka, [config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC]);
  });

  const post = (events: unknown[]) => request(app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events });

  const counts = async () => {
    const result = await storage.client.query({
      query: `SELECT (SELECT count() FROM ${storage.database}.events FINAL WHERE project_id = {p:String}) AS final,
                     (SELECT count() FROM ${storage.database}.events WHERE project_id = {p:String}) AS raw`,
      query_params: { p: project.projectId },
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    const [row] = await result.json<{ final: number; raw: number }>();
    return { final: Number(row?.final), raw: Number(row?.raw) };
  };
  const rawRowsOfUsers = async (prefix: string) => {
    const result = await storage.client.query({
      query: `SELECT count() AS n FROM ${storage.database}.events WHERE project_id = {p:String} AND startsWith(user_id, {prefix:String})`,
      query_params: { p: project.projectId, prefix },
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    const [row] = await result.json<{ n: number }>();
    return Number(row?.n);
  };
  const drained = () => waitFor(() => consumerLag(kafka, config.KAFKA_TOPIC, config.KAFKA_GROUP_ID), (lag) => lag === 0);

  it("stores exactly what the collector accepted, keyed by project:channel:user", async () => {
    const users = ["u1", "u2", "u3", "u4"];
    const batches = Array.from({ length: 5 }, (_, b) =>
      Array.from({ length: 200 }, (_, i) => makeEvent({ userId: users[(b + i) % users.length]!, channel: i % 2 ? "vk" : "telegram" })),
    );
    const responses = await Promise.all(batches.map((events, b) => post(b === 0 ? [...events, { ...makeEvent(), channel: "icq" }] : events)));
    for (const res of responses) expect(res.status).toBe(200);
    expect(responses[0]!.body.accepted).toBe(200);
    expect(responses[0]!.body.rejected).toHaveLength(1);
    await waitFor(counts, (c) => c.final === 1000);
    await drained();
    expect(await counts()).toEqual({ final: 1000, raw: 1000 });

    const onTopic = await readMessages(kafka, config.KAFKA_TOPIC, 1000);
    const message = onTopic.find((m) => m.value?.toString().includes('"userId":"u2"'))!;
    const queued = JSON.parse(message.value!.toString());
    expect(message.key!.toString()).toBe(`${project.projectId}:${queued.event.channel}:u2`);
    expect(Object.keys(queued).sort()).toEqual(["event", "projectId", "receivedAt"]);
  });

  it("counts a batch sent twice once, although both copies went through Kafka", async () => {
    const before = await counts();
    const events = Array.from({ length: 50 }, (_, i) => makeEvent({ userId: `dup-${i % 5}`, type: "lead" }));
    expect((await post(events)).status).toBe(200);
    expect((await post(events)).status).toBe(200);
    await drained();
    const ids = new Set(events.map((event) => event.id));
    const onTopic = await readMessages(kafka, config.KAFKA_TOPIC, 1100);
    expect(onTopic.filter((m) => ids.has(JSON.parse(m.value!.toString()).event.id))).toHaveLength(100);
    expect((await counts()).final).toBe(before.final + 50);
  });

  it("dead-letters raw non-JSON and schema-invalid messages with reason headers while the rest flow", async () => {
    const before = await counts();
    const good = (userId: string) => ({
      key: `${project.projectId}:telegram:${userId}`,
      value: JSON.stringify({ projectId: project.projectId, receivedAt: new Date().toISOString(), event: makeEvent({ userId }) }),
    });
    const notJson = { key: `${project.projectId}:telegram:p1`, value: "{this is not json" };
    const invalid = {
      key: `${project.projectId}:telegram:p1`,
      value: JSON.stringify({ projectId: project.projectId, receivedAt: "yesterday", event: { ...makeEvent({ userId: "p1" }), channel: "icq" } }),
    };
    // Same key: one partition, so the poison sits between valid messages in one batch.
    await rawProducer.send({ topic: config.KAFKA_TOPIC, messages: [good("p1"), notJson, good("p1"), invalid, good("p1"), good("p2")] });

    await waitFor(counts, (c) => c.final === before.final + 4);
    const letters = await readMessages(kafka, config.KAFKA_DLQ_TOPIC, 2);
    const byReason = new Map(letters.map((m) => [headerText(m.headers, DLQ_HEADERS.reason), m]));
    expect([...byReason.keys()].sort()).toEqual(["invalid_event", "invalid_json"]);
    const json = byReason.get("invalid_json")!;
    expect(json.value!.toString()).toBe(notJson.value);
    expect(json.key!.toString()).toBe(notJson.key);
    expect(headerText(json.headers, DLQ_HEADERS.topic)).toBe(config.KAFKA_TOPIC);
    expect(Number(headerText(json.headers, DLQ_HEADERS.partition))).toBeGreaterThanOrEqual(0);
    expect(headerText(json.headers, DLQ_HEADERS.offset)).toMatch(/^\d+$/);
    const schema = byReason.get("invalid_event")!;
    expect(headerText(schema.headers, DLQ_HEADERS.error)).toContain("event.channel");
    expect(headerText(schema.headers, DLQ_HEADERS.error)).toContain("receivedAt");
    expect(Number(headerText(schema.headers, DLQ_HEADERS.offset))).toBe(Number(headerText(json.headers, DLQ_HEADERS.offset)) + 2);
    const dead = await consumerMetrics.deadLettered.get();
    expect(Object.fromEntries(dead.values.map((v) => [v.labels.reason, v.value]))).toEqual({ invalid_json: 1, invalid_event: 1 });
    await drained();
    expect((await counts()).final).toBe(before.final + 4);
  });

  it("dead-letters a row ClickHouse itself refuses, and stores the rows that were in the same insert", async () => {
    const before = await counts();
    // Valid JSON and (today) a valid event, but more than Decimal(18, 4) holds: the insert fails on this row only.
    const huge = makeEvent({ userId: "rich", type: "order", revenue: 1e15, currency: "RUB" });
    const message = (event: ReturnType<typeof makeEvent>) => ({
      key: `${project.projectId}:telegram:${event.userId}`,
      value: JSON.stringify({ projectId: project.projectId, receivedAt: new Date().toISOString(), event }),
    });
    const fine = Array.from({ length: 20 }, (_, i) => makeEvent({ userId: `fine-${i}` }));
    await rawProducer.send({ topic: config.KAFKA_TOPIC, messages: [message(huge), ...fine.map(message)] });

    await waitFor(counts, (c) => c.final === before.final + 20);
    const letters = await readMessages(kafka, config.KAFKA_DLQ_TOPIC, 3);
    const letter = letters.find((m) => m.value?.toString().includes(huge.id))!;
    // Should the schema learn the column's bound, the same message is refused before the insert instead.
    const expected = EventSchema.safeParse(huge).success ? "insert_rejected" : "invalid_event";
    expect(headerText(letter.headers, DLQ_HEADERS.reason)).toBe(expected);
    expect(headerText(letter.headers, DLQ_HEADERS.error)).toMatch(/revenue|[Dd]ecimal/);
    await drained();
    expect((await counts()).final).toBe(before.final + 20);
  });

  it("does not commit while ClickHouse cannot insert, and stores everything once it can again", async () => {
    const before = await counts();
    const lagBefore = await consumerLag(kafka, config.KAFKA_TOPIC, config.KAFKA_GROUP_ID);
    expect(lagBefore).toBe(0);
    // A real engine failure: the table is gone for a while (as during a botched migration or a restore).
    await storage.client.command({ query: `RENAME TABLE ${storage.database}.events TO ${storage.database}.events_away` });
    let restored = false;
    try {
      const events = Array.from({ length: 30 }, (_, i) => makeEvent({ userId: `outage-${i % 3}` }));
      expect((await post(events)).status).toBe(200);
      // Five failed attempts: the writer has used up its own retries and the batch failed back to
      // kafkajs, which fetches it again from the last resolved offset.
      const errorsBefore = (await consumerMetrics.insertErrors.get()).values[0]?.value ?? 0;
      await waitFor(async () => (await consumerMetrics.insertErrors.get()).values[0]?.value ?? 0, (errors) => errors >= errorsBefore + 5);
      expect(await consumerLag(kafka, config.KAFKA_TOPIC, config.KAFKA_GROUP_ID)).toBe(30);
      await storage.client.command({ query: `RENAME TABLE ${storage.database}.events_away TO ${storage.database}.events` });
      restored = true;
      await waitFor(counts, (c) => c.final === before.final + 30, 60_000);
      await drained();
      expect((await counts()).final).toBe(before.final + 30);
      // The failed attempts wrote nothing: each row is there once, physically too.
      expect(await rawRowsOfUsers("outage-")).toBe(30);
    } finally {
      if (!restored) await storage.client.command({ query: `RENAME TABLE ${storage.database}.events_away TO ${storage.database}.events` });
    }
  });
});
