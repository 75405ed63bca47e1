import type { RequestHandler } from "express";
import { z } from "zod";
import { sendError, type ShareAccess } from "@chatfunnel/core";
import type { ApiRoute } from "../routes/api-route.js";

/** The segment filters a share link fixes, as query parameters of the reports (CommonQuerySchema). */
export const SHARE_FILTER_PARAMETERS = ["channel", "botId", "campaign"] as const;

/** Not a page of the dashboard a link shows: the bulk export of raw events stays with keys and accounts. */
const SHARE_EXCLUDED_PATHS = new Set(["/api/v1/export/events"]);

/**
 * Whether a share link reaches a route: a GET whose query takes every segment filter, so the link's filters
 * are applied by the route's own parsing. Settings, webhooks, shares, the deletion log (no such filters) and the raw export are never reached.
 */
export function shareReaches(route: Pick<ApiRoute, "method" | "path" | "query">): boolean {
  if (route.method !== "get" || !(route.query instanceof z.ZodObject) || SHARE_EXCLUDED_PATHS.has(route.path)) return false;
  const shape = route.query.shape as Record<string, unknown>;
  return SHARE_FILTER_PARAMETERS.every((name) => name in shape);
}

/**
 * For a request made with a share link (res.locals.share, set by requireAccess): refuses routes it does not
 * reach, and puts the link's filters in place of whatever the request asked for, so a viewer choosing another
 * campaign still sees the link's. Other credentials pass untouched.
 */
export function shareGuard(route: ApiRoute): RequestHandler {
  const reaches = shareReaches(route);
  return (req, res, next) => {
    const share = res.locals.share as ShareAccess | undefined;
    if (share === undefined) return next();
    if (!reaches) return sendError(res, 403, "forbidden", "a share link shows the project's reports only");
    const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
    for (const name of SHARE_FILTER_PARAMETERS) {
      const fixed = share.filters[name];
      if (fixed !== undefined) query[name] = fixed;
    }
    // Express 5 computes req.query from the URL in a getter; an own property takes its place for this request.
    Object.defineProperty(req, "query", { value: query, configurable: true, enumerable: true, writable: true });
    next();
  };
}
