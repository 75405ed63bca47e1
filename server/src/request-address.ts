import type { Request } from "express";

/**
 * The client's address for login rate limits. Behind exactly one reverse proxy (TRUST_PROXY) it is the last
 * X-Forwarded-For entry, the one the proxy itself appended; entries before it are the client's to forge.
 * Otherwise the connection's peer: a forged header then changes nothing.
 */
export function clientAddress(req: Request, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = String(req.headers["x-forwarded-for"] ?? "")
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean);
    const last = forwarded.at(-1);
    if (last) return last;
  }
  return req.socket.remoteAddress ?? "unknown";
}
