import type { Config } from "@chatfunnel/schemas";
import { closeServer, listen, createHttpShell, KeyStore, registerKey, ensureProject, openStorage, createLogger, createMetrics, Readiness, runProcess, type KeyOwner, type ProcessHandle, type StartOptions } from "@chatfunnel/core";
import { createCollectorRouter, createUpdatesRouter, createKafka, ensureTopics, SendQueue, createDurableProducer, createKafkaSink } from "@chatfunnel/ingest";
import type { Storage } from "@chatfunnel/core";
import { migrate } from "@chatfunnel/warehouse";

/**
 * One produce request carries at most this much. Partitions receive slices of it, so a record
 * batch stays far below the topics' max.message.bytes even when one user has all of it.
 */
const MAX_PRODUCE_REQUEST_BYTES = 4 * 1024 * 1024;

export interface CollectorProcess extends ProcessHandle {
  url: string;
}

/**
 * The distributed collector: POST /v1/events → Kafka, answered after the broker acknowledged the
 * events from all in-sync replicas. Keys are checked against ClickHouse (the api_keys table) when
 * CLICKHOUSE_URL is set; without it the collector opens no storage at all and accepts exactly
 * CHATFUNNEL_WRITE_KEY (a chDB directory of its own would hold no key the API created).
 */
export function startCollectorProcess(config: Config, options: StartOptions = {}): Promise<CollectorProcess> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, "collector");
  const metrics = createMetrics();
  const readiness = new Readiness();
  return runProcess({
    logger,
    readiness,
    host: options.host,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    deadlineNote: "unanswered senders will retry",
    async start(starter) {
      const storage = config.CLICKHOUSE_URL ? await starter.part("storage", "close", () => openStorage(config, logger, { migrate }), (opened) => opened.close()) : undefined;
      if (storage) await registerConfiguredKeys(config, storage);
      const keyStore = storage ? await KeyStore.load(storage) : KeyStore.fixed(configuredKeys(config));

      const kafka = createKafka(config, logger);
      const created = await ensureTopics(kafka, config);
      if (created.length > 0) logger.info("topics created", { topics: created });
      const producer = await starter.part(
        "producer",
        "flush",
        async () => {
          const connecting = createDurableProducer(kafka);
          await connecting.connect();
          return connecting;
        },
        (connected) => connected.disconnect(),
      );
      // Started after the producer, so it is flushed before the producer disconnects.
      const queue = await starter.part(
        "send queue",
        "flush",
        () => new SendQueue(producer, config.KAFKA_TOPIC, { maxRequestBytes: MAX_PRODUCE_REQUEST_BYTES }),
        (sending) => sending.flush(),
      );
      // The same bound as the embedded writer's backlog: beyond it the sender hears 429, not a timeout.
      const sink = createKafkaSink(queue, config.WRITER_MAX_PENDING_ROWS, config.WRITER_MAX_WAIT_MS);

      const app = createHttpShell({ readiness, metrics, logger, routers: [createCollectorRouter({ keys: keyStore, sink, metrics, logger }), createUpdatesRouter({ keys: keyStore, sink, metrics, logger })] });
      const { url } = await starter.part("http", "serve", () => listen(app, config.HOST, config.PORT), ({ server }) => closeServer(server));
      logger.info("collector running", { url, topic: config.KAFKA_TOPIC });
      return { url };
    },
  });
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
