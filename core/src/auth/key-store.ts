import { createHash, randomBytes } from "node:crypto";
import type { Storage } from "../storage/clickhouse.js";
import { toClickHouseTime } from "../storage/clickhouse.js";

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

/**
 * Stores a key's hash (never the key) for its project. A key already registered as the same is not
 * written again: every start registers the configured keys, and a start that writes when nothing
 * changed fails on a full disk.
 */
export async function registerKey(storage: Storage, key: string, owner: KeyOwner): Promise<void> {
  const keyHash = hashKey(key);
  const result = await storage.client.query({
    query: `SELECT project_id, kind FROM ${storage.database}.api_keys FINAL WHERE key_hash = {keyHash:String}`,
    query_params: { keyHash },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const [stored] = await result.json<{ project_id: string; kind: KeyKind }>();
  if (stored?.project_id === owner.projectId && stored.kind === owner.kind) return;
  await storage.insertRows("api_keys", [{ key_hash: keyHash, project_id: owner.projectId, kind: owner.kind, created_at: toClickHouseTime(Date.now()) }]);
}

interface KeyRow {
  key_hash: string;
  project_id: string;
  kind: KeyKind;
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
  private readonly source: () => Promise<KeyRow[]>;

  constructor(
    source: Storage | (() => Promise<KeyRow[]>),
    private readonly minReloadIntervalMs = 1000,
  ) {
    this.source = typeof source === "function" ? source : () => readKeyRows(source);
  }

  /**
   * Only the given keys, without storage: the distributed collector without CLICKHOUSE_URL accepts
   * its configured write key and opens no chDB directory (that belongs to the consumer or the API).
   */
  static fixed(keys: ReadonlyArray<{ key: string } & KeyOwner>): KeyStore {
    const rows: KeyRow[] = keys.map(({ key, projectId, kind }) => ({ key_hash: hashKey(key), project_id: projectId, kind }));
    // An unknown key has nothing to reload: the set is fixed for the life of the process.
    const store = new KeyStore(async () => rows, Number.POSITIVE_INFINITY);
    store.owners = new Map(rows.map((row) => [row.key_hash, { projectId: row.project_id, kind: row.kind }]));
    store.lastLoad = Date.now();
    return store;
  }

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
    const rows = await this.source();
    this.owners = new Map(rows.map((row) => [row.key_hash, { projectId: row.project_id, kind: row.kind }]));
    this.lastLoad = Date.now();
  }
}

async function readKeyRows(storage: Storage): Promise<KeyRow[]> {
  const result = await storage.client.query({
    query: `SELECT key_hash, project_id, kind FROM ${storage.database}.api_keys FINAL`,
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  return result.json<KeyRow>();
}
