import type { ErrorRequestHandler, Response } from "express";
import type { ErrorCode } from "@chatfunnel/schemas";
import type { Logger } from "../observability/logger.js";

/** The one error body of every endpoint: {"error": {"code", "message", "details"?}}. */
export function sendError(res: Response, status: number, code: ErrorCode, message: string, details?: unknown): void {
  res.status(status).json({ error: details === undefined ? { code, message } : { code, message, details } });
}

/** A request body we could not read, raised by our own body readers the way body-parser raises its own. */
export class RequestBodyError extends Error {
  override name = "RequestBodyError";
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** What body-parser (and the zlib streams it pipes through) attach to the errors it passes on. */
interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Last error handler. Every failure to read a body is the client's and a 4xx naming what was
 * wrong (a truncated gzip stream, an unknown Content-Encoding, bytes that are not JSON); anything
 * else is ours, logged and answered 500 without leaking internals.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const failure = (typeof error === "object" && error !== null ? error : {}) as BodyParserError;
    const message = failure.message ?? "unreadable request body";
    switch (failure.type) {
      case "entity.too.large":
        return sendError(res, 413, "payload_too_large", "request body is larger than 1 MiB; send fewer events per batch");
      case "entity.parse.failed":
        return sendError(res, 400, "bad_request", `body is not valid JSON: ${message}`);
      case "encoding.unsupported":
        return sendError(res, 415, "bad_request", `${message}; send the body as is (identity) or with gzip, deflate or br`);
      case "charset.unsupported":
        return sendError(res, 415, "bad_request", message);
      case "request.aborted":
      case "request.size.invalid":
      case "entity.verify.failed":
      case "stream.encoding.set":
        return sendError(res, 400, "bad_request", message);
    }
    // zlib's own errors (Z_BUF_ERROR "unexpected end of file", Z_DATA_ERROR "incorrect header
    // check", brotli's) reach us without a type, wrapped as a 400 by body-parser.
    if (typeof failure.code === "string" && /^Z_|BROTLI|ZSTD/i.test(failure.code)) {
      const encoding = req.headers["content-encoding"] ?? "compressed";
      return sendError(res, 400, "bad_request", `body could not be decompressed (Content-Encoding: ${encoding}): ${message}`);
    }
    const status = failure.status ?? failure.statusCode;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return sendError(res, status, status === 413 ? "payload_too_large" : "bad_request", message);
    }
    logger.error("unhandled error", { error });
    return sendError(res, 500, "internal", "internal error");
  };
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}
