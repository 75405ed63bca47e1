import express, { Router, type Request, type RequestHandler, type Response } from "express";
import {
  SESSION_COOKIE,
  SESSION_HINT_COOKIE,
  SESSION_TTL_MS,
  SHARE_SESSION_PREFIX,
  SHARE_SESSION_TTL_MS,
  SHARE_TOKEN_PREFIX,
  acceptInvite,
  bearerToken,
  checkLoginLimit,
  createSession,
  findAccountByEmail,
  hashPassword,
  overTls,
  readCookie,
  recordLoginAttempt,
  revokeSession,
  sendError,
  verifyDummyPassword,
  verifyPassword,
  type AccessStore,
  type Logger,
  type Storage,
} from "@chatfunnel/core";
import type { z } from "zod";
import { InviteAcceptBodySchema, LoginBodySchema, ShareUnlockBodySchema, toFieldErrors } from "@chatfunnel/schemas";
import { clientAddress } from "./request-address.js";

export interface AuthDeps {
  storage: Storage;
  /** The same cache the API checks sessions with, so this process's own logout is refused at once. */
  access: AccessStore;
  logger: Logger;
  /** TRUST_PROXY: the client address is the last X-Forwarded-For entry. */
  trustProxy: boolean;
}

/** One answer for a wrong password and an unknown email: nothing in it tells which. */
const LOGIN_REFUSED = "wrong email or password";

const wrap =
  (logger: Logger, handler: RequestHandler): RequestHandler =>
  async (req, res, next) => {
    try {
      await handler(req, res, next);
    } catch (error) {
      logger.error("auth request failed", { error });
      if (!res.headersSent) {
        res.setHeader("Retry-After", "1");
        sendError(res, 503, "unavailable", "the account store cannot be reached right now");
      }
    }
  };

