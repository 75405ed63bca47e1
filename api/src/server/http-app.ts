import fs from "node:fs";
import path from "node:path";
import express, { type Express } from "express";
import { createCollectorRouter, createHealthRouter, errorHandler, type CollectorDeps, type Logger, type Metrics, type Readiness } from "@chatfunnel/ingest";
import { createApiRouter, type ApiDeps } from "../app.js";

export interface HttpAppParts {
  readiness: Readiness;
  metrics: Metrics;
  logger: Logger;
  collector?: CollectorDeps;
  api?: ApiDeps;
  /** The built dashboard (dashboard/dist); served at / with client-side routes falling back to index.html. */
  dashboardDir?: string;
}

/** Builds the Express app without listening, so tests drive it in-process. */
export function createHttpApp(parts: HttpAppParts): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "extended");
  app.use((req, res, next) => {
    res.on("finish", () => parts.metrics.requests.inc({ route: routeLabel(req.path), status: String(res.statusCode) }));
    next();
  });
  app.use(createHealthRouter(parts.readiness, parts.metrics));
  if (parts.collector) app.use(createCollectorRouter(parts.collector));
  if (parts.api) app.use(createApiRouter(parts.api));
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
