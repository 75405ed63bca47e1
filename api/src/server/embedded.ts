import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Server } from "node:http";
import type { Config } from "@chatfunnel/schemas";
import {
  KeyStore,
  Readiness,
  closeServer,
  createDirectSink,
  createInstrumentedEventWriter,
  createLogger,
  createMetrics,
  ensureDefaultProject,
  listen,
  openStorage,
  type ProjectKeys,
} from "@chatfunnel/ingest";
import { createHttpApp } from "./http-app.js";

export const DEFAULT_DASHBOARD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../dashboard/dist");

export interface EmbeddedServer {
  url: string;
  keys: ProjectKeys;
  server: Server;
  /** Shuts down once, in order, within SHUTDOWN_TIMEOUT_MS: HTTP, then the writer, then storage. */
  shutdown(): Promise<void>;
}

/**
 * The embedded default: collector, API and dashboard in one process on chDB. With no Kafka the
 * collector hands batches to the same writer the consumer uses and answers after the insert.
 */
export async function startEmbedded(config: Config, dashboardDir = DEFAULT_DASHBOARD_DIR): Promise<EmbeddedServer> {
  const logger = createLogger(config.LOG_LEVEL, "embedded");
  const metrics = createMetrics();
  const readiness = new Readiness();
  const storage = await openStorage(config, logger, { applyDurability: true });
  // Not ready while inserts fail for storage's own reasons (a full disk): a balancer sends elsewhere.
  readiness.addCheck(storage.writeHealth.check);
  const keys = await ensureDefaultProject(config, storage);
  const keyStore = await KeyStore.load(storage);
  const { writer, stopGauge } = createInstrumentedEventWriter(storage, config, metrics, logger);
  const app = createHttpApp({
    readiness,
    metrics,
    logger,
    collector: { keys: keyStore, sink: createDirectSink(writer, config.WRITER_MAX_PENDING_ROWS, config.WRITER_MAX_WAIT_MS), metrics, logger },
    api: { storage, keys: keyStore, metrics, logger },
    dashboardDir,
  });
  const { server, url } = await listen(app, config.HOST, config.PORT);
  readiness.markReady();
  storage.writeHealth.probeNow();

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      readiness.markNotReady("stopping");
      stopGauge();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, config.SHUTDOWN_TIMEOUT_MS).unref());
      const ordered = (async () => {
        await closeServer(server);
        await writer.close();
        await storage.close();
      })();
      await Promise.race([ordered, deadline]);
    })();
    return stopping;
  };
  return { url, keys, server, shutdown };
}
