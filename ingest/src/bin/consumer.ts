import { loadConfig } from "@chatfunnel/schemas";
import { createLogger } from "../observability/logger.js";
import { startConsumerProcess } from "../consumer/consumer-process.js";

// Distributed mode: Kafka (KAFKA_BROKERS) → ClickHouse (CLICKHOUSE_URL, or chDB under DATA_DIR).
const config = loadConfig(process.env);
const logger = createLogger(config.LOG_LEVEL, "consumer");
const exitAfterShutdown = (code: number) => () => {
  consumer.shutdown().then(
    () => process.exit(code),
    (error: unknown) => {
      logger.error("shutdown failed", { error });
      process.exit(1);
    },
  );
};
const consumer = await startConsumerProcess(config, {
  logger,
  // Exit non-zero so the supervisor (compose, systemd, k8s) starts a fresh consumer.
  onFatal: () => exitAfterShutdown(1)(),
});
process.stdout.write(`Chatfunnel consumer: ${config.KAFKA_TOPIC} → ClickHouse (group ${config.KAFKA_GROUP_ID}); health at ${consumer.url}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, exitAfterShutdown(0));
