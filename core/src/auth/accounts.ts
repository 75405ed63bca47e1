import { randomBytes } from "node:crypto";
import type { Role } from "@chatfunnel/schemas";
import type { Storage } from "../storage/clickhouse.js";
import { toClickHouseTime } from "../storage/clickhouse.js";
import { hashKey } from "./key-store.js";

/**
 * Dashboard accounts in storage: users (accounts), their roles per project (account_roles) and sessions
 * (account_sessions). Tokens (sessions, invites) are random 256-bit strings stored as SHA-256 hashes like
 * keys (hashKey); passwords as argon2id hashes (password.ts). A change is a newer row version, which every
 * process reads on its next access reload (access-store.ts).
 */

/** How long a session lasts after login; the cookie's Max-Age is the same. */
export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;
/** How long an invite link may be opened to set the password. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

let lastVersion = 0;
/** Row versions that grow even within one millisecond, so a change right after a creation is the newer row. */
export function nextVersion(): number {
  lastVersion = Math.max(Date.now(), lastVersion + 1);
  return lastVersion;
}

export function randomToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

export class EmailTakenError extends Error {
  override name = "EmailTakenError";
}

export interface AccountRow {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: string;
}

interface StoredAccount {
  user_id: string;
  email: string;
  password_hash: string;
  invite_hash: string;
  invite_expires_ms: number;
  created_at: string;
}

const iso = (clickHouseTime: string) => new Date(clickHouseTime.endsWith("Z") ? clickHouseTime : `${clickHouseTime.replace(" ", "T")}Z`).toISOString();

