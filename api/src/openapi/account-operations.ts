import { z } from "zod";
import {
  AdminRoleBodySchema,
  AdminUserCreateBodySchema,
  AdminUserCreatedSchema,
  AdminUsersResponseSchema,
  ApiErrorSchema,
  InviteAcceptBodySchema,
  LoginBodySchema,
  MeResponseSchema,
  ShareInfoResponseSchema,
  ShareUnlockBodySchema,
  ShareUnlockedSchema,
} from "@chatfunnel/schemas";

/**
 * The operations of /auth/v1 and /admin/v1/users (served by server/src/auth-routes.ts and admin-user-routes.ts),
 * declared with the schemas those handlers parse with; tests/unit/api-routes-openapi.test.ts checks the routers
 * serve exactly these.
 */
export interface AccountOperation {
  method: "get" | "post" | "put" | "delete";
  path: string;
  summary: string;
  security: "none" | "session" | "share" | "admin";
  body?: z.ZodType;
  status: 200 | 201 | 204;
  response?: z.ZodType;
  errors: Partial<Record<"400" | "401" | "404" | "409" | "410" | "429", string>>;
}

export const ACCOUNT_OPERATIONS: readonly AccountOperation[] = [
  {
    method: "post",
    path: "/auth/v1/login",
    summary: "Log in: sets the session cookie cf_session (HttpOnly, SameSite=Lax, Secure over TLS or X-Forwarded-Proto: https) and the page's hint cf_signed_in",
    security: "none",
    body: LoginBodySchema,
    status: 200,
    response: z.object({ id: z.string(), email: z.string() }),
    errors: { "401": "Wrong email or password (one answer for both)", "429": "Too many failed logins for this account or address (Retry-After)" },
  },
  { method: "post", path: "/auth/v1/logout", summary: "Ends the session (every process within about 2 s) and clears the cookies", security: "session", status: 204, errors: {} },
  { method: "get", path: "/auth/v1/me", summary: "The session's user and their projects with roles", security: "session", status: 200, response: MeResponseSchema, errors: { "401": "No session" } },
  {
    method: "post",
    path: "/auth/v1/invite",
    summary: "Sets the password of an invited user once (the token from the invite link's #token=) and logs them in",
    security: "none",
    body: InviteAcceptBodySchema,
    status: 200,
    response: z.object({ id: z.string() }),
    errors: { "400": "A bad password, named", "410": "The invite is unknown, used or expired" },
  },
  {
    method: "get",
    path: "/auth/v1/share",
    summary: "What a share link shows (project, fixed filters, expiry) and whether it needs its password",
    security: "share",
    status: 200,
    response: ShareInfoResponseSchema,
    errors: { "404": "Unknown or revoked share link", "410": "Expired" },
  },
  {
    method: "post",
    path: "/auth/v1/share/unlock",
    summary: "The password of a protected share link: answers an access token (Bearer) for /api/v1, valid 12 h or until the link expires",
    security: "share",
    body: ShareUnlockBodySchema,
    status: 200,
    response: ShareUnlockedSchema,
    errors: { "401": "Wrong password", "404": "Unknown or revoked share link", "410": "Expired", "429": "Too many wrong passwords (Retry-After)" },
  },
  {
    method: "post",
    path: "/admin/v1/users",
    summary: "Create a user with roles per project; without a password the answer carries an invite link (7 days, once)",
    security: "admin",
    body: AdminUserCreateBodySchema,
    status: 201,
    response: AdminUserCreatedSchema,
    errors: { "400": "A bad field, named (a role's project that does not exist too)", "401": "Missing or unknown admin token", "409": "A user with this email exists" },
  },
  { method: "get", path: "/admin/v1/users", summary: "Every user with their roles", security: "admin", status: 200, response: AdminUsersResponseSchema, errors: { "401": "Missing or unknown admin token" } },
  {
    method: "put",
    path: "/admin/v1/users/{id}/roles/{project}",
    summary: "Grant or change a user's role in a project (viewer: what a read key does; editor, owner: what a manage key does)",
    security: "admin",
    body: AdminRoleBodySchema,
    status: 200,
    response: z.object({ project: z.string(), role: z.string() }),
    errors: { "400": "A bad role", "401": "Missing or unknown admin token", "404": "No such user or project" },
  },
  { method: "delete", path: "/admin/v1/users/{id}/roles/{project}", summary: "Remove a user's role in a project", security: "admin", status: 204, errors: { "401": "Missing or unknown admin token", "404": "No such user" } },
  { method: "delete", path: "/admin/v1/users/{id}", summary: "Remove a user: their sessions end at every process within about 2 s", security: "admin", status: 204, errors: { "401": "Missing or unknown admin token", "404": "No such user" } },
];

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  delete json.$schema;
  return json;
}

const SECURITY: Record<AccountOperation["security"], JsonSchema[]> = { none: [], session: [{ sessionCookie: [] }], share: [{ shareLink: [] }], admin: [{ adminToken: [] }] };

/** The OpenAPI path items of ACCOUNT_OPERATIONS. */
export function accountPaths(): Record<string, JsonSchema> {
  const paths: Record<string, JsonSchema> = {};
  for (const operation of ACCOUNT_OPERATIONS) {
    const error = (description: string) => ({ description, content: { "application/json": { schema: schemaOf(ApiErrorSchema, "output") } } });
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = {
      summary: operation.summary,
      operationId: `${operation.method}${operation.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      security: SECURITY[operation.security],
      parameters: [...operation.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => ({ name: match[1], in: "path", required: true, schema: { type: "string" } })),
      ...(operation.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(operation.body, "input") } } } } : {}),
      responses: {
        [String(operation.status)]: operation.response
          ? { description: operation.status === 201 ? "Created" : "OK", content: { "application/json": { schema: schemaOf(operation.response, "output") } } }
          : { description: "No content" },
        ...Object.fromEntries(Object.entries(operation.errors).map(([status, description]) => [status, error(description)])),
        "503": error("The account store cannot be reached right now (Retry-After)"),
      },
    };
  }
  return paths;
}
