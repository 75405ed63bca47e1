import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Config } from "@chatfunnel/schemas";
import type { Storage } from "../storage/clickhouse.js";
import { toClickHouseTime } from "../storage/clickhouse.js";
import { generateKey, registerKey } from "./key-store.js";

const KeysFileSchema = z.object({ writeKey: z.string().min(16), readKey: z.string().min(16) });
export type ProjectKeys = z.infer<typeof KeysFileSchema>;

/**
 * Keys of the embedded default's project: from CHATFUNNEL_WRITE_KEY / CHATFUNNEL_READ_KEY, else
 * generated on first start and kept in DATA_DIR/keys.json so a restart keeps working links.
 */
export async function ensureDefaultProject(config: Config, storage: Storage): Promise<ProjectKeys> {
  const file = path.resolve(config.DATA_DIR, "keys.json");
  let stored: ProjectKeys | undefined;
  if (fs.existsSync(file)) stored = KeysFileSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
  const keys: ProjectKeys = {
    writeKey: config.CHATFUNNEL_WRITE_KEY ?? stored?.writeKey ?? generateKey("write"),
    readKey: config.CHATFUNNEL_READ_KEY ?? stored?.readKey ?? generateKey("read"),
  };
  if (!stored || stored.writeKey !== keys.writeKey || stored.readKey !== keys.readKey) {
    fs.mkdirSync(config.DATA_DIR, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  }
  const projectId = config.CHATFUNNEL_PROJECT_ID;
  await ensureProject(storage, projectId, "Default project");
  await registerKey(storage, keys.writeKey, { projectId, kind: "write" });
  await registerKey(storage, keys.readKey, { projectId, kind: "read" });
  return keys;
}

/** Creates the project row once; an existing project keeps its settings. */
export async function ensureProject(storage: Storage, projectId: string, name: string): Promise<void> {
  const existing = await storage.client.query({
    query: `SELECT count() AS n FROM ${storage.database}.projects WHERE project_id = {projectId:String}`,
    query_params: { projectId },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const [row] = await existing.json<{ n: number }>();
  if (row && Number(row.n) > 0) return;
  await storage.insertRows("projects", [{ project_id: projectId, name, timezone: "UTC", session_timeout_min: 30, updated_at: toClickHouseTime(Date.now()) }]);
}
