import { createHash, randomBytes } from "node:crypto";
import type { Storage } from "../storage/clickhouse.js";
import { toClickHouseTime } from "../storage/clickhouse.js";

/**
 * write: ingest only. read: every GET of /api/v1. manage: read, and the editor actions (every other
 * method of /api/v1: spend import, links, and what later joins them).
 */
export const KEY_KINDS = ["write", "read", "manage"] as const;
export type KeyKind = (typeof KEY_KINDS)[number];
export interface KeyOwner {
  projectId: string;
  kind: KeyKind;
}

/** Whether a key of kind `held` may do what needs `needed`: a manage key reads too; a write key only writes. */
export function kindAllows(held: KeyKind, needed: KeyKind): boolean {
  if (needed === "write") return held === "write";
  if (needed === "read") return held === "read" || held === "manage";
  return held === "manage";
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** A key's public id (admin API, logs): the start of its hash, which names it without revealing it. */
export function keyIdOf(keyHash: string): string {
  return `key_${keyHash.slice(0, 24)}`;
}

const KEY_PREFIX: Record<KeyKind, string> = { write: "w", read: "r", manage: "m" };

export function generateKey(kind: KeyKind): string {
  return `cf_${KEY_PREFIX[kind]}_${randomBytes(20).toString("hex")}`;
}

/**
 * Stores a key's hash (never the key) for its project. A key already registered as the same is not
 * written again: every start registers the configured keys, and a start that writes when nothing
 * changed fails on a full disk.
 */
export async function registerKey(storage: Storage, key: string, owner: KeyOwner): Promise<void> {
  const keyHash = hashKey(key);
  const result = await storage.client.query({
    query: `SELECT project_id, kind, revoked FROM ${storage.database}.api_keys FINAL WHERE key_hash = {keyHash:String}`,
    query_params: { keyHash },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const [stored] = await result.json<{ project_id: string; kind: KeyKind; revoked: number }>();
  // A revoked key stays revoked: configuring it again does not bring it back.
  if (stored && Number(stored.revoked) === 1) return;
  if (stored?.project_id === owner.projectId && stored.kind === owner.kind) return;
  await storage.insertRows("api_keys", [{ key_hash: keyHash, project_id: owner.projectId, kind: owner.kind, created_at: toClickHouseTime(Date.now()) }]);
}

interface KeyRow {
  key_hash: string;
  project_id: string;
  kind: KeyKind;
}

/**
 * Revokes a key by its id: a newer row of its hash with revoked = 1. Every KeyStore drops it on its next
 * reload, at most KEY_CACHE_MAX_AGE_MS later. False when no live key has this id.
 */
export async function revokeKey(storage: Storage, keyId: string): Promise<boolean> {
  const prefix = /^key_([0-9a-f]{24})$/.exec(keyId)?.[1];
  if (prefix === undefined) return false;
  const result = await storage.client.query({
    query: `SELECT key_hash, project_id, kind, toUnixTimestamp64Milli(created_at) AS created_ms FROM ${storage.database}.api_keys FINAL
      WHERE startsWith(key_hash, {prefix:String}) AND revoked = 0`,
    query_params: { prefix },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const rows = await result.json<{ key_hash: string; project_id: string; kind: KeyKind; created_ms: number }>();
  if (rows.length === 0) return false;
  // The revocation must be the newer version even if the clock reads the creation's millisecond.
  await storage.insertRows(
    "api_keys",
    rows.map((row) => ({ key_hash: row.key_hash, project_id: row.project_id, kind: row.kind, revoked: 1, created_at: toClickHouseTime(Math.max(Date.now(), Number(row.created_ms) + 1)) })),
  );
  return true;
}

/**
 * How old the key cache may be when a request is checked against it: a revoked key is refused by every
 * process within this plus one reload (the 2-second promise of the admin API), and a new key works as soon.
 */
export const KEY_CACHE_MAX_AGE_MS = 1000;

/**
 * Resolves keys to their project from the api_keys table (live keys only), cached in memory. A request
 * finding the cache older than `minReloadIntervalMs` (KEY_CACHE_MAX_AGE_MS) waits for one reload (shared by every request then): a key
 * created or revoked by another process counts within that, while a flood of requests, good keys or bad,
 * reads the table at most once per interval. When a reload fails (ClickHouse down), keys of the last good
 * load keep working, so ingest into Kafka goes on through a storage outage; unknown keys are then a 503.
 */
export class KeyStore {
  private owners = new Map<string, KeyOwner>();
  private lastLoad = 0;
  private lastFailure = 0;
  private failure: unknown;
  private loading: Promise<void> | undefined;
  private readonly source: () => Promise<KeyRow[]>;

  constructor(
    source: Storage | (() => Promise<KeyRow[]>),
    private readonly minReloadIntervalMs = KEY_CACHE_MAX_AGE_MS,
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
    const now = Date.now();
    if (now - this.lastLoad >= this.minReloadIntervalMs) {
      // A failed reload is retried once per interval, not by every request while storage is down.
      if (now - this.lastFailure >= this.minReloadIntervalMs) {
        try {
          await this.reload();
        } catch {
          // this.failure keeps it
        }
      }
      if (this.failure !== undefined && Date.now() - this.lastLoad >= this.minReloadIntervalMs) {
        const known = this.owners.get(hash);
        if (known) return known;
        throw this.failure;
      }
    }
    return this.owners.get(hash);
  }

  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    let rows: KeyRow[];
    try {
      rows = await this.source();
    } catch (error) {
      this.failure = error;
      this.lastFailure = Date.now();
      throw error;
    }
    this.failure = undefined;
    this.owners = new Map(rows.map((row) => [row.key_hash, { projectId: row.project_id, kind: row.kind }]));
    this.lastLoad = Date.now();
  }
}

async function readKeyRows(storage: Storage): Promise<KeyRow[]> {
  const result = await storage.client.query({
    query: `SELECT key_hash, project_id, kind FROM ${storage.database}.api_keys FINAL WHERE revoked = 0`,
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  return result.json<KeyRow>();
}
