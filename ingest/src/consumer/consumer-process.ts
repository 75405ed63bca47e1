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
  /** Health answers (not ready) before the broker is reached: where, for a caller that prints it. */
  onListening?: (url: string) => void;
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
  options.onListening?.(url);

  const storage = await openStorage(config, logger, { applyDurability: true });
  // Offsets are committed only after inserts, so a refusing storage stalls this consumer: not ready.
  readiness.addCheck(storage.writeHealth.check);
  storage.writeHealth.probeNow();
  const kafka = createKafka(config, logger);
  readiness.markNotReady("waiting for the Kafka broker");
  await untilBrokerAnswers(
    async () => {
      const created = await ensureTopics(kafka, config);
      if (created.length > 0) logger.info("topics created", { topics: created });
    },
    logger,
  );
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
  await untilBrokerAnswers(
    async () => {
      try {
        await consumer.start();
      } catch (error) {
        // A half-joined consumer would keep reconnecting on its own; leave cleanly and start over.
        await consumer.stop().catch(() => {});
        throw error;
      }
    },
    logger,
  );
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

const BROKER_WAIT_FIRST_MS = 500;
const BROKER_WAIT_MAX_MS = 10_000;

/**
 * Runs `attempt` until the broker answers it: a consumer started before its broker (or while the
 * broker restarts) waits, logging each retry with a growing delay, instead of exiting after the
 * client's own few retries. Health answers "not ready" meanwhile; SIGTERM ends the process (there
 * is nothing to drain yet).
 */
async function untilBrokerAnswers(attempt: () => Promise<void>, logger: Logger): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const delayMs = Math.min(BROKER_WAIT_MAX_MS, BROKER_WAIT_FIRST_MS * 2 ** (tries - 1));
      logger.warn("Kafka broker not reachable; waiting for it", { error, attempt: tries, retryInMs: delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
