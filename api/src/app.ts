import { Router } from "express";
import type { KeyStore, Logger, Metrics, Storage } from "@chatfunnel/core";
import type { WebhookManageConfig } from "@chatfunnel/ingest";
import type { TelegramClientConfig } from "./notify/telegram-bot-api.js";
import { AccessStore, requireAccess, requireKind, sendError } from "@chatfunnel/core";
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
import { sharesRoutes } from "./routes/shares-routes.js";
import { shareGuard } from "./http/share-guard.js";
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
  /** Sessions and share links (core/src/auth/access-store.ts); one on `storage` when left out. */
  access?: AccessStore;
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
  ...sharesRoutes,
];

/**
 * /api/v1: every GET takes a read (or manage) key, every editor action a manage key; the project comes from the
 * key, never the request. A session's role counts as the key kind it matches (viewer: read; editor, owner: manage).
 */
export function createApiRouter(deps: ApiDeps): Router {
  const router = Router();
  const v1 = Router();
  for (const route of API_ROUTES) {
    v1[route.method](
      expressPath(route.path),
      // Before the body parsers: a read key's editor request is refused without reading its body.
      requireKind(requiredKeyKind(route)),
      // A share link reaches only the reports that take its filters, with them in force.
      shareGuard(route),
      ...(route.middleware ?? []),
      metricHandler(route.metric, deps, (req, res, projectId) => answerRoute(route, { deps, req, res, projectId })),
    );
  }
  v1.use((_req, res) => sendError(res, 404, "not_found", "no such endpoint"));
  v1.use(undecodablePathParameter(API_ROUTES.map((route) => route.path)));
  // The contract is public: clients generate code from it before they have a key.
  const openApi = openApiDocument(API_ROUTES);
  router.get("/api/v1/openapi.json", (_req, res) => res.json(openApi));
  // A key, a session cookie (with X-Chatfunnel-Project) or a share link's token; the project comes from it.
  router.use("/api/v1", requireAccess(deps.keys, deps.access ?? new AccessStore(deps.storage), "read"), v1);
  return router;
}
