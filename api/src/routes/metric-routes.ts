import express, { Router, type ErrorRequestHandler, type Request } from "express";
import { sendError } from "@chatfunnel/ingest";
import {
  ChannelsResponseSchema,
  CommonQuerySchema,
  CostsQuerySchema,
  CostsResponseSchema,
  EngagementResponseSchema,
  MAX_SPEND_IMPORT_BYTES,
  MAX_SPEND_IMPORT_ROWS,
  RepeatResponseSchema,
  SpendImportBodySchema,
  SpendImportResponseSchema,
  TimeseriesQuerySchema,
  TimeseriesResponseSchema,
} from "@chatfunnel/schemas";
import { metricHandler } from "../http/handle.js";
import { parseQuery, resolveFilters, type ResolvedFilters } from "../http/params.js";
import type { z } from "zod";
import { channels } from "../metrics/channels.js";
import { costs } from "../metrics/costs.js";
import { engagement } from "../metrics/engagement.js";
import { projectTimeZone } from "../metrics/project-settings.js";
import { repeat } from "../metrics/repeat.js";
import { importSpend } from "../metrics/spend-import.js";
import { parseSpendCsv, parseSpendJson } from "../metrics/spend-lines.js";
import { timeseries } from "../metrics/timeseries.js";
import type { EndpointDoc } from "../openapi/endpoint-doc.js";
import type { RouteDeps } from "./route-deps.js";

/** Parses a metric's query (common filters + its own) and resolves the range in `tz` or the project's zone. */
export async function parseMetricQuery<S extends typeof CommonQuerySchema>(
  deps: RouteDeps,
  req: Request,
  projectId: string,
  schema: S,
): Promise<{ query: z.infer<S>; filters: ResolvedFilters }> {
  const query = parseQuery(schema, req.query);
  const filters = resolveFilters(projectId, query, query.tz ?? (await projectTimeZone(deps.storage, projectId)));
  return { query, filters };
}

const CSV_TYPES = ["text/csv", "application/csv", "text/plain"];
const bodyLimit = `${MAX_SPEND_IMPORT_BYTES}b`;

/** The spend route's own body errors: its limit (5 MiB) differs from the collector's. */
const spendBodyErrors: ErrorRequestHandler = (error: { type?: string; message?: string }, _req, res, next) => {
  if (error.type === "entity.too.large") return sendError(res, 413, "payload_too_large", `spend imports are at most ${MAX_SPEND_IMPORT_BYTES} bytes and ${MAX_SPEND_IMPORT_ROWS} rows; split the file`);
  if (error.type === "entity.parse.failed") return sendError(res, 400, "bad_request", `body is not valid JSON: ${error.message ?? "parse error"}`);
  next(error);
};

/** timeseries, channels, costs, repeat, engagement and spend import. */
export function metricRoutes(deps: RouteDeps): Router {
  const router = Router();
  router.get(
    "/timeseries",
    metricHandler("timeseries", deps, async (req, _res, projectId) => {
      const { query, filters } = await parseMetricQuery(deps, req, projectId, TimeseriesQuerySchema);
      return timeseries(deps.storage, filters, query.metric, query.interval);
    }),
  );
  router.get(
    "/channels",
    metricHandler("channels", deps, async (req, _res, projectId) => channels(deps.storage, (await parseMetricQuery(deps, req, projectId, CommonQuerySchema)).filters)),
  );
  router.get(
    "/costs",
    metricHandler("costs", deps, async (req, _res, projectId) => {
      const { query, filters } = await parseMetricQuery(deps, req, projectId, CostsQuerySchema);
      return costs(deps.storage, filters, query.by);
    }),
  );
  router.get(
    "/repeat",
    metricHandler("repeat", deps, async (req, _res, projectId) => repeat(deps.storage, (await parseMetricQuery(deps, req, projectId, CommonQuerySchema)).filters)),
  );
  router.get(
    "/engagement",
    metricHandler("engagement", deps, async (req, _res, projectId) => engagement(deps.storage, (await parseMetricQuery(deps, req, projectId, CommonQuerySchema)).filters)),
  );
  router.post(
    "/spend",
    express.json({ limit: bodyLimit }),
    express.text({ type: CSV_TYPES, limit: bodyLimit }),
    spendBodyErrors,
    metricHandler("spend_import", deps, async (req, res, projectId) => {
      const contentType = req.headers["content-type"] ?? "";
      const isCsv = typeof req.body === "string";
      if (!isCsv && !contentType.includes("json")) {
        return sendError(res, 415, "bad_request", "send application/json {\"rows\": [...]} or text/csv with the header date,channel,campaign,amount,currency");
      }
      const parsed = isCsv ? parseSpendCsv(req.body as string, MAX_SPEND_IMPORT_ROWS) : parseSpendJson(req.body);
      if (!parsed.ok) {
        const shown = parsed.errors.slice(0, 1000);
        const first = shown[0];
        const summary = first ? `line ${first.line}, ${first.field}: ${first.message}` : "invalid rows";
        return sendError(res, 400, "invalid_parameter", `${parsed.errors.length} problem(s) in the import, nothing was imported; first: ${summary}`, shown);
      }
      return { imported: await importSpend(deps.storage, projectId, parsed.rows) };
    }),
  );
  return router;
}

export const metricDocs: EndpointDoc[] = [
  {
    method: "get",
    path: "/api/v1/timeseries",
    summary: "One metric per day, week (from Monday) or month, in the time zone `tz`, zero-filled",
    description:
      "Buckets run from local midnight to local midnight, so DST days last 23 or 25 hours; the first and last buckets are clipped to [from, to). Money metrics report one currency (largest revenue + spend in range unless `currency` is given).",
    query: TimeseriesQuerySchema,
    response: TimeseriesResponseSchema,
  },
  {
    method: "get",
    path: "/api/v1/channels",
    summary: "Per channel: users, new users, sessions, leads, orders, revenue, spend, CPL, CPO, conversion to lead",
    query: CommonQuerySchema,
    response: ChannelsResponseSchema,
  },
  {
    method: "get",
    path: "/api/v1/costs",
    summary: "Spend, leads, orders, revenue, CPL, CPO and ROAS by channel or by campaign (first-touch attribution)",
    query: CostsQuerySchema,
    response: CostsResponseSchema,
  },
  {
    method: "get",
    path: "/api/v1/repeat",
    summary: "Sessions per user as a histogram (1, 2, 3, 4, 5+), share of returning users, mean sessions per user",
    query: CommonQuerySchema,
    response: RepeatResponseSchema,
  },
  {
    method: "get",
    path: "/api/v1/engagement",
    summary: "New users, sessions, median first response time and bot resolution rate",
    query: CommonQuerySchema,
    response: EngagementResponseSchema,
  },
  {
    method: "post",
    path: "/api/v1/spend",
    summary: "Import spend rows as JSON or CSV; all or nothing",
    description:
      "Every line is validated first; any bad line answers 400 with details [{line, field, message}] and nothing is imported. A row for a (date, channel, campaign) already stored replaces it. At most 100 000 rows and 5 MiB (413).",
    body: SpendImportBodySchema,
    bodyMediaTypes: ["text/csv"],
    response: SpendImportResponseSchema,
  },
];
