import type { Express, Router } from "express";
import { createCollectorRouter, createUpdatesRouter, type CollectorDeps } from "@chatfunnel/ingest";
import { AccessStore, createHttpShell, type Logger, type Metrics, type Readiness } from "@chatfunnel/core";
import { createApiRouter, type ApiDeps } from "@chatfunnel/api";
import { createAdminRouter, type AdminDeps } from "./admin-routes.js";
import { createAuthRouter } from "./auth-routes.js";

export interface HttpAppParts {
  readiness: Readiness;
  metrics: Metrics;
  logger: Logger;
  collector?: CollectorDeps;
  api?: ApiDeps;
  /** /admin/v1 (projects and keys), where the API is served. */
  admin?: AdminDeps;
  /** TRUST_PROXY: login rate limits count the last X-Forwarded-For entry as the client (server/src/request-address.ts). */
  trustProxy?: boolean;
  /** The built dashboard (dashboard/dist); served at / with client-side routes falling back to index.html. */
  dashboardDir?: string;
}

/** The HTTP app of the embedded default and of the API process: the shared shell with the API (and collector). */
export function createHttpApp(parts: HttpAppParts): Express {
  const routers: Router[] = [];
  if (parts.collector) routers.push(createCollectorRouter(parts.collector), createUpdatesRouter(parts.collector));
  if (parts.api) {
    // One cache of sessions and share links for the API and /auth/v1, so this process's own logout counts at once.
    const access = parts.api.access ?? new AccessStore(parts.api.storage);
    routers.push(createApiRouter({ ...parts.api, access }));
    routers.push(createAuthRouter({ storage: parts.api.storage, access, logger: parts.logger, trustProxy: parts.trustProxy ?? false }));
  }
  if (parts.admin) routers.push(createAdminRouter(parts.admin));
  return createHttpShell({ readiness: parts.readiness, metrics: parts.metrics, logger: parts.logger, routers, dashboardDir: parts.dashboardDir });
}
