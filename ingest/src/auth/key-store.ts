import { createHash, randomBytes } from "node:crypto";
import type { Storage } from "../storage/clickhouse.js";
import { toClickHouseTime } from "../storage/event-rows.js";

export type KeyKind = "write" | "read";
export interface KeyOwner {
  projectId: string;
  kind: KeyKind;
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function generateKey(kind: KeyKind): string {
  return `cf_${kind === "write" ? "w" : "r"}_${randomBytes(20).toString("hex")}`;
}

/** Stores a key's hash (never the key) for its project; registering the same key again is a no-op. */
export async function registerKey(storage: Storage, key: string, owner: KeyOwner): Promise<void> {
  await storage.insertRows("api_keys", [{ key_hash: hashKey(key), project_id: owner.projectId, kind: owner.kind, created_at: toClickHouseTime(Date.now()) }]);
}

/**
 * Resolves keys to their project from the api_keys table, cached in memory. An unknown key
 * triggers a reload at most once a second, so a key created by another process works quickly
 * while a flood of bad keys cannot hammer ClickHouse.
 */
export class KeyStore {
  private owners = new Map<string, KeyOwner>();
  private lastLoad = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly minReloadIntervalMs = 1000,
  ) {}

  /** A key store with every key already loaded, so a process answers its first request without a miss. */
  static async load(storage: Storage): Promise<KeyStore> {
    const store = new KeyStore(storage);
    await store.reload();
    return store;
  }

  async resolve(key: string): Promise<KeyOwner | undefined> {
    const hash = hashKey(key);
    const known = this.owners.get(hash);
    if (known) return known;
    if (Date.now() - this.lastLoad >= this.minReloadIntervalMs) await this.reload();
    return this.owners.get(hash);
  }

  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const result = await this.storage.client.query({
      query: `SELECT key_hash, project_id, kind FROM ${this.storage.database}.api_keys FINAL`,
      format: "JSONEachRow",
      clickhouse_settings: this.storage.querySettings,
    });
    const rows = await result.json<{ key_hash: string; project_id: string; kind: KeyKind }>();
    this.owners = new Map(rows.map((row) => [row.key_hash, { projectId: row.project_id, kind: row.kind }]));
    this.lastLoad = Date.now();
  }
}
