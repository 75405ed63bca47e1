import type { RequestHandler } from "express";
import { bearerToken, sendError, type KeyStore } from "@chatfunnel/ingest";

/** Read endpoints take a read key; the project comes from the key, never from the request. */
export function requireReadKey(keys: KeyStore): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return sendError(res, 401, "unauthorized", "missing Authorization: Bearer <read key>");
    try {
      const owner = await keys.resolve(token);
      if (!owner || owner.kind !== "read") return sendError(res, 401, "unauthorized", "unknown read key");
      res.locals.projectId = owner.projectId;
      next();
    } catch (error) {
      res.setHeader("Retry-After", "1");
      sendError(res, 503, "unavailable", `cannot check keys right now: ${(error as Error).message}`);
    }
  };
}
