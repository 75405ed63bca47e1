import type { Request } from "express";
import type { z } from "zod";
import { CommonQuerySchema, toFieldErrors, type CommonQuery, type FieldError } from "@chatfunnel/schemas";
import { boundToUtcMs } from "./time-range.js";

export class InvalidParameterError extends Error {
  override name = "InvalidParameterError";
  constructor(
    message: string,
    readonly details: FieldError[],
  ) {
    super(message);
  }
}

/** Parses a query string with a schema; the 400 names every bad parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: Request["query"]): z.infer<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const details = toFieldErrors(parsed.error);
    throw new InvalidParameterError(`invalid parameter ${details.map((d) => `'${d.path.split(".")[0]}': ${d.message}`).join("; ")}`, details);
  }
  return parsed.data;
}

export const MAX_RANGE_DAYS = 3660;

/** The common filters after resolution: UTC instants and the time zone every bucket follows. */
export interface ResolvedFilters {
  projectId: string;
  fromMs: number;
  toMs: number;
  tz: string;
  channels: string[] | undefined;
  botId: string | undefined;
  campaign: string | undefined;
  currency: string | undefined;
}

export function resolveFilters(projectId: string, query: CommonQuery, defaultTz: string): ResolvedFilters {
  const tz = query.tz ?? defaultTz;
  const fromMs = boundToUtcMs(query.from, tz);
  const toMs = boundToUtcMs(query.to, tz);
  const issue = (path: string, message: string) => new InvalidParameterError(`invalid parameter '${path}': ${message}`, [{ path, message }]);
  if (!(toMs > fromMs)) throw issue("to", "must be after 'from'");
  if (toMs - fromMs > MAX_RANGE_DAYS * 86_400_000) throw issue("to", `the range must be at most ${MAX_RANGE_DAYS} days`);
  return { projectId, fromMs, toMs, tz, channels: query.channel, botId: query.botId, campaign: query.campaign, currency: query.currency };
}

export function parseCommon(req: Request, projectId: string, defaultTz = "UTC"): ResolvedFilters {
  return resolveFilters(projectId, parseQuery(CommonQuerySchema, req.query), defaultTz);
}
