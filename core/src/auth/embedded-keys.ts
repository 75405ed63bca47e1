import fs from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import type { Config } from "@chatfunnel/schemas";
import type { Storage } from "../storage/clickhouse.js";
import { toClickHouseTime } from "../storage/clickhouse.js";
import { generateKey, registerKey } from "./key-store.js";

// manageKey came later: a keys.json of an earlier version has none and gets one.
const KeysFileSchema = z.object({ writeKey: z.string().min(16), readKey: z.string().min(16), manageKey: z.string().min(16).optional() });
export interface ProjectKeys {
  writeKey: string;
  readKey: string;
  manageKey: string;
}

/**
 * Keys of the embedded default's project: from CHATFUNNEL_WRITE_KEY / _READ_KEY / _MANAGE_KEY, else
 * generated on first start and kept in DATA_DIR/keys.json so a restart keeps working links.
 */
export async function ensureDefaultProject(config: Config, storage: Storage): Promise<ProjectKeys> {
  const file = path.resolve(config.DATA_DIR, "keys.json");
  let stored: z.infer<typeof KeysFileSchema> | undefined;
  if (fs.existsSync(file)) stored = KeysFileSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
  const keys: ProjectKeys = {
    writeKey: config.CHATFUNNEL_WRITE_KEY ?? stored?.writeKey ?? generateKey("write"),
    readKey: config.CHATFUNNEL_READ_KEY ?? stored?.readKey ?? generateKey("read"),
    manageKey: config.CHATFUNNEL_MANAGE_KEY ?? stored?.manageKey ?? generateKey("manage"),
  };
  if (!stored || stored.writeKey !== keys.writeKey || stored.readKey !== keys.readKey || stored.manageKey !== keys.manageKey) {
    writeSecretFile(config.DATA_DIR, file, keys);
  }
  const projectId = config.CHATFUNNEL_PROJECT_ID;
  await ensureProject(storage, projectId, "Default project");
  await registerKey(storage, keys.writeKey, { projectId, kind: "write" });
  await registerKey(storage, keys.readKey, { projectId, kind: "read" });
  await registerKey(storage, keys.manageKey, { projectId, kind: "manage" });
  return keys;
}

const AdminTokenFileSchema = z.object({ adminToken: z.string().min(16) });

/** The admin API's token: CHATFUNNEL_ADMIN_TOKEN, else generated once and kept in DATA_DIR/admin-token.json. */
export function ensureAdminToken(config: Config): string {
  if (config.CHATFUNNEL_ADMIN_TOKEN) return config.CHATFUNNEL_ADMIN_TOKEN;
  const file = path.resolve(config.DATA_DIR, "admin-token.json");
  if (fs.existsSync(file)) return AdminTokenFileSchema.parse(JSON.parse(fs.readFileSync(file, "utf8"))).adminToken;
  const adminToken = `cf_admin_${randomBytes(24).toString("hex")}`;
  writeSecretFile(config.DATA_DIR, file, { adminToken });
  return adminToken;
}

function writeSecretFile(dir: string, file: string, value: object): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

/** Creates the project row once; an existing project keeps its settings. */
export async function ensureProject(storage: Storage, projectId: string, name: string, timezone = "UTC"): Promise<void> {
  const existing = await storage.client.query({
    query: `SELECT count() AS n FROM ${storage.database}.projects WHERE project_id = {projectId:String}`,
    query_params: { projectId },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const [row] = await existing.json<{ n: number }>();
  if (row && Number(row.n) > 0) return;
  await storage.insertRows("projects", [{ project_id: projectId, name, timezone, session_timeout_min: 30, updated_at: toClickHouseTime(Date.now()) }]);
}
