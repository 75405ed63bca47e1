import { SupportQuerySchema, SupportResponseSchema } from "@chatfunnel/schemas";
import { support } from "../metrics/support.js";
import { metricRoute, type ApiRoute } from "./api-route.js";

export const supportRoutes: ApiRoute[] = [
  metricRoute({
    path: "/api/v1/support",
    metric: "support",
    query: SupportQuerySchema,
    doc: {
      summary: "Support by the bot and by people: contained, resolved, handoff and reopened rates, first responses of the bot and of operators, CSAT, the use-case mix per interval",
      response: SupportResponseSchema,
    },
    handle: ({ deps, query, filters }) => support(deps.storage, filters, query.interval),
  }),
];
