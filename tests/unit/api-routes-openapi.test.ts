import { describe, expect, it } from "vitest";
import type { Router } from "express";
import { AccessStore, KeyStore, createLogger, createMetrics, type Storage } from "@chatfunnel/core";
import { createApiRouter } from "../../api/src/app.js";
import { createAuthRouter } from "../../server/src/auth-routes.js";
import { createAdminRouter } from "../../server/src/admin-routes.js";

interface RouterLayer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
}

/** What Express will actually answer: every route in the router tree, as "METHOD /path" with `{id}` params. */
function registered(stack: RouterLayer[], prefix = ""): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = `${prefix}${layer.route.path}`.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${path}`);
    }
    if (layer.handle.stack) return registered(layer.handle.stack, `${prefix}${typeof layer.rawPath === "string" && layer.rawPath !== "/" ? layer.rawPath : ""}`);
    return [];
  });
}

describe("the API router and openapi.json", () => {
  // Building the router touches neither storage nor keys: only handlers do.
  const router = createApiRouter({ storage: {} as Storage, keys: new KeyStore({} as Storage, 0), metrics: createMetrics(), logger: createLogger("silent", "test") });

  function documented(): string[] {
    const layer = (router as unknown as { stack: RouterLayer[] }).stack.find((l) => l.route?.path === "/api/v1/openapi.json");
    let body: { paths: Record<string, Record<string, unknown>> } | undefined;
    const res = { json: (value: typeof body) => (body = value) };
    (layer as unknown as { route: { stack: Array<{ handle: (req: unknown, res: unknown) => void }> } }).route.stack[0]!.handle({}, res);
    return Object.entries(body!.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
  }

  it("serves exactly the operations openapi.json documents, and documents every one it serves", () => {
    const served = registered((router as unknown as Router & { stack: RouterLayer[] }).stack)
      // The document itself is public and not an operation of the API it describes.
      .filter((operation) => operation !== "GET /api/v1/openapi.json");
    // /auth/v1 and /admin/v1/users are served by the server's routers: the test below holds them to the document.
    const docs = documented().filter((operation) => !/^[A-Z]+ \/(auth|admin)\/v1\//.test(operation));
    expect(served.length).toBeGreaterThan(10);
    expect(new Set(served).size).toBe(served.length);
    expect([...served].sort()).toEqual([...docs].sort());
    expect(served).toEqual(expect.arrayContaining(["GET /api/v1/overview", "POST /api/v1/spend", "DELETE /api/v1/links/{id}", "GET /api/v1/funnel/dropoff"]));
    expect(docs).toEqual(expect.arrayContaining(["POST /api/v1/digests", "GET /api/v1/digests", "DELETE /api/v1/digests/{id}", "POST /api/v1/digests/{id}/send"]));
  });

  it("documents every operation of /auth/v1 and /admin/v1/users exactly as the server's routers serve them", () => {
    const auth = createAuthRouter({ storage: {} as Storage, access: new AccessStore({} as Storage), logger: createLogger("silent", "test"), trustProxy: false });
    const admin = createAdminRouter({ storage: {} as Storage, adminToken: "x".repeat(16), logger: createLogger("silent", "test") });
    const served = [auth, admin]
      .flatMap((r) => registered((r as unknown as { stack: RouterLayer[] }).stack))
      .filter((operation) => /^[A-Z]+ \/(auth\/v1|admin\/v1\/users)/.test(operation));
    const docs = documented().filter((operation) => /^[A-Z]+ \/(auth|admin)\/v1\//.test(operation));
    expect(served.length).toBeGreaterThan(8);
    expect([...served].sort()).toEqual([...docs].sort());
  });
});
