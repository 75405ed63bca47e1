import type { ErrorRequestHandler, Response } from "express";
import type { ErrorCode } from "@chatfunnel/schemas";
import type { Logger } from "../observability/logger.js";

/** The one error body of every endpoint: {"error": {"code", "message", "details"?}}. */
export function sendError(res: Response, status: number, code: ErrorCode, message: string, details?: unknown): void {
  res.status(status).json({ error: details === undefined ? { code, message } : { code, message, details } });
}

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

/**
 * Last error handler. Body-parser failures are the client's (400/413); anything else is ours,
 * logged and answered 500 without leaking internals.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const parserError = error as BodyParserError;
    switch (parserError.type) {
      case "entity.too.large":
        return sendError(res, 413, "payload_too_large", "request body is larger than 1 MiB; send fewer events per batch");
      case "entity.parse.failed":
        return sendError(res, 400, "bad_request", `body is not valid JSON: ${parserError.message ?? "parse error"}`);
      case "encoding.unsupported":
      case "charset.unsupported":
      case "request.aborted":
      case "request.size.invalid":
      case "stream.encoding.set":
        return sendError(res, 400, "bad_request", parserError.message ?? "unreadable request body");
    }
    logger.error("unhandled error", { error });
    return sendError(res, 500, "internal", "internal error");
  };
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}
