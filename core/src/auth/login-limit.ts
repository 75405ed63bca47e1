import type { Storage } from "../storage/clickhouse.js";
import { toClickHouseTime } from "../storage/clickhouse.js";

/**
 * Brute-force protection: at most LOGIN_MAX_FAILURES failed attempts per account and per client address in
 * the last LOGIN_WINDOW_MS; beyond that the next attempt is refused (429, Retry-After) before any password is
 * checked, even a right one. Attempts are rows of login_attempts, so every process counts the same ones.
 * Attempts racing each other across processes can pass the count together: a few more than the limit, never
 * an unbounded number. `account` is the lower-cased email for logins, `share:<id>` for share-link passwords.
 */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

export interface LoginLimit {
  limited: boolean;
  /** Seconds until the oldest counted failure leaves the window (when limited). */
  retryAfterS: number;
}

export async function checkLoginLimit(storage: Storage, account: string, address: string, now = Date.now()): Promise<LoginLimit> {
  const result = await storage.client.query({
    query: `SELECT countIf(account = {account:String}) AS by_account, countIf(address = {address:String}) AS by_address,
        toUnixTimestamp64Milli(minIf(at, account = {account:String})) AS first_account_ms,
        toUnixTimestamp64Milli(minIf(at, address = {address:String})) AS first_address_ms
      FROM ${storage.database}.login_attempts
      WHERE at > {since:DateTime64(3, 'UTC')} AND ok = 0 AND (account = {account:String} OR address = {address:String})`,
    query_params: { account, address, since: toClickHouseTime(now - LOGIN_WINDOW_MS) },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const [row] = await result.json<{ by_account: number; by_address: number; first_account_ms: number; first_address_ms: number }>();
  const byAccount = Number(row?.by_account ?? 0);
  const byAddress = Number(row?.by_address ?? 0);
  const releases: number[] = [];
  if (byAccount >= LOGIN_MAX_FAILURES) releases.push(Number(row!.first_account_ms) + LOGIN_WINDOW_MS);
  if (byAddress >= LOGIN_MAX_FAILURES) releases.push(Number(row!.first_address_ms) + LOGIN_WINDOW_MS);
  if (releases.length === 0) return { limited: false, retryAfterS: 0 };
  return { limited: true, retryAfterS: Math.max(1, Math.ceil((Math.max(...releases) - now) / 1000)) };
}

export async function recordLoginAttempt(storage: Storage, account: string, address: string, ok: boolean): Promise<void> {
  await storage.insertRows("login_attempts", [{ at: toClickHouseTime(Date.now()), account, address, ok: ok ? 1 : 0 }]);
}
