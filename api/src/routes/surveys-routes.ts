import { MAX_SURVEY_ANSWERS, SurveysQuerySchema, SurveysResponseSchema } from "@chatfunnel/schemas";
import { surveys } from "../metrics/surveys.js";
import { metricRoute, type ApiRoute } from "./api-route.js";

/** surveys. */
export const surveysRoutes: ApiRoute[] = [
  metricRoute({
    path: "/api/v1/surveys",
    metric: "surveys",
    query: SurveysQuerySchema,
    doc: {
      summary: `Survey answers per question (top ${MAX_SURVEY_ANSWERS}) and the share of each answer's users with a lead / an order within \`window\` after answering`,
      response: SurveysResponseSchema,
    },
    handle: ({ deps, query, filters }) => surveys(deps.storage, filters, query.window),
  }),
];
