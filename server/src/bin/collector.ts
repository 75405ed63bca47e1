import { checkDistributedConfig, loadConfigFromEnvironment } from "@chatfunnel/schemas";
import { startCollectorProcess } from "../collector-process.js";
import { nodeProgram } from "@chatfunnel/core";

// Distributed mode: POST /v1/events → Kafka (KAFKA_BROKERS); keys from ClickHouse (CLICKHOUSE_URL),
// else exactly CHATFUNNEL_WRITE_KEY, with no storage opened.
const config = loadConfigFromEnvironment();
checkDistributedConfig(config, "collector");
const collector = await startCollectorProcess(config, { host: nodeProgram });
process.stdout.write(`Chatfunnel collector: ${collector.url}/v1/events → Kafka topic ${config.KAFKA_TOPIC}\n`);
