import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Producer } from "kafkajs";
import { KeyStore, Readiness, createLogger, createMetrics, type Storage } from "@chatfunnel/core";
import { createHttpApp } from "@chatfunnel/server";
import { createKafka } from "../../ingest/src/kafka/client.js";
import { SendQueue, createDurableProducer } from "../../ingest/src/kafka/producer.js";
import { createKafkaSink } from "../../ingest/src/collector/kafka-sink.js";
import { createProject, freshDatabase, testConfig } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import { TEST_BROKER, requireBroker, uniqueKafkaNames } from "../support/kafka.js";

/** The distributed collector's answers when Kafka cannot take the events: never a 500, never a lie. */
describe("Kafka collector when the broker cannot take events", () => {
  let storage: Storage;
  let project: Awaited<ReturnType<typeof createProject>>;
  let producer: Producer;
  const logger = createLogger("silent", "test");

  beforeAll(async () => {
    await requireBroker();
    storage = await freshDatabase();
    project = await createProject(storage);
    producer = createDurableProducer(createKafka(testConfig({ KAFKA_BROKERS: TEST_BROKER }), logger));
    await producer.connect();
  });
  afterAll(async () => producer?.disconnect());

  const appWith = (topic: string, maxPending: number) => {
    const metrics = createMetrics();
    const readiness = new Readiness();
    readiness.markReady();
    const sink = createKafkaSink(new SendQueue(producer, topic, { maxRequestBytes: 1024 * 1024 }), maxPending);
    return createHttpApp({ readiness, metrics, logger, collector: { keys: new KeyStore(storage, 0), sink, metrics, logger } });
  };
  const post = (app: ReturnType<typeof appWith>) =>
    request(app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events: [makeEvent()] });

  it("answers 503 with Retry-After when the broker refuses the produce request", async () => {
    // The producer may not create topics: a topic that does not exist is a broker-side failure.
    const res = await post(appWith(uniqueKafkaNames("missing").KAFKA_TOPIC, 1000));
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.body.error.code).toBe("unavailable");
  });

  it("answers 429 with Retry-After when too many events wait for the broker", async () => {
    const res = await post(appWith(uniqueKafkaNames("busy").KAFKA_TOPIC, 0));
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("1");
  });

  it("answers 503 when the producer has lost its connection", async () => {
    const gone = createDurableProducer(createKafka(testConfig({ KAFKA_BROKERS: TEST_BROKER }), logger));
    const metrics = createMetrics();
    const readiness = new Readiness();
    readiness.markReady();
    const sink = createKafkaSink(new SendQueue(gone, "never-sent", { maxRequestBytes: 1024 * 1024 }), 1000);
    const app = createHttpApp({ readiness, metrics, logger, collector: { keys: new KeyStore(storage, 0), sink, metrics, logger } });
    const res = await request(app).post("/v1/events").set("Authorization", `Bearer ${project.writeKey}`).send({ events: [makeEvent()] });
    expect(res.status).toBe(503);
  });
});
