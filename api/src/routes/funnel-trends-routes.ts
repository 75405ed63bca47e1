import { FunnelTrendsQuerySchema, FunnelTrendsResponseSchema } from "@chatfunnel/schemas";
import { InvalidParameterError } from "../http/params.js";
import { funnelDefinition } from "../metrics/funnel/definition.js";
import { funnelTrends } from "../metrics/funnel/trends.js";
import { metricRoute, type ApiRoute } from "./api-route.js";

const NO_BREAKDOWN = "is not taken by trends: a trend is over all users in scope (ask /api/v1/funnel for groups)";
const NO_BINS = "is not taken by trends: ask /api/v1/funnel for the time-to-convert histogram";

/** funnel/trends: the funnel's conversion per start day, week or month. */
export const funnelTrendsRoutes: ApiRoute[] = [
  metricRoute({
    path: "/api/v1/funnel/trends",
    metric: "funnel_trends",
    query: FunnelTrendsQuerySchema,
    doc: {
      summary: "Conversion from a funnel's first to its last step per day, week (from Monday) or month the users started it, in `tz`, zero-filled",
      description:
        "Takes every parameter of /api/v1/funnel except `breakdown` and `bins`, plus `interval` (day, week or month; default day). Each user counts once, " +
        "as in /api/v1/funnel, in the bucket of the start of their chosen attempt (the earliest reaching their furthest step): `entered` users, " +
        "`converted` of them reaching the last step (also after `to`, within the window), `conversion` = converted / entered (null for 0). " +
        "Buckets run from local midnight to local midnight (DST days last 23 or 25 hours); the first and last are clipped to [from, to).",
      response: FunnelTrendsResponseSchema,
    },
    handle: ({ deps, query, filters }) => {
      // Accepted by the funnel's schema; refused rather than silently ignored.
      if (query.breakdown !== undefined) throw new InvalidParameterError(`invalid parameter 'breakdown': ${NO_BREAKDOWN}`, [{ path: "breakdown", message: NO_BREAKDOWN }]);
      if (query.bins !== undefined) throw new InvalidParameterError(`invalid parameter 'bins': ${NO_BINS}`, [{ path: "bins", message: NO_BINS }]);
      return funnelTrends(deps.storage, filters, funnelDefinition(query), query.interval);
    },
  }),
];
