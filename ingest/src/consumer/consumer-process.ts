import type { Server } from "node:http";
import express from "express";
import { Gauge } from "prom-client";
import type { Config } from "@chatfunnel/schemas";
import { closeServer, listen } from "../http/listen.js";
import { openStorage } from "../storage/open-storage.js";
import { createInstrumentedEventWriter } from "../writer/event-writer.js";
import { createLogger, type Logger } from "../observability/logger.js";
import { createMetrics } from "../observability/metrics.js";
import { Readiness, createHealthRouter } from "../observability/health.js";
import { errorHandler } from "../http/errors.js";
import { createKafka } from "../kafka/client.js";
import { ensureTopics } from "../kafka/topics.js";
import { createEventConsumer } from "./event-consumer.js";

export interface ConsumerProcess {
  /** Where /health/live, /health/ready and /metrics answer. */
  url: string;
  server: Server;
  /** Once, in order, within SHUTDOWN_TIMEOUT_MS: HTTP, consumer drain and commit, writer, storage. */
  shutdown(): Promise<void>;
}

export interface ConsumerProcessOptions {
  logger?: Logger;
  /** The Kafka consumer died for good (kafkajs will not restart it); the caller decides how to exit. */
  onFatal?: (error: unknown) => void;
}

/** The consumer as a process: Kafka → ClickHouse plus its own health and metrics endpoint on PORT. */
export async function startConsumerProcess(config: Config, options: ConsumerProcessOptions = {}): Promise<ConsumerProcess> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, "consumer");
  const metrics = createMetrics();
  const readiness = new Readiness();
  const app = express();
  app.disable("x-powered-by");
  app.use(createHealthRouter(readiness, metrics));
  app.use(errorHandler(logger));
  // Health answers from the first moment (not ready while migrating and joining the group).
  const { server, url } = await listen(app, config.HOST, config.PORT);

  const storage = await openStorage(config, logger);
  const kafka = createKafka(config, logger);
  const created = await ensureTopics(kafka, config);
  if (created.length > 0) logger.info("topics created", { topics: created });
  const { writer, stopGauge } = createInstrumentedEventWriter(storage, config, metrics, logger);

  const lag = new Gauge({
    name: "chatfunnel_consumer_lag_messages",
    help: "Messages of a partition not yet consumed, as of this process's last batch from it",
    labelNames: ["partition"],
    registers: [metrics.registry],
  });
  const consumer = createEventConsumer({
    kafka,
    writer,
    insertRows: (rows) => storage.insertRows("events", rows),
    config,
    metrics,
    logger,
    onLag: (partition, messages) => lag.set({ partition: String(partition) }, messages),
    onFatal: (error) => {
      logger.error("consumer stopped for good", { error });
      readiness.markNotReady("consumer stopped");
      options.onFatal?.(error);
    },
  });
  await consumer.start();
  readiness.markReady();
  logger.info("consumer running", { url, topic: config.KAFKA_TOPIC, group: config.KAFKA_GROUP_ID });

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      readiness.markNotReady("stopping");
      stopGauge();
      const ordered = (async () => {
        await closeServer(server);
        await consumer.stop();
        await writer.close();
        await storage.close();
      })();
      const deadline = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), config.SHUTDOWN_TIMEOUT_MS).unref());
      if ((await Promise.race([ordered, deadline])) === "timeout") {
        // Whatever was not committed is redelivered to the next consumer: late, never lost.
        logger.warn("shutdown deadline passed; uncommitted batches will be redelivered", { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
      }
    })();
    return stopping;
  };
  return { url, server, shutdown };
}

