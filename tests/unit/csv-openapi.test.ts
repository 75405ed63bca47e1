import { describe, expect, it } from "vitest";
import { API_ROUTES } from "../../api/src/app.js";
import { openApiDocument } from "../../api/src/openapi/document.js";

type Json = Record<string, any>;

describe("openapi.json documents format=csv on every GET report", () => {
  const doc = openApiDocument(API_ROUTES) as Json;
  const gets = API_ROUTES.filter((route) => route.method === "get");

  it.each(gets.map((route) => [route.path, route.doc.mediaType ?? "application/json"] as const))("%s: a format parameter (json, csv) and a text/csv answer beside %s", (path, mediaType) => {
    const op = doc.paths[path].get as Json;
    const format = (op.parameters as Json[]).filter((param) => param.name === "format");
    expect(format).toHaveLength(1);
    expect(format[0]!.required).toBe(false);
    expect(format[0]!.schema.enum).toEqual(expect.arrayContaining(["csv"]));
    expect(op.responses["200"].content).toHaveProperty("text/csv");
    expect(op.responses["200"].content).toHaveProperty([mediaType]);
  });

  it("documents no format on the routes that write", () => {
    for (const route of API_ROUTES.filter((r) => r.method !== "get")) {
      const op = doc.paths[route.path][route.method] as Json;
      expect((op.parameters as Json[]).some((param) => param.name === "format"), `${route.method} ${route.path}`).toBe(false);
    }
  });
});
