import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "@chatfunnel/schemas";
import { createEventWriter, type BatchWriter } from "@chatfunnel/ingest";
import { createLogger, createMetrics, generateKey, type Storage } from "@chatfunnel/core";
import { type EventRow } from "@chatfunnel/warehouse";
import { startCollectorProcess, type CollectorProcess } from "../../server/src/collector-process.js";
import { createKafka } from "../../ingest/src/kafka/client.js";
import { createEventConsumer, type EventConsumer } from "../../ingest/src/consumer/event-consumer.js";
import { createLink } from "../../api/src/metrics/links.js";
import { freshDatabase, testConfig, waitFor } from "../support/engine.js";
import { TEST_BROKER, deleteTopics, requireBroker, testKafka, uniqueKafkaNames } from "../support/kafka.js";

/**
 * Kafka mode: the collector process answers /v1/updates after the broker has the events, and the
 * consumer (its own storage handle, so its own link catalog) stores them attributed.
 */
describe("POST /v1/updates through the distributed collector and Kafka", () => {
  const projectId = "kafka_updates";
  const writeKey = generateKey("write");
  let config: Config;
  let storage: Storage;
  let collector: CollectorProcess;
  let writer: BatchWriter<EventRow>;
  let consumer: EventConsumer;

  beforeAll(async () => {
    await requireBroker();
    config = testConfig({ KAFKA_BROKERS: TEST_BROKER, KAFKA_TOPIC_PARTITIONS: "2", KAFKA_SESSION_TIMEOUT_MS: "6000", CHATFUNNEL_WRITE_KEY: writeKey, CHATFUNNEL_PROJECT_ID: projectId, ...uniqueKafkaNames("updates") });
    storage = await freshDatabase();
    collector = await startCollectorProcess(config, { logger: createLogger("silent", "collector") });
    const consumerStorage: Storage = { ...storage.withDatabase(storage.database), close: async () => {} };
    writer = createEventWriter(consumerStorage, config);
    consumer = createEventConsumer({ kafka: createKafka(config, createLogger("silent", "consumer")), writer, config, metrics: createMetrics(), logger: createLogger("silent", "consumer") });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await writer?.close();
    await collector?.close();
    if (config) await deleteTopics(testKafka(), [config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC]);
  });

  it("maps, queues and stores a raw Telegram update with its link's campaign, once however often it is forwarded", async () => {
    const link = await createLink(storage, projectId, { channel: "telegram", target: "shop_bot", campaign: "kafka_cmp" });
    const update = {
      update_id: 31337,
      message: { message_id: 1, date: Math.floor(Date.now() / 1000) - 60, chat: { id: 77, type: "private" }, from: { id: 77, is_bot: false, first_name: "K" }, text: `/start ${link.code}` },
    };
    for (let i = 0; i < 2; i += 1) {
      const res = await fetch(`${collector.url}/v1/updates/telegram?botId=shop_bot`, {
        method: "POST",
        headers: { Authorization: `Bearer ${writeKey}`, "Content-Type": "application/json" },
        body: JSON.stringify(update),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ accepted: 1, skipped: [], rejected: [] });
    }
    const rows = await waitFor(
      async () => {
        const result = await storage.client.query({
          query: `SELECT type, source_campaign, source_payload FROM ${storage.database}.events FINAL WHERE project_id = {p:String}`,
          query_params: { p: projectId },
          format: "JSONEachRow",
          clickhouse_settings: storage.querySettings,
        });
        return result.json<{ type: string; source_campaign: string; source_payload: string }>();
      },
      (found) => found.length > 0,
    );
    expect(rows).toEqual([{ type: "bot_started", source_campaign: "kafka_cmp", source_payload: link.code }]);
  });
});
