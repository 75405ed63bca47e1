import type { Config } from "@chatfunnel/schemas";
import { KeyStore, Readiness, ensureAdminToken, closeServer, createLogger, createMetrics, ensureDefaultProject, listen, openStorage, runProcess, type ProcessHandle, type ProjectKeys, type StartOptions, type StorageMode } from "@chatfunnel/core";
import { DEFAULT_DASHBOARD_DIR } from "./embedded.js";
import { createHttpApp } from "./http-app.js";
import { migrate } from "@chatfunnel/warehouse";

export interface ApiProcess extends ProcessHandle {
  url: string;
  keys: ProjectKeys;
  /** The admin API token (CHATFUNNEL_ADMIN_TOKEN or the one kept in DATA_DIR). */
  adminToken: string;
  /** A ClickHouse server (CLICKHOUSE_URL) or chDB under DATA_DIR. */
  storageMode: StorageMode;
}

/**
 * Distributed mode's API and built dashboard, reading ClickHouse. No collector here: events arrive
 * through the collector → Kafka → consumer. The caller checks the config (checkDistributedConfig)
 * first, so this refuses nothing itself.
 */
export function startApiProcess(config: Config, dashboardDir = DEFAULT_DASHBOARD_DIR, options: StartOptions = {}): Promise<ApiProcess> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, "api");
  const metrics = createMetrics();
  const readiness = new Readiness();
  return runProcess({
    logger,
    readiness,
    host: options.host,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    async start(starter) {
      const storage = await starter.part("storage", "close", () => openStorage(config, logger, { migrate }), (opened) => opened.close());
      // The default project's keys: from the environment, else generated once and kept in DATA_DIR.
      // Collectors see keys created here on their next key-store reload (unknown keys trigger one).
      const keys = await ensureDefaultProject(config, storage);
      const keyStore = await KeyStore.load(storage);
      const adminToken = ensureAdminToken(config);
      const app = createHttpApp({ readiness, metrics, logger, api: { storage, keys: keyStore, metrics, logger, webhooks: config, telegram: config }, admin: { storage, adminToken, logger }, trustProxy: config.TRUST_PROXY, dashboardDir });
      const { url } = await starter.part("http", "serve", () => listen(app, config.HOST, config.PORT), ({ server }) => closeServer(server));
      return { url, keys, adminToken, storageMode: storage.mode };
    },
  });
}
