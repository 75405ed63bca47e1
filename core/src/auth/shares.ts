import { randomBytes } from "node:crypto";
import type { ShareFilters } from "@chatfunnel/schemas";
import type { Storage } from "../storage/clickhouse.js";
import { toClickHouseTime } from "../storage/clickhouse.js";
import { nextVersion, randomToken } from "./accounts.js";
import { hashKey } from "./key-store.js";

/**
 * Share links (share_links): a read-only view of one project with fixed filters. The link carries a random
 * token (`cf_sh_…`, stored as its SHA-256 like keys); a password-protected one needs the password first,
 * which gives a share session (`cf_ss_…`, account_sessions with share_id). access-store.ts resolves both.
 */
export const SHARE_TOKEN_PREFIX = "cf_sh_";
export const SHARE_SESSION_PREFIX = "cf_ss_";
/** An unlocked password-protected link stays unlocked this long (or until it expires, if sooner). */
export const SHARE_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface ShareListing {
  id: string;
  filters: ShareFilters;
  expiresAt: string | null;
  passwordProtected: boolean;
  createdAt: string;
}

export async function createShare(
  storage: Storage,
  input: { projectId: string; filters: ShareFilters; expiresMs: number | null; passwordHash: string },
): Promise<{ id: string; token: string }> {
  const id = `sh_${randomBytes(8).toString("hex")}`;
  const token = randomToken(SHARE_TOKEN_PREFIX);
  await storage.insertRows("share_links", [
    {
      share_id: id,
      token_hash: hashKey(token),
      project_id: input.projectId,
      filters: JSON.stringify(input.filters),
      password_hash: input.passwordHash,
      expires_at: input.expiresMs === null ? null : toClickHouseTime(input.expiresMs),
      created_at: toClickHouseTime(Date.now()),
      revoked: 0,
      version: toClickHouseTime(nextVersion()),
    },
  ]);
  return { id, token };
}

interface StoredShare {
  share_id: string;
  token_hash: string;
  project_id: string;
  filters: string;
  password_hash: string;
  expires_ms: number | null;
  created_at: string;
}

/** Every live (not revoked) share link, expired ones too: those answer 410, not 401. */
export async function liveShares(storage: Storage, projectId?: string): Promise<StoredShare[]> {
  const result = await storage.client.query({
    query: `SELECT share_id, token_hash, project_id, filters, password_hash, toUnixTimestamp64Milli(expires_at) AS expires_ms, created_at
      FROM ${storage.database}.share_links FINAL WHERE revoked = 0${projectId === undefined ? "" : " AND project_id = {projectId:String}"} ORDER BY created_at DESC, share_id`,
    query_params: projectId === undefined ? {} : { projectId },
    format: "JSONEachRow",
    clickhouse_settings: { ...storage.querySettings, date_time_output_format: "simple" },
  });
  return result.json<StoredShare>();
}

export function parseShareFilters(text: string): ShareFilters {
  return JSON.parse(text) as ShareFilters;
}

export async function listShares(storage: Storage, projectId: string): Promise<ShareListing[]> {
  return (await liveShares(storage, projectId)).map((share) => ({
    id: share.share_id,
    filters: parseShareFilters(share.filters),
    expiresAt: share.expires_ms === null ? null : new Date(Number(share.expires_ms)).toISOString(),
    passwordProtected: share.password_hash !== "",
    createdAt: new Date(`${share.created_at.replace(" ", "T")}Z`).toISOString(),
  }));
}

/** Revokes a project's share link; its link and its share sessions are refused at every process's next reload. */
export async function revokeShare(storage: Storage, projectId: string, shareId: string): Promise<boolean> {
  const [share] = (await liveShares(storage, projectId)).filter((row) => row.share_id === shareId);
  if (!share) return false;
  const { expires_ms, ...rest } = share;
  await storage.insertRows("share_links", [
    { ...rest, expires_at: expires_ms === null ? null : toClickHouseTime(Number(expires_ms)), revoked: 1, version: toClickHouseTime(nextVersion()) },
  ]);
  return true;
}
