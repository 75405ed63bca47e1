import type { Request } from "express";
import type { z } from "zod";
import { CommonQuerySchema, isValidTimeZone, toFieldErrors, type CommonQuery, type FieldError } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { boundToUtcMs } from "./time-range.js";
import { loadedTimeZones, type TimeZones } from "./time-zones.js";

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

const UNKNOWN_ZONE = "must be an IANA time zone the engine knows, such as Europe/Moscow or UTC (see system.time_zones)";

/**
 * The zone of one request: `tz` when given (a 400 naming `tz` when the engine cannot load it), else the
 * project's setting, else UTC; in the engine's spelling. A stored setting the engine does not know falls
 * back to UTC rather than failing every query of the project. Before the engine's list is read (code
 * outside an API handler) only the runtime's Intl check applies.
 */
export function resolveTimeZone(asked: string | undefined, projectDefault: string, zones: TimeZones | undefined = loadedTimeZones()): string {
  if (!zones) return asked ?? (isValidTimeZone(projectDefault) ? projectDefault : "UTC");
  if (asked === undefined) return zones.resolve(projectDefault) ?? "UTC";
  const known = zones.resolve(asked);
  if (known === undefined) throw new InvalidParameterError(`invalid parameter 'tz': ${UNKNOWN_ZONE}`, [{ path: "tz", message: UNKNOWN_ZONE }]);
  return known;
}

export function resolveFilters(projectId: string, query: CommonQuery, defaultTz: string): ResolvedFilters {
  const tz = resolveTimeZone(query.tz, defaultTz);
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
