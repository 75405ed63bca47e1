import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Producer } from "kafkajs";
import type { Config, Event } from "@chatfunnel/schemas";
import { createEventWriter, type BatchWriter } from "@chatfunnel/ingest";
import { createLogger, createMetrics, type Storage } from "@chatfunnel/core";
import { type EventRow } from "@chatfunnel/warehouse";
import { createKafka } from "../../ingest/src/kafka/client.js";
import { ensureTopics } from "../../ingest/src/kafka/topics.js";
import { toEventMessage } from "../../ingest/src/kafka/event-messages.js";
import { createEventConsumer, type EventConsumer } from "../../ingest/src/consumer/event-consumer.js";
import { DLQ_HEADERS } from "../../ingest/src/consumer/dead-letter.js";
import { createProject, freshDatabase, testConfig, waitFor } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import { TEST_BROKER, deleteTopics, headerText, readMessages, requireBroker, testKafka, uniqueKafkaNames } from "../support/kafka.js";

/**
 * Issue 10, defect 1 on the Kafka path (real broker, real engine): a poison event must not stall
 * its partition or any other. It used to: ClickHouse refused the whole insert for one lone
 * surrogate, the consumer called that an outage and retried for ever, and 0 of 5,002 later
 * acknowledged events were stored after 98 s.
 */
describe("poison events on the Kafka path", () => {
  let config: Config;
  let storage: Storage;
  let project: Awaited<ReturnType<typeof createProject>>;
  let producer: Producer;
  let writer: BatchWriter<EventRow>;
  let consumer: EventConsumer;
  const kafka = testKafka();
  const ENGINE_POISON = "engine-poison";

  beforeAll(async () => {
    await requireBroker();
    config = testConfig({ KAFKA_BROKERS: TEST_BROKER, KAFKA_TOPIC_PARTITIONS: "3", KAFKA_SESSION_TIMEOUT_MS: "6000", ...uniqueKafkaNames("poison") });
    storage = await freshDatabase();
    project = await createProject(storage);
    const logger = createLogger("silent", "test");
    const appKafka = createKafka(config, logger);
    await ensureTopics(appKafka, config);
    // A gap in validation, as the lone surrogate was: rows of one user reach the real engine with
    // text it refuses. Everything else about the insert is the real one.
    const leaky: Storage = {
      ...storage,
      insertRows: (table, rows, settings) =>
        storage.insertRows(table, (rows as EventRow[]).map((row) => (row.user_id === ENGINE_POISON ? { ...row, properties: { text: "cut \ud83d" } } : row)), settings),
    };
    writer = createEventWriter(leaky, config);
    consumer = createEventConsumer({ kafka: appKafka, writer, config, metrics: createMetrics(), logger });
    await consumer.start();
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await consumer?.stop();
    await writer?.close();
    await producer?.disconnect();
    if (config) await deleteTopics(kafka, [config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC]);
  });

  const storedUsers = async (prefix: string) => {
    const result = await storage.client.query({
      query: `SELECT count() AS n FROM ${storage.database}.events FINAL WHERE project_id = {p:String} AND startsWith(user_id, {prefix:String})`,
      query_params: { p: project.projectId, prefix },
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    });
    return Number((await result.json<{ n: number }>())[0]?.n);
  };
  const send = (events: Event[]) =>
    producer.send({ topic: config.KAFKA_TOPIC, acks: -1, messages: events.map((event) => toEventMessage(project.projectId, event, new Date().toISOString())) });

  it("dead-letters a lone surrogate as an invalid event and stores every later acknowledged event within the retry budget", async () => {
    const cut = makeEvent({ userId: "later-0", properties: { text: "hello 😀".slice(0, 7) } });
    // Same user: the poison sits in the same partition as the events after it.
    const later = Array.from({ length: 1500 }, (_, i) => makeEvent({ userId: `later-${i % 7}` }));
    const started = Date.now();
    await send([cut, ...later]);
    await waitFor(() => storedUsers("later-"), (n) => n === 1500, 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    const letters = await readMessages(kafka, config.KAFKA_DLQ_TOPIC, 1);
    const letter = letters.find((m) => m.value?.toString().includes(cut.id))!;
    expect(headerText(letter.headers, DLQ_HEADERS.reason)).toBe("invalid_event");
    expect(headerText(letter.headers, DLQ_HEADERS.error)).toMatch(/event\.properties\.text: contains a lone surrogate/);
  });

  it("dead-letters a row the engine itself refuses with its reason, and stores its neighbours of every partition", async () => {
    const poison = makeEvent({ userId: ENGINE_POISON, type: "lead" });
    const neighbours = Array.from({ length: 600 }, (_, i) => makeEvent({ userId: `nb-${i % 11}` }));
    const started = Date.now();
    await send([...neighbours.slice(0, 300), poison, ...neighbours.slice(300)]);
    // The writer's retry budget is ~3 s (200 ms doubling, 5 attempts); a row error is not retried at all.
    await waitFor(() => storedUsers("nb-"), (n) => n === 600, 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    const letters = await readMessages(kafka, config.KAFKA_DLQ_TOPIC, 2);
    const letter = letters.find((m) => m.value?.toString().includes(poison.id))!;
    expect(headerText(letter.headers, DLQ_HEADERS.reason)).toBe("insert_rejected");
    expect(headerText(letter.headers, DLQ_HEADERS.error)).toMatch(/surrogate/);
    expect(headerText(letter.headers, DLQ_HEADERS.topic)).toBe(config.KAFKA_TOPIC);
    expect(await storedUsers(ENGINE_POISON)).toBe(0);
  });
});
