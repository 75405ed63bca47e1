import type { Request, RequestHandler, Response } from "express";
import { sendError, type Logger, type Metrics, type Storage } from "@chatfunnel/core";
import { InvalidParameterError } from "./params.js";
import { engineTimeZones } from "./time-zones.js";

interface ClickHouseLikeError {
  code?: string;
  type?: string;
  message?: string;
}

/**
 * Wraps one metric handler: a bad parameter is a 400 naming it, a query over its time or
 * memory cap is a 503 the caller can act on, and only our own bugs are 500s.
 */
export function metricHandler(
  metric: string,
  deps: { metrics: Metrics; logger: Logger; storage: Storage },
  handler: (req: Request, res: Response, projectId: string) => Promise<unknown>,
): RequestHandler {
  return async (req, res) => {
    const stop = deps.metrics.queryDuration.startTimer({ metric });
    try {
      // Read once per process: from then on resolveFilters checks `tz` against the engine's own list.
      await engineTimeZones(deps.storage);
      const body = await handler(req, res, res.locals.projectId as string);
      if (!res.headersSent) res.json(body);
    } catch (error) {
      if (error instanceof InvalidParameterError) return sendError(res, 400, "invalid_parameter", error.message, error.details);
      const ch = error as ClickHouseLikeError;
      if (ch.type === "TIMEOUT_EXCEEDED" || ch.code === "159") {
        return sendError(res, 503, "timeout", `the ${metric} query ran past its time limit; narrow the range or filters`);
      }
      if (ch.type === "MEMORY_LIMIT_EXCEEDED" || ch.code === "241") {
        return sendError(res, 503, "unavailable", `the ${metric} query needed more memory than allowed; narrow the range or filters`);
      }
      deps.logger.error("metric query failed", { metric, error });
      sendError(res, 500, "internal", `the ${metric} query failed`);
    } finally {
      stop();
    }
  };
}
