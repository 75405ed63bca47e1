import { Router } from "express";
import type { KeyStore, Logger, Metrics, Storage } from "@chatfunnel/core";
import type { WebhookManageConfig } from "@chatfunnel/ingest";
import type { TelegramClientConfig } from "./notify/telegram-bot-api.js";
import { requireKey, requireKind, sendError } from "@chatfunnel/core";
import { metricHandler } from "./http/handle.js";
import { answerRoute, expressPath, requiredKeyKind, type ApiRoute } from "./routes/api-route.js";
import { overviewRoutes } from "./routes/overview-routes.js";
import { funnelRoutes } from "./routes/funnel-routes.js";
import { funnelTrendsRoutes } from "./routes/funnel-trends-routes.js";
import { metricRoutes } from "./routes/metric-routes.js";
import { eventsRoutes } from "./routes/events-routes.js";
import { linksRoutes } from "./routes/links-routes.js";
import { broadcastsRoutes } from "./routes/broadcasts-routes.js";
import { surveysRoutes } from "./routes/surveys-routes.js";
import { pathsRoutes } from "./routes/paths-routes.js";
import { supportRoutes } from "./routes/support-routes.js";
import { retentionRoutes } from "./routes/retention-routes.js";
import { webhooksRoutes } from "./routes/webhooks-routes.js";
import { digestsRoutes } from "./routes/digests-routes.js";
import { editorRoutes } from "./routes/people-routes.js";
import { exportRoutes } from "./routes/export-routes.js";
import { savedFunnelsRoutes } from "./routes/saved-funnels-routes.js";
import { alertsRoutes } from "./routes/alerts-routes.js";
import { openApiDocument } from "./openapi/document.js";
import { undecodablePathParameter } from "./http/path-parameters.js";

export interface ApiDeps {
  storage: Storage;
  keys: KeyStore;
  metrics: Metrics;
  logger: Logger;
  webhooks?: WebhookManageConfig;
  /** TELEGRAM_API_URL and TELEGRAM_TIMEOUT_MS for digests (and alerts). */
  telegram?: TelegramClientConfig;
}

/** Every /api/v1 endpoint: the router registers exactly these and openapi.json documents exactly these. */
export const API_ROUTES: readonly ApiRoute[] = [
  ...overviewRoutes,
  ...funnelRoutes,
  ...funnelTrendsRoutes,
  ...metricRoutes,
  ...eventsRoutes,
  ...linksRoutes,
  ...broadcastsRoutes,
  ...supportRoutes,
  ...surveysRoutes,
  ...pathsRoutes,
  ...retentionRoutes,
  ...webhooksRoutes,
  ...digestsRoutes,
  ...editorRoutes,
  ...exportRoutes,
  ...savedFunnelsRoutes,
  ...alertsRoutes,
];

/** /api/v1: every GET takes a read (or manage) key, every editor action a manage key; the project comes from the key, never the request. */
export function createApiRouter(deps: ApiDeps): Router {
  const router = Router();
  const v1 = Router();
  for (const route of API_ROUTES) {
    v1[route.method](
      expressPath(route.path),
      // Before the body parsers: a read key's editor request is refused without reading its body.
      requireKind(requiredKeyKind(route)),
      ...(route.middleware ?? []),
      metricHandler(route.metric, deps, (req, res, projectId) => answerRoute(route, { deps, req, res, projectId })),
    );
  }
  v1.use((_req, res) => sendError(res, 404, "not_found", "no such endpoint"));
  v1.use(undecodablePathParameter(API_ROUTES.map((route) => route.path)));
  // The contract is public: clients generate code from it before they have a key.
  const openApi = openApiDocument(API_ROUTES);
  router.get("/api/v1/openapi.json", (_req, res) => res.json(openApi));
  router.use("/api/v1", requireKey(deps.keys, "read"), v1);
  return router;
}
