import { Router } from "express";
import type { KeyStore, Logger, Metrics, Storage } from "@chatfunnel/ingest";
import { sendError } from "@chatfunnel/ingest";
import { requireReadKey } from "./http/read-auth.js";
import { metricHandler } from "./http/handle.js";
import { parseCommon } from "./http/params.js";
import { overview } from "./metrics/overview.js";

export interface ApiDeps {
  storage: Storage;
  keys: KeyStore;
  metrics: Metrics;
  logger: Logger;
}

/** GET /api/v1/<metric>: one route per metric, each a thin wrapper around its query module. */
export function createApiRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use("/api/v1", requireReadKey(deps.keys));
  router.get(
    "/api/v1/overview",
    metricHandler("overview", deps, (req, _res, projectId) => overview(deps.storage, parseCommon(req, projectId))),
  );
  router.use("/api/v1", (_req, res) => sendError(res, 404, "not_found", "no such endpoint"));
  return router;
}
