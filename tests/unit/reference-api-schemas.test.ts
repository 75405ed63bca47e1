/** The issue-12 query schemas: defaults, bounds and names in errors; every schema documents itself for openapi.json. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  BROADCASTS_SEMANTICS,
  BroadcastDetailResponseSchema,
  BroadcastsQuerySchema,
  BroadcastsResponseSchema,
  PATHS_SEMANTICS,
  PathsQuerySchema,
  PathsResponseSchema,
  SUPPORT_SEMANTICS,
  SURVEYS_SEMANTICS,
  SupportQuerySchema,
  SupportResponseSchema,
  SurveysQuerySchema,
  SurveysResponseSchema,
  broadcastNotFoundMessage,
} from "@chatfunnel/schemas";

const range = { from: "2026-05-01", to: "2026-05-08" };
const issuePaths = (result: z.ZodSafeParseResult<unknown>) => (result.success ? [] : result.error.issues.map((issue) => issue.path.join(".")));

describe("issue-12 query schemas", () => {
  it("default the windows, the interval, the start and the depth", () => {
    expect(BroadcastsQuerySchema.parse(range)).toMatchObject({ window: 3 * 86_400 });
    expect(SurveysQuerySchema.parse(range)).toMatchObject({ window: 7 * 86_400 });
    expect(SupportQuerySchema.parse(range)).toMatchObject({ interval: "day" });
    expect(PathsQuerySchema.parse(range)).toMatchObject({ start: "bot_started", depth: 5 });
    expect(PathsQuerySchema.parse({ ...range, start: "lead", depth: "10" })).toMatchObject({ start: "lead", depth: 10 });
    expect(BroadcastsQuerySchema.parse({ ...range, window: "12h" })).toMatchObject({ window: 43_200 });
  });

  it("refuse bad values naming the parameter", () => {
    expect(issuePaths(BroadcastsQuerySchema.safeParse({ ...range, window: "3 days" }))).toEqual(["window"]);
    expect(issuePaths(BroadcastsQuerySchema.safeParse({ ...range, window: "91d" }))).toEqual(["window"]);
    expect(issuePaths(SurveysQuerySchema.safeParse({ ...range, window: "0d" }))).toEqual(["window"]);
    expect(issuePaths(SupportQuerySchema.safeParse({ ...range, interval: "hour" }))).toEqual(["interval"]);
    for (const depth of ["1", "11", "2.5", "x"]) expect(issuePaths(PathsQuerySchema.safeParse({ ...range, depth })), depth).toEqual(["depth"]);
    expect(issuePaths(PathsQuerySchema.safeParse({ ...range, start: "Bot Started" }))).toEqual(["start"]);
  });

  it("carry their definitions into the JSON schema openapi.json is built from", () => {
    const described = (schema: z.ZodType) => (z.toJSONSchema(schema, { io: "output", unrepresentable: "any", target: "draft-2020-12" }) as { description?: string }).description;
    expect(described(BroadcastsResponseSchema)).toBe(BROADCASTS_SEMANTICS);
    expect(described(BroadcastDetailResponseSchema)).toContain(BROADCASTS_SEMANTICS);
    expect(described(BroadcastDetailResponseSchema)).toContain("404");
    expect(described(SupportResponseSchema)).toBe(SUPPORT_SEMANTICS);
    expect(described(SurveysResponseSchema)).toBe(SURVEYS_SEMANTICS);
    expect(described(PathsResponseSchema)).toBe(PATHS_SEMANTICS);
    for (const query of [BroadcastsQuerySchema, SupportQuerySchema, SurveysQuerySchema, PathsQuerySchema]) expect(() => z.toJSONSchema(query, { io: "output", unrepresentable: "any" })).not.toThrow();
  });

  it("name an unknown broadcast in its 404 message", () => {
    expect(broadcastNotFoundMessage('fri "sale"')).toContain('"fri \\"sale\\""');
  });
});
