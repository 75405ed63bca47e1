import { Router } from "express";
import { CommonQuerySchema, OverviewResponseSchema } from "@chatfunnel/schemas";
import { metricHandler } from "../http/handle.js";
import { overview } from "../metrics/overview.js";
import type { EndpointDoc } from "../openapi/endpoint-doc.js";
import { parseMetricQuery } from "./metric-routes.js";
import type { RouteDeps } from "./route-deps.js";

export function overviewRoutes(deps: RouteDeps): Router {
  const router = Router();
  router.get(
    "/overview",
    metricHandler("overview", deps, async (req, _res, projectId) => overview(deps.storage, (await parseMetricQuery(deps, req, projectId, CommonQuerySchema)).filters)),
  );
  return router;
}

export const overviewDocs: EndpointDoc[] = [
  {
    method: "get",
    path: "/api/v1/overview",
    summary: "Headline figures of a period beside the previous period of equal length",
    query: CommonQuerySchema,
    response: OverviewResponseSchema,
  },
];
