import { checkDistributedConfig, loadConfigFromEnvironment } from "@chatfunnel/schemas";
import { KeyStore, Readiness, closeServer, createLogger, createMetrics, ensureDefaultProject, listen, openStorage } from "@chatfunnel/ingest";
import { DEFAULT_DASHBOARD_DIR } from "../server/embedded.js";
import { createHttpApp } from "../server/http-app.js";

// Distributed mode: the API and the built dashboard, reading ClickHouse (CLICKHOUSE_URL; chDB under
// DATA_DIR only with CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED, for tests: no consumer could write there).
// No collector here: events arrive through the collector → Kafka → consumer.
const config = loadConfigFromEnvironment();
checkDistributedConfig(config, "api");
const logger = createLogger(config.LOG_LEVEL, "api");
const metrics = createMetrics();
const readiness = new Readiness();
const storage = await openStorage(config, logger);
// The default project's keys: from the environment, else generated once and kept in DATA_DIR.
// Collectors see keys created here on their next key-store reload (unknown keys trigger one).
const keys = await ensureDefaultProject(config, storage);
const keyStore = await KeyStore.load(storage);
const app = createHttpApp({ readiness, metrics, logger, api: { storage, keys: keyStore, metrics, logger }, dashboardDir: DEFAULT_DASHBOARD_DIR });
const { server, url } = await listen(app, config.HOST, config.PORT);
readiness.markReady();
process.stdout.write(
  [
    "",
    `Chatfunnel API (distributed, ClickHouse ${storage.mode === "server" ? config.CLICKHOUSE_URL : `chDB in ${config.DATA_DIR}`})`,
    `  Dashboard:  ${url}/#key=${keys.readKey}`,
    `  Write key:  ${keys.writeKey}  (for the collector)`,
    `  Read key:   ${keys.readKey}`,
    "",
  ].join("\n"),
);

let stopping: Promise<void> | undefined;
function shutdown(): Promise<void> {
  stopping ??= (async () => {
    readiness.markNotReady("stopping");
    const ordered = (async () => {
      await closeServer(server);
      await storage.close();
    })();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, config.SHUTDOWN_TIMEOUT_MS).unref());
    await Promise.race([ordered, deadline]);
  })();
  return stopping;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
