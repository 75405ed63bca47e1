import type { Server } from "node:http";
import type { Config } from "@chatfunnel/schemas";
import { closeServer, listen } from "../http/listen.js";
import { createHttpShell } from "../http/http-shell.js";
import { createCollectorRouter } from "./router.js";
import { createUpdatesRouter } from "./updates-router.js";
import { KeyStore, registerKey, type KeyOwner } from "../auth/key-store.js";
import { ensureProject } from "../auth/embedded-keys.js";
import type { Storage } from "../storage/clickhouse.js";
import { openStorage } from "../storage/open-storage.js";
import { createLogger, type Logger } from "../observability/logger.js";
import { createMetrics } from "../observability/metrics.js";
import { Readiness } from "../observability/health.js";
import { createKafka } from "../kafka/client.js";
import { ensureTopics } from "../kafka/topics.js";
import { SendQueue, createDurableProducer } from "../kafka/producer.js";
import { createKafkaSink } from "./kafka-sink.js";

/**
 * One produce request carries at most this much. Partitions receive slices of it, so a record
 * batch stays far below the topics' max.message.bytes even when one user has all of it.
 */
const MAX_PRODUCE_REQUEST_BYTES = 4 * 1024 * 1024;

export interface CollectorProcess {
  url: string;
  server: Server;
  /** Once, in order, within SHUTDOWN_TIMEOUT_MS: HTTP (in-flight requests finish), producer, storage. */
  shutdown(): Promise<void>;
}

/**
 * The distributed collector: POST /v1/events → Kafka, answered after the broker acknowledged the
 * events from all in-sync replicas. Keys are checked against ClickHouse (the api_keys table) when
 * CLICKHOUSE_URL is set; without it the collector opens no storage at all and accepts exactly
 * CHATFUNNEL_WRITE_KEY (a chDB directory of its own would hold no key the API created).
 */
export async function startCollectorProcess(config: Config, logger: Logger = createLogger(config.LOG_LEVEL, "collector")): Promise<CollectorProcess> {
  const metrics = createMetrics();
  const readiness = new Readiness();
  const storage = config.CLICKHOUSE_URL ? await openStorage(config, logger) : undefined;
  if (storage) await registerConfiguredKeys(config, storage);
  const keyStore = storage ? await KeyStore.load(storage) : KeyStore.fixed(configuredKeys(config));

  const kafka = createKafka(config, logger);
  const created = await ensureTopics(kafka, config);
  if (created.length > 0) logger.info("topics created", { topics: created });
  const producer = createDurableProducer(kafka);
  await producer.connect();
  const queue = new SendQueue(producer, config.KAFKA_TOPIC, { maxRequestBytes: MAX_PRODUCE_REQUEST_BYTES });
  // The same bound as the embedded writer's backlog: beyond it the sender hears 429, not a timeout.
  const sink = createKafkaSink(queue, config.WRITER_MAX_PENDING_ROWS, config.WRITER_MAX_WAIT_MS);

  const app = createHttpShell({ readiness, metrics, logger, routers: [createCollectorRouter({ keys: keyStore, sink, metrics, logger }), createUpdatesRouter({ keys: keyStore, sink, metrics, logger })] });
  const { server, url } = await listen(app, config.HOST, config.PORT);
  readiness.markReady();
  logger.info("collector running", { url, topic: config.KAFKA_TOPIC });

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      readiness.markNotReady("stopping");
      const ordered = (async () => {
        await closeServer(server);
        await queue.flush();
        await producer.disconnect();
        await storage?.close();
      })();
      const deadline = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), config.SHUTDOWN_TIMEOUT_MS).unref());
      if ((await Promise.race([ordered, deadline])) === "timeout") {
        logger.warn("shutdown deadline passed; unanswered senders will retry", { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
      }
    })();
    return stopping;
  };
  return { url, server, shutdown };
}

/**
 * Keys given in the environment (CHATFUNNEL_WRITE_KEY / CHATFUNNEL_READ_KEY) are registered for
 * CHATFUNNEL_PROJECT_ID, so a fresh deployment accepts events without a separate provisioning step.
 * Registering is idempotent: several collectors and the API may all do it.
 */
export async function registerConfiguredKeys(config: Config, storage: Storage): Promise<void> {
  if (!config.CHATFUNNEL_WRITE_KEY && !config.CHATFUNNEL_READ_KEY) return;
  const projectId = config.CHATFUNNEL_PROJECT_ID;
  await ensureProject(storage, projectId, "Default project");
  if (config.CHATFUNNEL_WRITE_KEY) await registerKey(storage, config.CHATFUNNEL_WRITE_KEY, { projectId, kind: "write" });
  if (config.CHATFUNNEL_READ_KEY) await registerKey(storage, config.CHATFUNNEL_READ_KEY, { projectId, kind: "read" });
}

function configuredKeys(config: Config): Array<{ key: string } & KeyOwner> {
  const projectId = config.CHATFUNNEL_PROJECT_ID;
  return [
    ...(config.CHATFUNNEL_WRITE_KEY ? [{ key: config.CHATFUNNEL_WRITE_KEY, projectId, kind: "write" as const }] : []),
    ...(config.CHATFUNNEL_READ_KEY ? [{ key: config.CHATFUNNEL_READ_KEY, projectId, kind: "read" as const }] : []),
  ];
}
