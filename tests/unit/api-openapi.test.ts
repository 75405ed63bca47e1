import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../api/src/openapi/document.js";
import { overviewRoutes } from "../../api/src/routes/overview-routes.js";
import { metricRoutes } from "../../api/src/routes/metric-routes.js";
import { funnelRoutes } from "../../api/src/routes/funnel-routes.js";

type Json = Record<string, any>;

describe("openapi.json", () => {
  const doc = openApiDocument([...overviewRoutes, ...funnelRoutes, ...metricRoutes]) as Json;

  it("is OpenAPI 3.1 with every documented endpoint", () => {
    expect(doc.openapi).toBe("3.1.0");
    for (const path of ["/api/v1/overview", "/api/v1/timeseries", "/api/v1/channels", "/api/v1/costs", "/api/v1/repeat", "/api/v1/engagement"]) {
      expect(doc.paths[path]?.get, path).toBeDefined();
      expect(doc.paths[path].get.responses["200"].content["application/json"].schema.type).toBe("object");
    }
    expect(doc.paths["/api/v1/spend"].post.requestBody.content).toHaveProperty("text/csv");
  });

  it("documents query parameters from the zod schemas: required ones, enums, repeatable channel", () => {
    const params = doc.paths["/api/v1/timeseries"].get.parameters as Json[];
    const byName = Object.fromEntries(params.map((param) => [param.name, param]));
    expect(byName.from.required).toBe(true);
    expect(byName.tz.required).toBe(false);
    expect(byName.metric.required).toBe(true);
    expect(byName.metric.schema.enum).toContain("resolution_rate");
    expect(byName.interval.required).toBe(false);
    expect(byName.channel.schema.type).toBe("array");
    expect(byName.channel.explode).toBe(true);
  });

  it("has one unique operationId per operation", () => {
    const ids = Object.values(doc.paths as Json).flatMap((item: Json) => Object.values(item).map((op: Json) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