async function liveAccounts(storage: Storage, where: string, params: Record<string, unknown>): Promise<StoredAccount[]> {
  const result = await storage.client.query({
    query: `SELECT user_id, email, password_hash, invite_hash, toUnixTimestamp64Milli(invite_expires_at) AS invite_expires_ms, created_at
      FROM ${storage.database}.accounts FINAL WHERE deleted = 0 AND ${where} ORDER BY email`,
    query_params: params,
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  return result.json<StoredAccount>();
}

function accountRow(account: StoredAccount, changes: Partial<StoredAccount> & { deleted?: number } = {}): object {
  const merged = { ...account, ...changes };
  return {
    user_id: merged.user_id,
    email: merged.email,
    password_hash: merged.password_hash,
    invite_hash: merged.invite_hash,
    invite_expires_at: toClickHouseTime(Number(merged.invite_expires_ms)),
    created_at: merged.created_at.includes("T") ? toClickHouseTime(merged.created_at) : merged.created_at,
    deleted: changes.deleted ?? 0,
    version: toClickHouseTime(nextVersion()),
  };
}

export async function findAccountByEmail(storage: Storage, email: string): Promise<AccountRow | undefined> {
  const [account] = await liveAccounts(storage, "email = {email:String}", { email });
  return account && { id: account.user_id, email: account.email, passwordHash: account.password_hash, createdAt: iso(account.created_at) };
}

export async function accountExists(storage: Storage, userId: string): Promise<boolean> {
  return (await liveAccounts(storage, "user_id = {userId:String}", { userId })).length > 0;
}

/**
 * A new user with `roles`. Without a password hash the user gets an invite token (returned once, stored as its
 * hash) that sets the password within INVITE_TTL_MS. Two admins creating one email at the same instant could
 * both pass the check; the admin API is one person's tool, so that race is accepted.
 */
export async function createAccount(
  storage: Storage,
  input: { email: string; passwordHash?: string | undefined; roles: ReadonlyArray<{ project: string; role: Role }> },
): Promise<{ id: string; inviteToken?: string; inviteExpiresMs?: number }> {
  if (await findAccountByEmail(storage, input.email)) throw new EmailTakenError(`a user with the email ${input.email} exists`);
  const id = `u_${randomBytes(8).toString("hex")}`;
  const now = Date.now();
  const inviteToken = input.passwordHash === undefined ? randomToken("cf_inv_") : undefined;
  const inviteExpiresMs = inviteToken === undefined ? 0 : now + INVITE_TTL_MS;
  await storage.insertRows("accounts", [
    {
      user_id: id,
      email: input.email,
      password_hash: input.passwordHash ?? "",
      invite_hash: inviteToken === undefined ? "" : hashKey(inviteToken),
      invite_expires_at: toClickHouseTime(inviteExpiresMs),
      created_at: toClickHouseTime(now),
      deleted: 0,
      version: toClickHouseTime(nextVersion()),
    },
  ]);
  for (const { project, role } of input.roles) await setRole(storage, id, project, role);
  return inviteToken === undefined ? { id } : { id, inviteToken, inviteExpiresMs };
}

/** Sets the password of the invite's user and closes the invite; undefined for an unknown, used or expired one. */
export async function acceptInvite(storage: Storage, inviteToken: string, passwordHash: string): Promise<string | undefined> {
  const [account] = await liveAccounts(storage, "invite_hash = {inviteHash:String} AND invite_hash != ''", { inviteHash: hashKey(inviteToken) });
  if (!account || Number(account.invite_expires_ms) <= Date.now()) return undefined;
  await storage.insertRows("accounts", [accountRow(account, { password_hash: passwordHash, invite_hash: "", invite_expires_ms: 0 })]);
  return account.user_id;
}

/** Grants or changes a role (role) or removes it (null). */
export async function setRole(storage: Storage, userId: string, projectId: string, role: Role | null): Promise<void> {
  await storage.insertRows("account_roles", [
    { user_id: userId, project_id: projectId, role: role ?? "viewer", deleted: role === null ? 1 : 0, version: toClickHouseTime(nextVersion()) },
  ]);
}

/** Removes a user: their sessions end at every process's next access reload, as their roles do. */
export async function deleteAccount(storage: Storage, userId: string): Promise<boolean> {
  const [account] = await liveAccounts(storage, "user_id = {userId:String}", { userId });
  if (!account) return false;
  await storage.insertRows("accounts", [accountRow(account, { deleted: 1 })]);
  return true;
}

export interface UserListing {
  id: string;
  email: string;
  hasPassword: boolean;
  createdAt: string;
  roles: Array<{ project: string; role: Role }>;
}

export async function listAccounts(storage: Storage): Promise<UserListing[]> {
  const accounts = await liveAccounts(storage, "1", {});
  const roles = await liveRoles(storage);
  return accounts.map((account) => ({
    id: account.user_id,
    email: account.email,
    hasPassword: account.password_hash !== "",
    createdAt: iso(account.created_at),
    roles: roles.filter((row) => row.user_id === account.user_id).map((row) => ({ project: row.project_id, role: row.role })),
  }));
}

export interface RoleRow {
  user_id: string;
  project_id: string;
  role: Role;
}

export async function liveRoles(storage: Storage): Promise<RoleRow[]> {
  const result = await storage.client.query({
    query: `SELECT user_id, project_id, toString(role) AS role FROM ${storage.database}.account_roles FINAL WHERE deleted = 0 ORDER BY project_id`,
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  return result.json<RoleRow>();
}

/** A new session of a user or of an unlocked share link: the token is returned once and stored as its hash. */
export async function createSession(storage: Storage, owner: { userId: string } | { shareId: string }, ttlMs: number, prefix = "cf_s_"): Promise<{ token: string; expiresMs: number }> {
  const token = randomToken(prefix);
  const now = Date.now();
  const expiresMs = now + ttlMs;
  await storage.insertRows("account_sessions", [
    {
      token_hash: hashKey(token),
      user_id: "userId" in owner ? owner.userId : "",
      share_id: "shareId" in owner ? owner.shareId : "",
      created_at: toClickHouseTime(now),
      expires_at: toClickHouseTime(expiresMs),
      revoked: 0,
      version: toClickHouseTime(nextVersion()),
    },
  ]);
  return { token, expiresMs };
}

/** Ends a session (logout): a newer row of its hash with revoked = 1. */
export async function revokeSession(storage: Storage, token: string): Promise<void> {
  const tokenHash = hashKey(token);
  const result = await storage.client.query({
    query: `SELECT user_id, share_id, created_at, expires_at FROM ${storage.database}.account_sessions FINAL WHERE token_hash = {tokenHash:String} AND revoked = 0`,
    query_params: { tokenHash },
    format: "JSONEachRow",
    clickhouse_settings: { ...storage.querySettings, date_time_output_format: "simple" },
  });
  const rows = await result.json<{ user_id: string; share_id: string; created_at: string; expires_at: string }>();
  await storage.insertRows(
    "account_sessions",
    rows.map((row) => ({ token_hash: tokenHash, ...row, revoked: 1, version: toClickHouseTime(nextVersion()) })),
  );
}
