import type { Request, RequestHandler, Response } from "express";
import type { Role } from "@chatfunnel/schemas";
import { bearerToken, sendError } from "../http/errors.js";
import type { AccessStore } from "./access-store.js";
import { kindAllows, type KeyKind, type KeyStore } from "./key-store.js";
import { SHARE_SESSION_PREFIX, SHARE_TOKEN_PREFIX } from "./shares.js";

/** The session cookie (HttpOnly) and its hint (readable by the page: "a session may exist", no credential). */
export const SESSION_COOKIE = "cf_session";
export const SESSION_HINT_COOKIE = "cf_signed_in";
/**
 * With a session cookie the request names its project in this header. A custom header also makes the request
 * one a cross-site form cannot send and cross-site scripts cannot without a CORS preflight we never grant, so
 * a cookie alone never acts (CSRF), on top of SameSite=Lax.
 */
export const PROJECT_HEADER = "X-Chatfunnel-Project";

/** What a role may do, in key kinds: a viewer reads like a read key, an editor or owner acts like a manage key. */
export function roleKind(role: Role): Exclude<KeyKind, "write"> {
  return role === "viewer" ? "read" : "manage";
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
}

/** Whether the request reached us over TLS, directly or through a proxy that says so: the cookie is then Secure. */
export function overTls(req: Request): boolean {
  const forwarded = String(req.headers["x-forwarded-proto"] ?? "").split(",")[0]?.trim().toLowerCase();
  return req.secure || forwarded === "https";
}

/** This server's origin as the client reached it, for links we hand out (invites, share links). */
export function requestOrigin(req: Request): string {
  const forwardedHost = String(req.headers["x-forwarded-host"] ?? "").split(",")[0]?.trim();
  return `${overTls(req) ? "https" : "http"}://${forwardedHost || req.headers.host || "localhost"}`;
}

export function isShareToken(token: string): boolean {
  return token.startsWith(SHARE_TOKEN_PREFIX) || token.startsWith(SHARE_SESSION_PREFIX);
}

function unavailable(res: Response, error: unknown): void {
  // The key or session tables are unreachable: a dependency problem the caller should retry, not a 500.
  res.setHeader("Retry-After", "1");
  sendError(res, 503, "unavailable", `cannot check credentials right now: ${(error as Error).message}`);
}

/**
 * The API's gate: a key (Authorization: Bearer, as requireKey), a share link's token (read-only, its project;
 * res.locals.share carries its fixed filters) or a session cookie with the project in PROJECT_HEADER (the
 * user's role there decides, as key kinds do). res.locals.projectId and keyKind are set for every one of them,
 * so requireKind and every handler treat them alike. A user without a role in the named project gets 403
 * whether that project exists or not, and never its data.
 */
export function requireAccess(keys: KeyStore, access: AccessStore, kind: Exclude<KeyKind, "write">): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    try {
      if (token !== undefined && isShareToken(token)) {
        const share = await access.resolveShare(token);
        if (!share) return sendError(res, 401, "unauthorized", "unknown or revoked share link");
        if (share.expiresMs !== null && share.expiresMs <= Date.now()) return sendError(res, 410, "gone", "this share link has expired");
        if (share.locked) return sendError(res, 401, "unauthorized", "this share link needs its password: POST /auth/v1/share/unlock");
        res.locals.projectId = share.projectId;
        res.locals.keyKind = "read";
        res.locals.share = share;
        return next();
      }
      if (token !== undefined) {
        const owner = await keys.resolve(token);
        if (!owner || !kindAllows(owner.kind, kind)) return sendError(res, 401, "unauthorized", `unknown ${kind} key`);
        res.locals.projectId = owner.projectId;
        res.locals.keyKind = owner.kind;
        return next();
      }
      const session = readCookie(req, SESSION_COOKIE);
      if (session === undefined) return sendError(res, 401, "unauthorized", `missing Authorization: Bearer <${kind} key> (or a session cookie with ${PROJECT_HEADER})`);
      const user = await access.resolveSession(session);
      if (!user) return sendError(res, 401, "unauthorized", "the session has ended; log in again");
      const projectId = req.get(PROJECT_HEADER);
      if (!projectId) {
        const message = `a session names its project in the ${PROJECT_HEADER} header`;
        return sendError(res, 400, "invalid_parameter", `missing parameter '${PROJECT_HEADER}': ${message}`, [{ path: PROJECT_HEADER, message }]);
      }
      const role = user.roles.get(projectId);
      if (role === undefined || !kindAllows(roleKind(role), kind)) return sendError(res, 403, "forbidden", "you have no role in this project");
      res.locals.projectId = projectId;
      res.locals.keyKind = roleKind(role);
      res.locals.userId = user.userId;
      res.locals.role = role;
      next();
    } catch (error) {
      unavailable(res, error);
    }
  };
}
