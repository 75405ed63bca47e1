import type { ErrorRequestHandler, Request, RequestHandler, Response } from "express";
import { z } from "zod";
import type { CommonQuery, CommonQuerySchema } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { CSV_CONTENT_TYPE, reportCsv } from "../http/csv.js";
import { InvalidParameterError, parseQuery, resolveFilters } from "../http/params.js";
import { boundToUtcMs } from "../http/time-range.js";
import { projectTimeZone } from "../metrics/project-settings.js";
import type { RouteDeps } from "./route-deps.js";

/** What openapi.json tells of a route beyond its method, path, query and body. */
export interface RouteDoc {
  summary: string;
  description?: string;
  /** The success status when not 200: 201 for a created resource, 204 for no content. */
  status?: 201 | 204;
  response: z.ZodType;
  /** The media type of `response` when not application/json (application/x-ndjson for the event export). */
  mediaType?: string;
  /** Other response media types besides JSON, e.g. text/csv for funnel/dropoff. */
  responseMediaTypes?: string[];
  /** Other request media types accepted besides JSON, e.g. text/csv for spend import. */
  bodyMediaTypes?: string[];
}

/** One request as a handler sees it: the project comes from the read key, never the request. */
export interface RouteRequest {
  deps: RouteDeps;
  req: Request;
  res: Response;
  projectId: string;
}

/**
 * One endpoint, declared once: createApiRouter registers it and openApiDocument documents it, so
 * a route cannot be served undocumented or documented with a schema it does not parse with.
 */
export interface ApiRoute {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** The full path as OpenAPI writes it, `{id}` for a path parameter. */
  path: string;
  /** Names the endpoint in the query-duration metric and in error messages. */
  metric: string;
  /** The query parameters; metricRoute and recentRoute parse with exactly this schema. */
  query?: z.ZodType;
  /** The request body as documented; the handler parses it (its errors name lines and fields). */
  body?: z.ZodType;
  /** Runs before the handler: body parsers with their own limits and error answers. */
  middleware?: Array<RequestHandler | ErrorRequestHandler>;
  doc: RouteDoc;
  /** The answer, sent as JSON; undefined when the handler answered itself (CSV, 201, 204, an error). */
  handle(request: RouteRequest): Promise<unknown>;
}

/** A request whose query is parsed and whose range and filters are resolved. */
export interface QueryRequest<Q> extends RouteRequest {
  query: Q;
  filters: ResolvedFilters;
}

type QueryRouteDeclaration<S extends z.ZodType> = Omit<ApiRoute, "method" | "query" | "handle"> & {
  query: S;
  handle(request: QueryRequest<z.infer<S>>): Promise<unknown>;
};

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

type OptionalRange = Omit<CommonQuery, "from" | "to"> & { from?: string | undefined; to?: string | undefined };

/**
 * Parses a query whose range may be left out: without `to` it ends now, without `from` it starts
 * `defaultRangeMs` before its end. The result then resolves like every metric's common filters.
 */
export async function parseOptionalRangeQuery<S extends z.ZodType<OptionalRange>>(
  deps: RouteDeps,
  req: Request,
  projectId: string,
  schema: S,
  defaultRangeMs: number,
): Promise<{ query: z.infer<S>; filters: ResolvedFilters }> {
  const query = parseQuery(schema, req.query);
  const tz = query.tz ?? (await projectTimeZone(deps.storage, projectId));
  const to = query.to ?? new Date().toISOString();
  const from = query.from ?? new Date(boundToUtcMs(to, tz) - defaultRangeMs).toISOString();
  return { query, filters: resolveFilters(projectId, { ...query, from, to }, tz) };
}

/** A GET metric over a required range [from, to) with the common filters. */
export function metricRoute<S extends typeof CommonQuerySchema>(declaration: QueryRouteDeclaration<S>): ApiRoute {
  return {
    ...declaration,
    method: "get",
    handle: async (request) => declaration.handle({ ...request, ...(await parseMetricQuery(request.deps, request.req, request.projectId, declaration.query)) }),
  };
}

/** A GET whose range may be left out: it then covers the last `defaultRangeMs`. */
export function recentRoute<S extends z.ZodType<OptionalRange>>(declaration: QueryRouteDeclaration<S> & { defaultRangeMs: number }): ApiRoute {
  const { defaultRangeMs, ...rest } = declaration;
  return {
    ...rest,
    method: "get",
    handle: async (request) => declaration.handle({ ...request, ...(await parseOptionalRangeQuery(request.deps, request.req, request.projectId, declaration.query, defaultRangeMs)) }),
  };
}

/** The Express form of a declared path: below /api/v1, `{id}` as `:id`. */
export function expressPath(path: string): string {
  return path.replace(/^\/api\/v1/, "").replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
}

/** The answer formats every GET report takes as `format`; JSON unless asked. */
export const REPORT_FORMATS = ["json", "csv"] as const;
export const ReportFormatSchema = z
  .enum(REPORT_FORMATS)
  .optional()
  .meta({ description: "`csv` answers the report as one CSV table (text/csv, a header row, RFC 4180; see README); default JSON" });

/**
 * Whether the generic `format` applies: every GET whose query does not declare `format` itself.
 * Routes that do (funnel/dropoff, paths/users, export/events) answer their own formats.
 */
export function takesReportFormat(route: Pick<ApiRoute, "method" | "query">): boolean {
  if (route.method !== "get") return false;
  return !(route.query instanceof z.ZodObject && "format" in (route.query.shape as Record<string, unknown>));
}

/**
 * Runs one route for a request: the one place `format=csv` is served, so every GET report, including
 * routes added later, answers CSV flattened from its JSON answer (api/src/http/csv.ts).
 * `format` is read before the handler, so a bad one is a 400 naming it even when other parameters are bad too.
 */
export async function answerRoute(route: ApiRoute, request: RouteRequest): Promise<unknown> {
  if (!takesReportFormat(route)) return route.handle(request);
  const parsed = ReportFormatSchema.safeParse(request.req.query.format);
  if (!parsed.success) {
    const message = `must be one of ${REPORT_FORMATS.join(", ")}`;
    throw new InvalidParameterError(`invalid parameter 'format': ${message}`, [{ path: "format", message }]);
  }
  const answer = await route.handle(request);
  if (parsed.data !== "csv" || answer === undefined || request.res.headersSent) return answer;
  request.res
    .status(200)
    .type(CSV_CONTENT_TYPE)
    .setHeader("Content-Disposition", `attachment; filename=${route.metric}.csv`)
    .send(reportCsv(answer));
  return undefined;
}

/**
 * The key kind a route needs: every GET reads (read or manage key), every other method of /api/v1 is an editor
 * action (spend import, links, and whatever joins them) and needs a manage key. One rule, so a new route is
 * guarded without a word of its own.
 */
export function requiredKeyKind(route: Pick<ApiRoute, "method">): "read" | "manage" {
  return route.method === "get" ? "read" : "manage";
}
