import fs from "node:fs";
import path from "node:path";
import express, { type Express, type Router } from "express";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { createHealthRouter, type Readiness } from "../observability/health.js";
import { errorHandler } from "./errors.js";

export interface HttpShellParts {
  readiness: Readiness;
  metrics: Metrics;
  logger: Logger;
  /** The routes this process serves (collector, API, or both). */
  routers: Router[];
  /** The built dashboard (dashboard/dist); served at / with client-side routes falling back to index.html. */
  dashboardDir?: string;
}

/**
 * What every HTTP process shares: request metrics, health, the given routes, the dashboard and
 * the last-resort error handler. Built without listening, so tests drive it in-process.
 */
export function createHttpShell(parts: HttpShellParts): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "extended");
  app.use((req, res, next) => {
    res.on("finish", () => parts.metrics.requests.inc({ route: routeLabel(req.path), status: String(res.statusCode) }));
    next();
  });
  app.use(createHealthRouter(parts.readiness, parts.metrics));
  for (const router of parts.routers) app.use(router);
  const dashboardDir = parts.dashboardDir;
  if (dashboardDir && fs.existsSync(path.join(dashboardDir, "index.html"))) {
    // Hashed assets can be cached for long; index.html must be revalidated so an upgrade never
    // leaves a browser on a page that points at chunks which no longer exist.
    const noCache = { headers: { "Cache-Control": "no-cache" } };
    app.use(
      express.static(dashboardDir, {
        index: "index.html",
        setHeaders: (res, filePath) => {
          const hashed = filePath.includes(`${path.sep}assets${path.sep}`);
          res.setHeader("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
        },
      }),
    );
    app.get(/^\/(?!api\/|v1\/|health\/|metrics).*/, (_req, res) => res.sendFile(path.join(dashboardDir, "index.html"), noCache));
  }
  app.use(errorHandler(parts.logger));
  return app;
}

/** Bounded label values: Prometheus must not get one series per URL. */
function routeLabel(pathname: string): string {
  if (pathname.startsWith("/api/v1/")) return pathname.split("/").slice(0, 5).join("/");
  if (pathname === "/v1/events" || pathname.startsWith("/health/") || pathname === "/metrics") return pathname;
  return "other";
}
