import { z } from "zod";
import { ApiErrorSchema, SpendImportErrorDetailsSchema } from "@chatfunnel/schemas";
import { ReportFormatSchema, requiredKeyKind, takesReportFormat, type ApiRoute } from "../routes/api-route.js";
import { accountPaths } from "./account-operations.js";

/** What a route tells the document: everything but its handler. */
export type DocumentedRoute = Pick<ApiRoute, "method" | "path" | "query" | "body" | "doc">;

type JsonSchema = Record<string, unknown>;

/**
 * Query parameters are documented as their parsed (output) shape, so a repeatable parameter reads as
 * an array and an enum as its values; `required` is whether the parameter may be left out.
 */
function parameterSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: "output", unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  delete json.$schema;
  return json;
}

function bodySchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  delete json.$schema;
  return json;
}

function queryParameters(query: z.ZodType | undefined): JsonSchema[] {
  if (!query || !(query instanceof z.ZodObject)) return [];
  return Object.entries(query.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const schema = parameterSchema(field);
    const isArray = schema.type === "array";
    return {
      name,
      in: "query",
      required: !field.safeParse(undefined).success,
      ...(typeof schema.description === "string" ? { description: schema.description } : {}),
      schema,
      ...(isArray ? { style: "form", explode: true } : {}),
    };
  });
}

/** `{id}` segments of a path, each a required string parameter. */
function pathParameters(path: string): JsonSchema[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => ({ name: match[1], in: "path", required: true, schema: { type: "string" } }));
}

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: bodySchema(ApiErrorSchema, "output") } } });

function operation(route: DocumentedRoute): JsonSchema {
  const { doc } = route;
  const responseContent: JsonSchema = { [doc.mediaType ?? "application/json"]: { schema: bodySchema(doc.response, "output") } };
  for (const mediaType of doc.responseMediaTypes ?? []) responseContent[mediaType] = { schema: { type: "string" } };
  const reportFormat = takesReportFormat(route);
  if (reportFormat) {
    responseContent["text/csv"] = {
      schema: { type: "string", description: "With format=csv: the JSON answer as one table (objects as dotted columns, one row per element of an array of objects; README)" },
    };
  }
  const formatParameter = reportFormat ? queryParameters(z.object({ format: ReportFormatSchema })) : [];
  const op: JsonSchema = {
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    operationId: `${route.method}${route.path.replace(/^\/api\/v1/, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
    // A key, a session cookie with X-Chatfunnel-Project (the role decides as the kinds do), or for GET reports a share link.
    security: [{ [`${requiredKeyKind(route)}Key`]: [] }, { sessionCookie: [] }, ...(route.method === "get" ? [{ shareLink: [] }] : [])],
    parameters: [...pathParameters(route.path), ...queryParameters(route.query), ...formatParameter],
    responses: {
      ...(doc.status === 204
        ? { "204": { description: "No content" }, "404": errorResponse("No such resource in this project") }
        : { [String(doc.status ?? 200)]: { description: doc.status === 201 ? "Created" : "OK", content: responseContent } }),
      "400": route.body
        ? {
            description: "Bad parameter or body; for imports `details` lists every bad line",
            content: {
              "application/json": {
                schema: { ...bodySchema(ApiErrorSchema, "output"), description: "details: " + JSON.stringify(bodySchema(SpendImportErrorDetailsSchema, "output")) },
              },
            },
          }
        : errorResponse("A bad parameter, named in the message and in details[].path"),
      "401": errorResponse(`Missing, unknown or revoked ${requiredKeyKind(route)} key (a write key, or a key of another project's surface, too)`),
      ...(requiredKeyKind(route) === "manage" ? { "403": errorResponse("A read key of the project: this editor action needs its manage key") } : {}),
      ...(route.body ? { "413": errorResponse("Body too large") } : {}),
      "503": errorResponse("The query ran past its time or memory limit"),
    },
  };
  if (route.body) {
    const content: JsonSchema = { "application/json": { schema: bodySchema(route.body, "input") } };
    for (const mediaType of doc.bodyMediaTypes ?? []) content[mediaType] = { schema: { type: "string" } };
    op.requestBody = { required: true, content };
  }
  return op;
}

/** OpenAPI 3.1 (JSON Schema 2020-12) from the route declarations the API router is built from. */
export function openApiDocument(routes: readonly DocumentedRoute[]): JsonSchema {
  const paths: Record<string, JsonSchema> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation(route);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Chatfunnel analytics API",
      version: "1.0.0",
      description:
        "Messenger-marketing analytics. Every GET of /api/v1 but this document takes `Authorization: Bearer <read key>` (or the manage key); every other method is an editor action and takes the manage key (a read key: 403). Ranges are [from, to); rates are fractions or null on a zero denominator; money carries its currency.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        readKey: { type: "http", scheme: "bearer", description: "A project's read key (its manage key reads too)" },
        manageKey: { type: "http", scheme: "bearer", description: "A project's manage key: every GET, and the editor actions" },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "cf_session",
          description: "A dashboard login (POST /auth/v1/login). /api/v1 requests name their project in the X-Chatfunnel-Project header (missing: 400); the user's role there decides: viewer = read key, editor or owner = manage key; no role: 403",
        },
        shareLink: { type: "http", scheme: "bearer", description: "A share link's token (cf_sh_…) or an unlocked one's access token (cf_ss_…): read-only GET reports of its project with its filters forced; expired: 410" },
        adminToken: { type: "http", scheme: "bearer", description: "The admin token (CHATFUNNEL_ADMIN_TOKEN)" },
      },
    },
    paths: { ...paths, ...accountPaths() },
  };
}
