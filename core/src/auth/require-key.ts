import type { RequestHandler } from "express";
import { bearerToken, sendError } from "../http/errors.js";
import type { KeyKind, KeyStore } from "./key-store.js";

/**
 * Admits requests carrying a key of the given kind and puts its project in res.locals.projectId:
 * the project always comes from the key, never from the request.
 */
export function requireKey(keys: KeyStore, kind: KeyKind): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return sendError(res, 401, "unauthorized", `missing Authorization: Bearer <${kind} key>`);
    try {
      const owner = await keys.resolve(token);
      if (!owner || owner.kind !== kind) return sendError(res, 401, "unauthorized", `unknown ${kind} key`);
      res.locals.projectId = owner.projectId;
      next();
    } catch (error) {
      // The key table is unreachable: a dependency problem the caller should retry, not a 500.
      res.setHeader("Retry-After", "1");
      sendError(res, 503, "unavailable", `cannot check keys right now: ${(error as Error).message}`);
    }
  };
}
