import express from "express";
import { Gauge } from "prom-client";
import type { Config } from "@chatfunnel/schemas";
import { closeServer, listen, openStorage, createLogger, createMetrics, Readiness, createHealthRouter, errorHandler, runProcess, type ProcessHandle, type StartOptions } from "@chatfunnel/core";
import { createInstrumentedEventWriter, createKafka, ensureTopics, createEventConsumer, untilBrokerAnswers } from "@chatfunnel/ingest";
import { migrate } from "@chatfunnel/warehouse";

export interface ConsumerProcess extends ProcessHandle {
  /** Where /health/live, /health/ready and /metrics answer. */
  url: string;
}

export interface ConsumerProcessOptions extends StartOptions {
  /** Health answers (not ready) before the broker is reached: where, for a caller that prints it. */
  onListening?: (url: string) => void;
}

/**
 * The consumer as a process: Kafka → ClickHouse plus its own health and metrics endpoint on PORT.
 * The Kafka consumer dying for good (kafkajs will not restart it) shuts the process down with a
 * non-zero outcome, so a supervisor (compose, systemd, k8s) starts a fresh one.
 */
export function startConsumerProcess(config: Config, options: ConsumerProcessOptions = {}): Promise<ConsumerProcess> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, "consumer");
  const metrics = createMetrics();
  const readiness = new Readiness();
  return runProcess({
    logger,
    readiness,
    host: options.host,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    // Whatever was not committed is redelivered to the next consumer: late, never lost.
    deadlineNote: "uncommitted batches will be redelivered",
    async start(starter) {
      const app = express();
      app.disable("x-powered-by");
      app.use(createHealthRouter(readiness, metrics));
      app.use(errorHandler(logger));
      // Health answers from the first moment (not ready while migrating and joining the group).
      const { url } = await starter.part("http", "serve", () => listen(app, config.HOST, config.PORT), ({ server }) => closeServer(server));
      options.onListening?.(url);

      const storage = await starter.part("storage", "close", () => openStorage(config, logger, { migrate, applyDurability: true }), (opened) => opened.close());
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
        starter.signal,
      );
      const { writer } = await starter.part(
        "writer",
        "flush",
        () => createInstrumentedEventWriter(storage, config, metrics, logger),
        async (started) => {
          started.stopGauge();
          await started.writer.close();
        },
      );

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
          readiness.markNotReady("consumer stopped");
          starter.fail(error);
        },
      });
      await starter.part(
        "consumer",
        "drain",
        () =>
          untilBrokerAnswers(
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
            starter.signal,
          ),
        () => consumer.stop(),
      );
      logger.info("consumer running", { url, topic: config.KAFKA_TOPIC, group: config.KAFKA_GROUP_ID });
      return { url };
    },
  });
}
