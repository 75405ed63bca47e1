import { checkDistributedConfig, loadConfigFromEnvironment } from "@chatfunnel/schemas";
import { nodeProgram } from "@chatfunnel/core";
import { DEFAULT_DASHBOARD_DIR } from "../embedded.js";
import { startApiProcess } from "../api-process.js";

// Distributed mode: the API and the built dashboard, reading ClickHouse (CLICKHOUSE_URL; chDB under
// DATA_DIR only with CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED, for tests: no consumer could write there).
const config = loadConfigFromEnvironment();
checkDistributedConfig(config, "api");
const api = await startApiProcess(config, DEFAULT_DASHBOARD_DIR, { host: nodeProgram });
process.stdout.write(
  [
    "",
    `Chatfunnel API (distributed, ClickHouse ${api.storageMode === "server" ? config.CLICKHOUSE_URL : `chDB in ${config.DATA_DIR}`})`,
    `  Dashboard:  ${api.url}/#key=${api.keys.manageKey}`,
    `  View only:  ${api.url}/#key=${api.keys.readKey}`,
    `  Write key:  ${api.keys.writeKey}  (for the collector)`,
    `  Read key:   ${api.keys.readKey}`,
    `  Manage key: ${api.keys.manageKey}`,
    `  Admin token: ${api.adminToken}  (/admin/v1; set CHATFUNNEL_ADMIN_TOKEN when several API processes run)`,
    "",
  ].join("\n"),
);
