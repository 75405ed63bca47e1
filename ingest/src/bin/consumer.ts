import { checkDistributedConfig, loadConfigFromEnvironment } from "@chatfunnel/schemas";
import { createLogger } from "../observability/logger.js";
import { startConsumerProcess, type ConsumerProcess } from "../consumer/consumer-process.js";

// Distributed mode: Kafka (KAFKA_BROKERS) → ClickHouse (CLICKHOUSE_URL; chDB under DATA_DIR only with
// CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED, since nothing else could read that directory).
const config = loadConfigFromEnvironment();
checkDistributedConfig(config, "consumer");
const logger = createLogger(config.LOG_LEVEL, "consumer");
let consumer: ConsumerProcess | undefined;
let exiting = false;
const shutdownAndExit = (code: number) => {
  if (exiting) return;
  exiting = true;
  (consumer?.shutdown() ?? Promise.resolve()).then(
    () => process.exit(code),
    (error: unknown) => {
      logger.error("shutdown failed", { error });
      process.exit(1);
    },
  );
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => shutdownAndExit(0));
consumer = await startConsumerProcess(config, {
  logger,
  onListening: (url) => process.stdout.write(`Chatfunnel consumer starting; health (not ready until the broker answers) at ${url}\n`),
  // kafkajs gave up on the group: exit non-zero so the supervisor (compose, systemd, k8s) starts a fresh one.
  onFatal: () => shutdownAndExit(1),
});
process.stdout.write(`Chatfunnel consumer: ${config.KAFKA_TOPIC} → ClickHouse (group ${config.KAFKA_GROUP_ID}); health at ${consumer.url}\n`);
