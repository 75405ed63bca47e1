import { CommonQuerySchema, OverviewResponseSchema } from "@chatfunnel/schemas";
import { overview } from "../metrics/overview.js";
import { metricRoute, type ApiRoute } from "./api-route.js";

export const overviewRoutes: ApiRoute[] = [
  metricRoute({
    path: "/api/v1/overview",
    metric: "overview",
    query: CommonQuerySchema,
    doc: { summary: "Headline figures of a period beside the previous period of equal length", response: OverviewResponseSchema },
    handle: ({ deps, filters }) => overview(deps.storage, filters),
  }),
];
