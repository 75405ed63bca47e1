import { isUtf8 } from "node:buffer";
import express, { type RequestHandler } from "express";
import { RequestBodyError } from "./errors.js";

/**
 * Reads a JSON body of any content type (bots often forget the header; the body decides), inflated
 * by body-parser (gzip, deflate, br) within `limit`, into req.body. Unlike express.json it never
 * turns bytes that are not UTF-8 into U+FFFD, which would be stored as garbage: such a byte
 * becomes a lone surrogate (U+DC80–U+DCFF, as Python's surrogateescape does), so the event holding
 * it is refused by validation at its field while its neighbours are kept, and a stray byte outside
 * any string is a JSON syntax error (400). Every failure is a 4xx handled by errorHandler.
 */
export function jsonBody(limit: number): RequestHandler[] {
  const raw = express.raw({ limit, type: () => true });
  const parse: RequestHandler = (req, _res, next) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers["content-type"] ?? "")?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
      return next(new RequestBodyError(415, "charset.unsupported", `unsupported charset "${charset}": send the body as UTF-8`));
    }
    // express.raw leaves req.body an empty object when there was no body at all.
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let text = isUtf8(bytes) ? bytes.toString("utf8") : decodeEscapingInvalid(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      req.body = JSON.parse(text) as unknown;
    } catch (error) {
      return next(new RequestBodyError(400, "entity.parse.failed", (error as Error).message));
    }
    next();
  };
  return [raw, parse];
}

/**
 * UTF-8 decoding where each byte that does not start a well-formed sequence becomes U+DC00 + byte.
 * Only reached for bodies isUtf8 refused, so its byte loop is off the hot path.
 */
export function decodeEscapingInvalid(bytes: Buffer): string {
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    if (i > start) parts.push(bytes.toString("utf8", start, i));
    parts.push(String.fromCharCode(0xdc00 + bytes[i]!));
    i += 1;
    start = i;
  }
  if (start < bytes.length) parts.push(bytes.toString("utf8", start));
  return parts.join("");
}

/** Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates), or 0. */
function sequenceLength(bytes: Buffer, i: number): number {
  const lead = bytes[i]!;
  if (lead < 0x80) return 1;
  const continuation = (at: number, low = 0x80, high = 0xbf) => at < bytes.length && bytes[at]! >= low && bytes[at]! <= high;
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(i + 1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const low = lead === 0xe0 ? 0xa0 : 0x80;
    const high = lead === 0xed ? 0x9f : 0xbf;
    return continuation(i + 1, low, high) && continuation(i + 2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const low = lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xf4 ? 0x8f : 0xbf;
    return continuation(i + 1, low, high) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
  }
  return 0;
}
