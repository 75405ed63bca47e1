import { Router } from "express";
import type { KeyStore, Logger, Metrics, Storage } from "@chatfunnel/ingest";
import { sendError } from "@chatfunnel/ingest";
import { requireReadKey } from "./http/read-auth.js";
import { overviewRoutes } from "./routes/overview-routes.js";
import { funnelRoutes } from "./routes/funnel-routes.js";
import { metricRoutes } from "./routes/metric-routes.js";

export interface ApiDeps {
  storage: Storage;
  keys: KeyStore;
  metrics: Metrics;
  logger: Logger;
}

/** /api/v1: every route takes a read key; the project comes from the key, never the request. */
export function createApiRouter(deps: ApiDeps): Router {
  const router = Router();
  const v1 = Router();
  v1.use(overviewRoutes(deps));
  v1.use(funnelRoutes(deps));
  v1.use(metricRoutes(deps));
  v1.use((_req, res) => sendError(res, 404, "not_found", "no such endpoint"));
  router.use("/api/v1", requireReadKey(deps.keys), v1);
  return router;
}
