import type { Role, ShareFilters } from "@chatfunnel/schemas";
import type { Storage } from "../storage/clickhouse.js";
import { liveRoles } from "./accounts.js";
import { hashKey, KEY_CACHE_MAX_AGE_MS } from "./key-store.js";
import { liveShares, parseShareFilters } from "./shares.js";

export interface SessionUser {
  userId: string;
  email: string;
  /** project id → role; a project without an entry is not the user's. */
  roles: ReadonlyMap<string, Role>;
}

export interface ShareAccess {
  shareId: string;
  projectId: string;
  filters: ShareFilters;
  /** The link's own token with a password set: nothing but unlocking is allowed until the password is given. */
  locked: boolean;
  passwordHash: string;
  expiresMs: number | null;
}

interface Snapshot {
  users: Map<string, SessionUser & { expiresMs: number }>;
  shareSessions: Map<string, { shareId: string; expiresMs: number }>;
  sharesByToken: Map<string, ShareAccess>;
  sharesById: Map<string, ShareAccess>;
}

const EMPTY: Snapshot = { users: new Map(), shareSessions: new Map(), sharesByToken: new Map(), sharesById: new Map() };

/**
 * A token the cache does not know makes the request wait for a read of storage that started after it arrived,
 * and such reads start at most this often: a session made a moment ago on another process is found, while a
 * flood of random cookies reads the tables 4 times a second.
 */
export const ACCESS_MISS_RELOAD_MS = 250;

/**
 * Sessions, their users and roles, and share links, cached like keys (KeyStore): a request finding the cache
 * older than KEY_CACHE_MAX_AGE_MS waits for one reload shared by every request then. A logout, a removed
 * user or role, a revoked share link is therefore refused by every process — the embedded default and each
 * API process of distributed mode alike — within that second plus one reload. A reload failing keeps the
 * last good snapshot for tokens it knows; unknown ones then get the failure (a 503 upstream).
 */
export class AccessStore {
  private snapshot: Snapshot = EMPTY;
  private lastLoad = Number.NEGATIVE_INFINITY;
  private lastLoadStarted = Number.NEGATIVE_INFINITY;
  private lastFailure = Number.NEGATIVE_INFINITY;
  private failure: unknown;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly maxAgeMs = KEY_CACHE_MAX_AGE_MS,
    private readonly missReloadMs = ACCESS_MISS_RELOAD_MS,
  ) {}

  /** The user of a session cookie's token; undefined when unknown, ended, expired or of a removed user. */
  async resolveSession(token: string): Promise<SessionUser | undefined> {
    const hash = hashKey(token);
    const found = await this.lookup((snapshot) => snapshot.users.get(hash));
    return found && found.expiresMs > Date.now() ? found : undefined;
  }

  /**
   * A share link's own token (`cf_sh_…`, locked while it has a password) or an unlocked share session's
   * (`cf_ss_…`); undefined when unknown or revoked. Expiry is the caller's to answer (410).
   */
  async resolveShare(token: string): Promise<ShareAccess | undefined> {
    const hash = hashKey(token);
    return this.lookup((snapshot) => {
      const direct = snapshot.sharesByToken.get(hash);
      if (direct) return direct;
      const session = snapshot.shareSessions.get(hash);
      if (!session || session.expiresMs <= Date.now()) return undefined;
      const share = snapshot.sharesById.get(session.shareId);
      return share && { ...share, locked: false };
    });
  }

  /** Forgets nothing and waits for nothing: the next lookup rereads storage (after this process's own logout). */
  invalidate(): void {
    this.lastLoad = Number.NEGATIVE_INFINITY;
  }

  private async lookup<T>(find: (snapshot: Snapshot) => T | undefined): Promise<T | undefined> {
    const arrived = Date.now();
    if (arrived - this.lastLoad >= this.maxAgeMs) await this.tryReload(arrived);
    let found = find(this.snapshot);
    if (found === undefined && this.failure === undefined) {
      // Perhaps made a moment ago by another process (a login there, then this request here): look again in a
      // read that started after this request arrived. Such reads are spaced missReloadMs apart, so unknown
      // tokens cost at most a few reads a second, each waiting for the next one.
      await this.loadStartedAfter(arrived);
      found = find(this.snapshot);
    }
    if (found === undefined && this.failure !== undefined) throw this.failure;
    return found;
  }

  private async tryReload(now: number): Promise<void> {
    // A failed reload is retried once per interval, not by every request while storage is down.
    if (now - this.lastFailure < this.missReloadMs) return;
    try {
      await this.reload();
    } catch {
      // this.failure keeps it
    }
  }

  private async loadStartedAfter(time: number): Promise<void> {
    while (this.lastLoadStarted < time) {
      const wait = this.lastLoadStarted + this.missReloadMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.lastLoadStarted >= time) return;
      try {
        await this.reload();
      } catch {
        return;
      }
    }
  }

  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    this.lastLoadStarted = Date.now();
    try {
      this.snapshot = await readSnapshot(this.storage);
    } catch (error) {
      this.failure = error;
      this.lastFailure = Date.now();
      throw error;
    }
    this.failure = undefined;
    this.lastLoad = Date.now();
  }
}

async function readSnapshot(storage: Storage): Promise<Snapshot> {
  const db = storage.database;
  const [sessionsResult, accountsResult, roles, shares] = await Promise.all([
    storage.client.query({
      query: `SELECT token_hash, user_id, share_id, toUnixTimestamp64Milli(expires_at) AS expires_ms FROM ${db}.account_sessions FINAL
        WHERE revoked = 0 AND expires_at > now64(3)`,
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    }),
    storage.client.query({
      query: `SELECT user_id, email FROM ${db}.accounts FINAL WHERE deleted = 0`,
      format: "JSONEachRow",
      clickhouse_settings: storage.querySettings,
    }),
    liveRoles(storage),
    liveShares(storage),
  ]);
  const sessions = await sessionsResult.json<{ token_hash: string; user_id: string; share_id: string; expires_ms: number }>();
  const emails = new Map((await accountsResult.json<{ user_id: string; email: string }>()).map((row) => [row.user_id, row.email]));
  const rolesByUser = new Map<string, Map<string, Role>>();
  for (const row of roles) {
    if (!rolesByUser.has(row.user_id)) rolesByUser.set(row.user_id, new Map());
    rolesByUser.get(row.user_id)!.set(row.project_id, row.role);
  }
  const snapshot: Snapshot = { users: new Map(), shareSessions: new Map(), sharesByToken: new Map(), sharesById: new Map() };
  for (const share of shares) {
    const access: ShareAccess = {
      shareId: share.share_id,
      projectId: share.project_id,
      filters: parseShareFilters(share.filters),
      locked: share.password_hash !== "",
      passwordHash: share.password_hash,
      expiresMs: share.expires_ms === null ? null : Number(share.expires_ms),
    };
    snapshot.sharesByToken.set(share.token_hash, access);
    snapshot.sharesById.set(share.share_id, access);
  }
  for (const session of sessions) {
    if (session.share_id !== "") {
      snapshot.shareSessions.set(session.token_hash, { shareId: session.share_id, expiresMs: Number(session.expires_ms) });
      continue;
    }
    const email = emails.get(session.user_id);
    // A removed user's sessions are simply not loaded: removal ends them.
    if (email === undefined) continue;
    snapshot.users.set(session.token_hash, { userId: session.user_id, email, roles: rolesByUser.get(session.user_id) ?? new Map(), expiresMs: Number(session.expires_ms) });
  }
  return snapshot;
}
