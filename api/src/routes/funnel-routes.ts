import { Router } from "express";
import type { EndpointDoc } from "../openapi/endpoint-doc.js";
import type { RouteDeps } from "./route-deps.js";

/** funnel and funnel/dropoff. */
export function funnelRoutes(_deps: RouteDeps): Router {
  return Router();
}

export const funnelDocs: EndpointDoc[] = [];
