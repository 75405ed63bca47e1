import type { ErrorRequestHandler } from "express";
import { sendError } from "@chatfunnel/core";

/** Express's own error for a path segment decodeURIComponent refuses (`%ED%BF%BF`, a lone `%`). */
const UNDECODABLE = /^Failed to decode param /;

/**
 * A path parameter that is not percent-encoded UTF-8 (a lone surrogate's bytes, a stray `%`) fails in the
 * router before any handler runs, as a 400 naming only the raw text. This answers it like every other bad
 * parameter: `invalid_parameter`, naming the parameter by its name in the route's path (`{id}`), so a client
 * learns which part of its URL to fix. Paths are the documented ones (`/api/v1/broadcasts/{id}`).
 */
export function undecodablePathParameter(paths: readonly string[]): ErrorRequestHandler {
  const templates = paths.filter((path) => path.includes("{")).map((path) => path.split("/"));
  return (error: unknown, req, res, next) => {
    const message = error instanceof Error ? error.message : "";
    if (res.headersSent || !UNDECODABLE.test(message)) return next(error);
    const segments = (req.originalUrl.split("?")[0] ?? "").split("/");
    const name = templates.flatMap((template) => (template.length === segments.length ? namesOfUndecodable(template, segments) : []))[0];
    if (name === undefined) return next(error);
    const why = "must be percent-encoded UTF-8";
    return sendError(res, 400, "invalid_parameter", `invalid parameter '${name}': ${why}`, [{ path: name, message: why }]);
  };
}

/** The names of the template's parameters whose segment does not decode, if every fixed segment matches. */
function namesOfUndecodable(template: string[], segments: string[]): string[] {
  const names: string[] = [];
  for (const [index, part] of template.entries()) {
    const parameter = /^\{([A-Za-z0-9_]+)\}$/.exec(part)?.[1];
    if (parameter === undefined) {
      if (part !== segments[index]) return [];
    } else if (!decodes(segments[index] ?? "")) names.push(parameter);
  }
  return names;
}

function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}
