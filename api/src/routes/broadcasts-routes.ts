import { sendError } from "@chatfunnel/core";
import {
  BroadcastDetailResponseSchema,
  BroadcastIdParamSchema,
  BroadcastsQuerySchema,
  BroadcastsResponseSchema,
  broadcastNotFoundMessage,
  toFieldErrors,
} from "@chatfunnel/schemas";
import { InvalidParameterError } from "../http/params.js";
import { broadcastDetail, broadcastsReport } from "../metrics/broadcasts.js";
import { metricRoute, type ApiRoute } from "./api-route.js";

/** broadcasts and broadcasts/{id}: one definition (BROADCASTS_SEMANTICS, in the schemas' descriptions). */
export const broadcastsRoutes: ApiRoute[] = [
  metricRoute({
    path: "/api/v1/broadcasts",
    metric: "broadcasts",
    query: BroadcastsQuerySchema,
    doc: {
      summary: "Per broadcast starting in the range: unique users sent, delivered, read (null where the channels never report reads), clicked, failed with top reasons, opt-outs within 48 h and leads, orders and revenue within `window` of delivery",
      response: BroadcastsResponseSchema,
    },
    handle: ({ deps, query, filters }) => broadcastsReport(deps.storage, filters, query.window),
  }),
  metricRoute({
    path: "/api/v1/broadcasts/{id}",
    metric: "broadcast_detail",
    query: BroadcastsQuerySchema,
    doc: {
      summary: "One broadcast: the list's row for the same query plus delivered, read and clicked users per local hour; 404 naming an id the list would not show",
      response: BroadcastDetailResponseSchema,
    },
    handle: async ({ deps, req, res, query, filters }) => {
      const id = BroadcastIdParamSchema.safeParse(req.params.id);
      if (!id.success) {
        const details = toFieldErrors(id.error).map((d) => ({ ...d, path: "id" }));
        throw new InvalidParameterError(`invalid parameter 'id': ${details.map((d) => d.message).join("; ")}`, details);
      }
      const answer = await broadcastDetail(deps.storage, filters, query.window, id.data);
      if (answer) return answer;
      sendError(res, 404, "not_found", broadcastNotFoundMessage(id.data));
      return undefined;
    },
  }),
];
