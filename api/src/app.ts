import { Router } from "express";
import type { KeyStore, Logger, Metrics, Storage } from "@chatfunnel/ingest";
import { requireKey, sendError } from "@chatfunnel/ingest";
import { overviewDocs, overviewRoutes } from "./routes/overview-routes.js";
import { funnelDocs, funnelRoutes } from "./routes/funnel-routes.js";
import { metricDocs, metricRoutes } from "./routes/metric-routes.js";
import { eventsDocs, eventsRoutes } from "./routes/events-routes.js";
import { linksDocs, linksRoutes } from "./routes/links-routes.js";
import { openApiDocument } from "./openapi/document.js";

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
  v1.use(eventsRoutes(deps));
  v1.use(linksRoutes(deps));
  v1.use((_req, res) => sendError(res, 404, "not_found", "no such endpoint"));
  // The contract is public: clients generate code from it before they have a key.
  const openApi = openApiDocument([...overviewDocs, ...funnelDocs, ...metricDocs, ...eventsDocs, ...linksDocs]);
  router.get("/api/v1/openapi.json", (_req, res) => res.json(openApi));
  router.use("/api/v1", requireKey(deps.keys, "read"), v1);
  return router;
}
