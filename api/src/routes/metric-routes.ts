import express, { type ErrorRequestHandler } from "express";
import { sendError } from "@chatfunnel/core";
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
import { channels } from "../metrics/channels.js";
import { costs } from "../metrics/costs.js";
import { engagement } from "../metrics/engagement.js";
import { repeat } from "../metrics/repeat.js";
import { importSpend } from "../metrics/spend-import.js";
import { parseSpendCsv, parseSpendJson } from "../metrics/spend-lines.js";
import { timeseries } from "../metrics/timeseries.js";
import { metricRoute, type ApiRoute } from "./api-route.js";

const CSV_TYPES = ["text/csv", "application/csv", "text/plain"];
const bodyLimit = `${MAX_SPEND_IMPORT_BYTES}b`;

/** The spend route's own body errors: its limit (5 MiB) differs from the collector's. */
const spendBodyErrors: ErrorRequestHandler = (error: { type?: string; message?: string }, _req, res, next) => {
  if (error.type === "entity.too.large") return sendError(res, 413, "payload_too_large", `spend imports are at most ${MAX_SPEND_IMPORT_BYTES} bytes and ${MAX_SPEND_IMPORT_ROWS} rows; split the file`);
  if (error.type === "entity.parse.failed") return sendError(res, 400, "bad_request", `body is not valid JSON: ${error.message ?? "parse error"}`);
  next(error);
};

/** timeseries, channels, costs, repeat, engagement and spend import. */
export const metricRoutes: ApiRoute[] = [
  metricRoute({
    path: "/api/v1/timeseries",
    metric: "timeseries",
    query: TimeseriesQuerySchema,
    doc: {
      summary: "One metric per day, week (from Monday) or month, in the time zone `tz`, zero-filled",
      description:
        "Buckets run from local midnight to local midnight, so DST days last 23 or 25 hours; the first and last buckets are clipped to [from, to). Money metrics report one currency (largest revenue + spend in range unless `currency` is given).",
      response: TimeseriesResponseSchema,
    },
    handle: ({ deps, query, filters }) => timeseries(deps.storage, filters, query.metric, query.interval),
  }),
  metricRoute({
    path: "/api/v1/channels",
    metric: "channels",
    query: CommonQuerySchema,
    doc: { summary: "Per channel: users, new users, sessions, leads, orders, revenue, spend, CPL, CPO, conversion to lead", response: ChannelsResponseSchema },
    handle: ({ deps, filters }) => channels(deps.storage, filters),
  }),
  metricRoute({
    path: "/api/v1/costs",
    metric: "costs",
    query: CostsQuerySchema,
    doc: { summary: "Spend, leads, orders, revenue, CPL, CPO and ROAS by channel or by campaign (first-touch attribution)", response: CostsResponseSchema },
    handle: ({ deps, query, filters }) => costs(deps.storage, filters, query.by),
  }),
  metricRoute({
    path: "/api/v1/repeat",
    metric: "repeat",
    query: CommonQuerySchema,
    doc: { summary: "Sessions per user as a histogram (1, 2, 3, 4, 5+), share of returning users, mean sessions per user", response: RepeatResponseSchema },
    handle: ({ deps, filters }) => repeat(deps.storage, filters),
  }),
  metricRoute({
    path: "/api/v1/engagement",
    metric: "engagement",
    query: CommonQuerySchema,
    doc: { summary: "New users, sessions, median first response time and bot resolution rate", response: EngagementResponseSchema },
    handle: ({ deps, filters }) => engagement(deps.storage, filters),
  }),
  {
    method: "post",
    path: "/api/v1/spend",
    metric: "spend_import",
    body: SpendImportBodySchema,
    middleware: [express.json({ limit: bodyLimit }), express.text({ type: CSV_TYPES, limit: bodyLimit }), spendBodyErrors],
    doc: {
      summary: "Import spend rows as JSON or CSV; all or nothing",
      description:
        "Every line is validated first; any bad line answers 400 with details [{line, field, message}] and nothing is imported. A row for a (date, channel, campaign) already stored replaces it. At most 100 000 rows and 5 MiB (413).",
      bodyMediaTypes: ["text/csv"],
      response: SpendImportResponseSchema,
    },
    handle: async ({ deps, req, res, projectId }) => {
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
    },
  },
];
