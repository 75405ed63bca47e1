import {
  MAX_RETENTION_COHORTS,
  MAX_RETENTION_GROUPS,
  MAX_RETENTION_USERS_LIMIT,
  RETURN_ANY,
  RetentionQuerySchema,
  RetentionResponseSchema,
  RetentionUsersQuerySchema,
  RetentionUsersResponseSchema,
  type RetentionQuery,
} from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { InvalidParameterError } from "../http/params.js";
import { bucketLabels } from "../metrics/buckets.js";
import { retention, retentionUsers, type RetentionDefinition } from "../metrics/retention.js";
import { retentionUsersCsv } from "../metrics/retention/csv.js";
import { metricRoute, type ApiRoute } from "./api-route.js";

const invalid = (path: string, message: string) => new InvalidParameterError(`invalid parameter '${path}': ${message}`, [{ path, message }]);

/** The definition of a parsed query; a range holding more cohorts than the cap is a 400 naming `to`. */
function definitionOf(query: RetentionQuery, filters: ResolvedFilters): { definition: RetentionDefinition; cohortStarts: string[] } {
  const cohortStarts = bucketLabels(filters.fromMs, filters.toMs, filters.tz, query.interval);
  if (cohortStarts.length > MAX_RETENTION_COHORTS) {
    throw invalid("to", `the range holds ${cohortStarts.length} ${query.interval} cohorts, at most ${MAX_RETENTION_COHORTS}: shorten it or choose a longer interval`);
  }
  const definition: RetentionDefinition = {
    interval: query.interval,
    periods: query.periods,
    cohort: query.cohort,
    returnType: query.return === RETURN_ANY ? undefined : query.return,
    breakdown: query.breakdown,
  };
  return { definition, cohortStarts };
}

const PARAMS_HELP =
  "`interval` day, week (from Monday) or month in tz (default week); `periods` 1–24 (default 8); `cohort` first_seen (default), first_lead or first_order; " +
  "`return` any (default) or an event type; `breakdown` channel, campaign or source (first touch). " +
  `A range may hold at most ${MAX_RETENTION_COHORTS} cohorts (interval buckets).`;

/** retention and retention/users. */
export const retentionRoutes: ApiRoute[] = [
  metricRoute({
    path: "/api/v1/retention",
    metric: "retention",
    query: RetentionQuerySchema,
    doc: {
      summary: "Retention cohorts by first event, lead or order: users retained per period, cumulative revenue per user (LTV), CAC and payback, optionally by channel, campaign or source",
      description: `${PARAMS_HELP} Groups beyond ${MAX_RETENTION_GROUPS} (largest first) are left out and the answer says so. The definitions are the response's description.`,
      response: RetentionResponseSchema,
    },
    handle: ({ deps, query, filters }) => retention(deps.storage, filters, definitionOf(query, filters).definition),
  }),
  metricRoute({
    path: "/api/v1/retention/users",
    metric: "retention_users",
    query: RetentionUsersQuerySchema,
    doc: {
      summary: "The users retained in one cohort cell, as JSON or CSV",
      description:
        `Takes every parameter of /api/v1/retention plus \`cohortStart\` (a cohort's start as the answer gives it), \`period\` (0..periods − 1) and, with a breakdown, ` +
        "`group` (the value; empty for users without one; omitted for every group of that start). One page of at most `limit` users " +
        `(default 1000, at most ${MAX_RETENTION_USERS_LIMIT}) from \`offset\`, ordered by channel then userId; \`total\` counts them all. ` +
        "`format=csv` or `Accept: text/csv` answers CSV (header channel,userId,cohortAt,returnedAt; RFC 4180 quoting; the total in X-Total-Count).",
      response: RetentionUsersResponseSchema,
      responseMediaTypes: ["text/csv"],
    },
    handle: async ({ deps, req, res, query, filters }) => {
      const { definition, cohortStarts } = definitionOf(query, filters);
      if (query.period >= query.periods) throw invalid("period", `must be between 0 and periods − 1 (${query.periods - 1})`);
      if (!cohortStarts.includes(query.cohortStart)) throw invalid("cohortStart", `must be the start of a ${query.interval} cohort in the range (${cohortStarts[0]} … ${cohortStarts[cohortStarts.length - 1]})`);
      if (query.group !== undefined && query.breakdown === undefined) throw invalid("group", "needs a breakdown");
      const group = query.group === undefined ? undefined : query.group === "" ? null : query.group;
      // format wins over Accept; without either the answer is JSON.
      const csv = query.format === "csv" || (query.format === undefined && req.accepts(["application/json", "text/csv"]) === "text/csv");
      const answer = await retentionUsers(deps.storage, filters, definition, { cohortStart: query.cohortStart, period: query.period, group, limit: query.limit, offset: query.offset });
      if (!csv) return answer;
      res.setHeader("X-Total-Count", String(answer.total));
      res.type("text/csv; charset=utf-8").send(retentionUsersCsv(answer.users));
      return undefined;
    },
  }),
];
