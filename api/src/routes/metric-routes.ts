import { Router } from "express";
import type { EndpointDoc } from "../openapi/endpoint-doc.js";
import type { RouteDeps } from "./route-deps.js";

/** timeseries, channels, costs, repeat, engagement, spend import and openapi.json. */
export function metricRoutes(_deps: RouteDeps): Router {
  return Router();
}

export const metricDocs: EndpointDoc[] = [];
