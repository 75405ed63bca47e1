import {
  MAX_DROPOFF_LIMIT,
  MAX_PATHS_DEPTH,
  MIN_PATHS_DEPTH,
  PathNodeUsersQuerySchema,
  PathNodeUsersResponseSchema,
  PathsQuerySchema,
  PathsResponseSchema,
} from "@chatfunnel/schemas";
import { InvalidParameterError } from "../http/params.js";
import { pathNodeUsers, paths } from "../metrics/paths.js";
import { pathNodeUsersCsv } from "../metrics/paths/csv.js";
import { metricRoute, type ApiRoute } from "./api-route.js";

/** paths and paths/users (the users behind one Sankey node). */
export const pathsRoutes: ApiRoute[] = [
  metricRoute({
    path: "/api/v1/paths",
    metric: "paths",
    query: PathsQuerySchema,
    doc: {
      summary: `Conversation paths as a Sankey from \`start\` (default bot_started), ${MIN_PATHS_DEPTH}–${MAX_PATHS_DEPTH} steps: nodes, links and where users end`,
      response: PathsResponseSchema,
    },
    handle: ({ deps, query, filters }) => paths(deps.storage, filters, { start: query.start, depth: query.depth }),
  }),
  metricRoute({
    path: "/api/v1/paths/users",
    metric: "paths_users",
    query: PathNodeUsersQuerySchema,
    doc: {
      summary: "The users behind one node of /api/v1/paths (`step`, `kind`, `label`), as JSON or CSV",
      description:
        "Takes every parameter of /api/v1/paths plus the node's `step` (1..depth), `kind` and `label`. One page of at most `limit` users " +
        `(default 1000, at most ${MAX_DROPOFF_LIMIT}) from \`offset\`, ordered by channel then userId; \`total\` counts them all; \`ended\` tells ` +
        "whether the user's path ends at the node. `format=csv` or `Accept: text/csv` answers CSV (header channel,userId,ended; RFC 4180 quoting; " +
        "the total in X-Total-Count).",
      response: PathNodeUsersResponseSchema,
      responseMediaTypes: ["text/csv"],
    },
    handle: async ({ deps, req, res, query, filters }) => {
      if (query.step > query.depth) {
        const message = `must be between 1 and depth (${query.depth})`;
        throw new InvalidParameterError(`invalid parameter 'step': ${message}`, [{ path: "step", message }]);
      }
      // format wins over Accept; without either the answer is JSON.
      const csv = query.format === "csv" || (query.format === undefined && req.accepts(["application/json", "text/csv"]) === "text/csv");
      const answer = await pathNodeUsers(
        deps.storage,
        filters,
        { start: query.start, depth: query.depth },
        { step: query.step, kind: query.kind, label: query.label },
        { limit: query.limit, offset: query.offset },
      );
      if (!csv) return answer;
      res.setHeader("X-Total-Count", String(answer.total));
      res.type("text/csv; charset=utf-8").send(pathNodeUsersCsv(answer.users));
      return undefined;
    },
  }),
];
