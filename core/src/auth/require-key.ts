import type { RequestHandler } from "express";
import { bearerToken, sendError } from "../http/errors.js";
import { kindAllows, type KeyKind, type KeyStore } from "./key-store.js";

/**
 * Admits requests carrying a key that allows `kind` (kindAllows: a manage key reads too) and puts its project
 * in res.locals.projectId and its kind in res.locals.keyKind: the project always comes from the key, never from
 * the request. 401 for no key this surface knows — missing, unknown, revoked, of another surface (a write key
 * on the API, a read key at ingest); a key of another project is simply not this project's, so the request
 * sees that project's data or nothing.
 */
export function requireKey(keys: KeyStore, kind: KeyKind): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return sendError(res, 401, "unauthorized", `missing Authorization: Bearer <${kind} key>`);
    try {
      const owner = await keys.resolve(token);
      if (!owner || !kindAllows(owner.kind, kind)) return sendError(res, 401, "unauthorized", `unknown ${kind} key`);
      res.locals.projectId = owner.projectId;
      res.locals.keyKind = owner.kind;
      next();
    } catch (error) {
      // The key table is unreachable: a dependency problem the caller should retry, not a 500.
      res.setHeader("Retry-After", "1");
      sendError(res, 503, "unavailable", `cannot check keys right now: ${(error as Error).message}`);
    }
  };
}

/**
 * After requireKey(…, "read"): refuses, with 403 naming the kind needed, a valid key of the project whose kind
 * does not allow `kind` (a read key asking for an editor action). 403, not 401: the key is known and right for
 * the project, and another key of the same project would do.
 */
export function requireKind(kind: KeyKind): RequestHandler {
  return (_req, res, next) => {
    const held = res.locals.keyKind as KeyKind | undefined;
    if (held !== undefined && kindAllows(held, kind)) return next();
    // Sessions and share links (require-access.ts) are refused in their own words.
    if (res.locals.share !== undefined) return sendError(res, 403, "forbidden", "a share link is read-only");
    if (typeof res.locals.role === "string") return sendError(res, 403, "forbidden", `this action needs the editor or owner role; a ${res.locals.role} may not`);
    sendError(res, 403, "forbidden", `this action needs a ${kind} key; a ${held ?? "missing"} key does not allow it`);
  };
}
