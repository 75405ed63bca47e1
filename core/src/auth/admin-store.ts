import { randomBytes } from "node:crypto";
import type { Storage } from "../storage/clickhouse.js";
import { ensureProject, type ProjectKeys } from "./embedded-keys.js";
import { generateKey, hashKey, keyIdOf, registerKey, type KeyKind } from "./key-store.js";

/** What the admin API's store does: projects and their keys (core/src/auth/key-store.ts holds the keys' rules). */

export interface ProjectSummary {
  id: string;
  name: string;
  timezone: string;
  keys: Array<{ id: string; kind: KeyKind; createdAt: string }>;
}

/** A new project with one key of each kind; the keys are shown once, here, and stored as hashes. */
export async function createProjectWithKeys(storage: Storage, name: string, timezone: string): Promise<{ id: string } & ProjectKeys> {
  const id = `p_${randomBytes(8).toString("hex")}`;
  await ensureProject(storage, id, name, timezone);
  const keys: ProjectKeys = { writeKey: generateKey("write"), readKey: generateKey("read"), manageKey: generateKey("manage") };
  await registerKey(storage, keys.writeKey, { projectId: id, kind: "write" });
  await registerKey(storage, keys.readKey, { projectId: id, kind: "read" });
  await registerKey(storage, keys.manageKey, { projectId: id, kind: "manage" });
  return { id, ...keys };
}

export async function projectExists(storage: Storage, projectId: string): Promise<boolean> {
  const result = await storage.client.query({
    query: `SELECT count() AS n FROM ${storage.database}.projects WHERE project_id = {projectId:String}`,
    query_params: { projectId },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const [row] = await result.json<{ n: number }>();
  return Number(row?.n ?? 0) > 0;
}

/** A new key of `kind` for an existing project: its id (for revocation) and the key itself, shown once. */
export async function createKey(storage: Storage, projectId: string, kind: KeyKind): Promise<{ id: string; key: string }> {
  const key = generateKey(kind);
  await registerKey(storage, key, { projectId, kind });
  return { id: keyIdOf(hashKey(key)), key };
}

/** Every project with its live keys (ids and kinds), by name. */
export async function listProjects(storage: Storage): Promise<ProjectSummary[]> {
  const result = await storage.client.query({
    query: `SELECT p.project_id AS id, p.name AS name, p.timezone AS timezone,
        arraySort(x -> x.3, groupArrayIf((k.key_hash, toString(k.kind), k.created_at), k.key_hash != '')) AS keys
      FROM (SELECT project_id, name, timezone FROM ${storage.database}.projects FINAL) AS p
      LEFT JOIN (SELECT key_hash, project_id, kind, created_at FROM ${storage.database}.api_keys FINAL WHERE revoked = 0) AS k ON k.project_id = p.project_id
      GROUP BY p.project_id, p.name, p.timezone
      ORDER BY name, id`,
    format: "JSONEachRow",
    clickhouse_settings: { ...storage.querySettings, join_use_nulls: 0 },
  });
  const rows = await result.json<{ id: string; name: string; timezone: string; keys: Array<[string, KeyKind, string]> }>();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    timezone: row.timezone,
    keys: row.keys.map(([hash, kind, createdAt]) => ({ id: keyIdOf(hash), kind, createdAt: new Date(createdAt.endsWith("Z") ? createdAt : `${createdAt.replace(" ", "T")}Z`).toISOString() })),
  }));
}
