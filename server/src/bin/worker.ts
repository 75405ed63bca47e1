import { checkDistributedConfig, loadConfigFromEnvironment } from "@chatfunnel/schemas";
import { nodeProgram } from "@chatfunnel/core";
import { requireBrokers } from "@chatfunnel/ingest";
import { startWorkerProcess } from "../worker-process.js";

// Distributed mode's scheduler: run as many as you like, exactly one delivers (the lease topic's owner).
// It needs the brokers (the lease) and the shared ClickHouse (the outbox the consumers' inserts fill).
const config = loadConfigFromEnvironment();
checkDistributedConfig(config, "worker");
requireBrokers(config);
const worker = await startWorkerProcess(config, { host: nodeProgram });
process.stdout.write(`Chatfunnel worker: webhook deliveries while it holds ${config.KAFKA_WORKER_TOPIC} (group ${config.KAFKA_WORKER_GROUP_ID}); health at ${worker.url}\n`);