function parseBody<S extends z.ZodType>(schema: S, req: Request, res: Response, what: string): z.infer<S> | undefined {
  const body = schema.safeParse(req.body ?? {});
  if (body.success) return body.data;
  const details = toFieldErrors(body.error);
  sendError(res, 400, "invalid_parameter", `invalid ${what}: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
  return undefined;
}

function setSessionCookies(req: Request, res: Response, token: string): void {
  const options = { sameSite: "lax" as const, secure: overTls(req), path: "/", maxAge: SESSION_TTL_MS };
  res.cookie(SESSION_COOKIE, token, { ...options, httpOnly: true });
  // Tells the page a session may exist, so it asks /auth/v1/me instead of showing the login form; no credential.
  res.cookie(SESSION_HINT_COOKIE, "1", { ...options, httpOnly: false });
}

function clearSessionCookies(req: Request, res: Response): void {
  const options = { sameSite: "lax" as const, secure: overTls(req), path: "/" };
  res.clearCookie(SESSION_COOKIE, { ...options, httpOnly: true });
  res.clearCookie(SESSION_HINT_COOKIE, options);
}

async function projectNames(storage: Storage, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const result = await storage.client.query({
    query: `SELECT project_id, name FROM ${storage.database}.projects FINAL WHERE project_id IN {ids:Array(String)}`,
    query_params: { ids },
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  return new Map((await result.json<{ project_id: string; name: string }>()).map((row) => [row.project_id, row.name]));
}

function rateLimited(res: Response, retryAfterS: number): void {
  res.setHeader("Retry-After", String(retryAfterS));
  sendError(res, 429, "rate_limited", `too many failed attempts; try again in ${retryAfterS} s`);
}

/**
 * /auth/v1: dashboard logins (session cookie), invites, and share links' read-only entry. Sessions are rows
 * of account_sessions (the token's SHA-256); every process checks them through its AccessStore.
 */
export function createAuthRouter(deps: AuthDeps): Router {
  const router = Router();
  const auth = Router();
  auth.use(express.json({ limit: "16kb" }));

  auth.post(
    "/login",
    wrap(deps.logger, async (req, res) => {
      const body = parseBody(LoginBodySchema, req, res, "login");
      if (!body) return;
      const email = body.email.trim().toLowerCase();
      const address = clientAddress(req, deps.trustProxy);
      // Both reads at once, and both writes: a login's time is mostly storage round trips, not the hash.
      const [limit, account] = await Promise.all([checkLoginLimit(deps.storage, email, address), findAccountByEmail(deps.storage, email)]);
      if (limit.limited) return rateLimited(res, limit.retryAfterS);
      // An unknown email (or one whose invite is still open) hashes too, so it takes as long as a wrong password.
      const ok = account && account.passwordHash !== "" ? await verifyPassword(account.passwordHash, body.password) : await verifyDummyPassword(body.password);
      const [session] = await Promise.all([
        ok && account ? createSession(deps.storage, { userId: account.id }, SESSION_TTL_MS) : undefined,
        recordLoginAttempt(deps.storage, email, address, ok),
      ]);
      if (!session || !account) return sendError(res, 401, "unauthorized", LOGIN_REFUSED);
      setSessionCookies(req, res, session.token);
      res.json({ id: account.id, email: account.email });
    }),
  );

  auth.post(
    "/logout",
    wrap(deps.logger, async (req, res) => {
      const token = readCookie(req, SESSION_COOKIE);
      if (token !== undefined) {
        await revokeSession(deps.storage, token);
        deps.access.invalidate();
      }
      clearSessionCookies(req, res);
      res.status(204).end();
    }),
  );

  auth.get(
    "/me",
    wrap(deps.logger, async (req, res) => {
      const token = readCookie(req, SESSION_COOKIE);
      const user = token === undefined ? undefined : await deps.access.resolveSession(token);
      if (!user) return sendError(res, 401, "unauthorized", "no session; log in");
      const names = await projectNames(deps.storage, [...user.roles.keys()]);
      const projects = [...user.roles]
        // A role in a project that no longer exists shows nothing.
        .filter(([id]) => names.has(id))
        .map(([id, role]) => ({ id, name: names.get(id)!, role }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
      res.json({ id: user.userId, email: user.email, projects });
    }),
  );

  auth.post(
    "/invite",
    wrap(deps.logger, async (req, res) => {
      const body = parseBody(InviteAcceptBodySchema, req, res, "invite");
      if (!body) return;
      const userId = await acceptInvite(deps.storage, body.token, await hashPassword(body.password));
      if (userId === undefined) return sendError(res, 410, "gone", "this invite link is unknown, used or expired; ask the admin for a new one");
      const { token } = await createSession(deps.storage, { userId }, SESSION_TTL_MS);
      setSessionCookies(req, res, token);
      res.json({ id: userId });
    }),
  );

  // A share link's entry: what it shows (project, fixed filters) and whether it needs its password first.
  auth.get(
    "/share",
    wrap(deps.logger, async (req, res) => {
      const token = bearerToken(req.headers.authorization);
      const share = token?.startsWith(SHARE_TOKEN_PREFIX) || token?.startsWith(SHARE_SESSION_PREFIX) ? await deps.access.resolveShare(token) : undefined;
      if (!share) return sendError(res, 404, "not_found", "unknown or revoked share link");
      if (share.expiresMs !== null && share.expiresMs <= Date.now()) return sendError(res, 410, "gone", "this share link has expired");
      const names = await projectNames(deps.storage, [share.projectId]);
      res.json({
        project: { id: share.projectId, name: names.get(share.projectId) ?? share.projectId },
        filters: share.filters,
        expiresAt: share.expiresMs === null ? null : new Date(share.expiresMs).toISOString(),
        passwordRequired: share.locked,
      });
    }),
  );

  auth.post(
    "/share/unlock",
    wrap(deps.logger, async (req, res) => {
      const token = bearerToken(req.headers.authorization);
      const share = token?.startsWith(SHARE_TOKEN_PREFIX) ? await deps.access.resolveShare(token) : undefined;
      if (!share) return sendError(res, 404, "not_found", "unknown or revoked share link");
      if (share.expiresMs !== null && share.expiresMs <= Date.now()) return sendError(res, 410, "gone", "this share link has expired");
      const body = parseBody(ShareUnlockBodySchema, req, res, "password");
      if (!body) return;
      const account = `share:${share.shareId}`;
      const address = clientAddress(req, deps.trustProxy);
      const limit = await checkLoginLimit(deps.storage, account, address);
      if (limit.limited) return rateLimited(res, limit.retryAfterS);
      const ok = share.passwordHash !== "" && (await verifyPassword(share.passwordHash, body.password));
      await recordLoginAttempt(deps.storage, account, address, ok);
      if (!ok) return sendError(res, 401, "unauthorized", "wrong password");
      const ttl = Math.min(SHARE_SESSION_TTL_MS, share.expiresMs === null ? SHARE_SESSION_TTL_MS : share.expiresMs - Date.now());
      const session = await createSession(deps.storage, { shareId: share.shareId }, ttl, SHARE_SESSION_PREFIX);
      res.json({ accessToken: session.token, expiresAt: new Date(session.expiresMs).toISOString() });
    }),
  );

  auth.use((_req, res) => sendError(res, 404, "not_found", "no such endpoint"));
  router.use("/auth/v1", auth);
  return router;
}
