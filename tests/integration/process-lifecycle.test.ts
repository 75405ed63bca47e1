import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "@chatfunnel/core";
import { startCollectorProcess, type CollectorProcess } from "../../server/src/collector-process.js";
import { startConsumerProcess, type ConsumerProcess } from "../../server/src/consumer-process.js";
import { testConfig, waitFor } from "../support/engine.js";
import { makeEvent } from "../support/events.js";
import { TEST_BROKER, counterValue, deleteTopics, requireBroker, testKafka, uniqueKafkaNames } from "../support/kafka.js";

/**
 * The distributed collector and consumer started through their start functions, in this process,
 * on the real broker and engine: an event goes through, and each shuts down in DESIGN's order
 * (HTTP → drain and commit the consumer → flush writer and producer → close clients).
 */
describe("collector and consumer lifecycles", () => {
  let collector: CollectorProcess | undefined;
  let consumer: ConsumerProcess | undefined;
  const names = uniqueKafkaNames("lifecycle");
  afterAll(async () => {
    await collector?.close();
    await consumer?.close();
    await deleteTopics(testKafka(), [names.KAFKA_TOPIC, names.KAFKA_DLQ_TOPIC]).catch(() => {});
  });

  it("start ready, carry an event, and stop part by part in order", async () => {
    await requireBroker();
    const writeKey = `cf_w_${randomUUID().replaceAll("-", "")}`;
    const config = testConfig({ HOST: "127.0.0.1", KAFKA_BROKERS: TEST_BROKER, KAFKA_SESSION_TIMEOUT_MS: "6000", CHATFUNNEL_WRITE_KEY: writeKey, ...names });
    const logger = createLogger("silent", "lifecycle-test");

    consumer = await startConsumerProcess(config, { logger });
    expect((await fetch(`${consumer.url}/health/ready`)).status).toBe(200);
    collector = await startCollectorProcess(config, { logger });
    expect((await fetch(`${collector.url}/health/ready`)).status).toBe(200);

    const posted = await fetch(`${collector.url}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${writeKey}`, "content-type": "application/json" },
      body: JSON.stringify({ events: [makeEvent()] }),
    });
    expect(await posted.json()).toEqual({ accepted: 1, rejected: [] });
    const consumerUrl = consumer.url;
    await waitFor(async () => counterValue(await (await fetch(`${consumerUrl}/metrics`)).text(), "chatfunnel_rows_written_total"), (rows) => rows === 1);

    const collectorStopped = await collector.close();
    collector = undefined;
    expect(collectorStopped).toMatchObject({ clean: true, exitCode: 0, pending: [] });
    // The send queue flushes before the producer it sends through disconnects; no storage was opened.
    expect(collectorStopped.steps.map((step) => step.part)).toEqual(["http", "send queue", "producer"]);

    const consumerStopped = await consumer.close();
    consumer = undefined;
    expect(consumerStopped).toMatchObject({ clean: true, exitCode: 0, pending: [] });
    // Its health endpoint listened first, yet HTTP still stops first.
    expect(consumerStopped.steps.map((step) => step.part)).toEqual(["http", "consumer", "writer", "storage"]);
    await expect(fetch(`${consumerUrl}/health/live`)).rejects.toThrow();
  });
});
