import { checkDistributedConfig, loadConfigFromEnvironment } from "@chatfunnel/schemas";
import { startConsumerProcess } from "../consumer-process.js";
import { nodeProgram } from "@chatfunnel/core";

// Distributed mode: Kafka (KAFKA_BROKERS) → ClickHouse (CLICKHOUSE_URL; chDB under DATA_DIR only with
// CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED, since nothing else could read that directory).
// SIGTERM while still waiting for the broker ends the wait; kafkajs giving up on the group ends the
// process non-zero, so the supervisor (compose, systemd, k8s) starts a fresh one.
const config = loadConfigFromEnvironment();
checkDistributedConfig(config, "consumer");
const consumer = await startConsumerProcess(config, {
  host: nodeProgram,
  onListening: (url) => process.stdout.write(`Chatfunnel consumer starting; health (not ready until the broker answers) at ${url}\n`),
});
process.stdout.write(`Chatfunnel consumer: ${config.KAFKA_TOPIC} → ClickHouse (group ${config.KAFKA_GROUP_ID}); health at ${consumer.url}\n`);
