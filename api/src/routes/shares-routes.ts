import express from "express";
import { z } from "zod";
import { createShare, hashPassword, listShares, requestOrigin, revokeShare, sendError } from "@chatfunnel/core";
import { ShareCreateBodySchema, ShareCreatedSchema, SharesResponseSchema, toFieldErrors } from "@chatfunnel/schemas";
import type { ApiRoute } from "./api-route.js";

/**
 * Share links: a read-only dashboard of this project with fixed filters, for a client without an account.
 * What a link reaches is decided in app.ts (shareGuard): the GET reports that take the segment filters, with
 * the link's filters in force; nothing else.
 */
export const sharesRoutes: ApiRoute[] = [
  {
    method: "post",
    path: "/api/v1/shares",
    metric: "shares_create",
    body: ShareCreateBodySchema,
    middleware: [express.json({ limit: "16kb" })],
    doc: {
      status: 201,
      summary: "Create a share link: a read-only dashboard of this project with the given filters fixed, optionally expiring and password-protected",
      description:
        "The url (`<origin>/share/<token>`) is shown once; the token is stored as its hash. With it (Authorization: Bearer <token>) every GET report taking channel/botId/campaign answers with the link's filters in force; everything else is refused (403). Expired: 410. With a password, POST /auth/v1/share/unlock first (rate-limited like logins).",
      response: ShareCreatedSchema,
    },
    handle: async ({ deps, req, res, projectId }) => {
      const parsed = ShareCreateBodySchema.safeParse(req.body ?? {});
      if (!parsed.success) {
        const details = toFieldErrors(parsed.error);
        return sendError(res, 400, "invalid_parameter", `invalid share: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
      }
      const { filters = {}, expiresAt, password } = parsed.data;
      const expiresMs = expiresAt === undefined ? null : Date.parse(expiresAt);
      const passwordHash = password === undefined ? "" : await hashPassword(password);
      const share = await createShare(deps.storage, { projectId, filters, expiresMs, passwordHash });
      res.status(201).json({ id: share.id, url: `${requestOrigin(req)}/share/${share.token}`, expiresAt: expiresMs === null ? null : new Date(expiresMs).toISOString() });
      return undefined;
    },
  },
  {
    method: "get",
    path: "/api/v1/shares",
    metric: "shares",
    doc: { summary: "The project's share links (ids, filters, expiry; never their tokens), newest first", response: SharesResponseSchema },
    handle: async ({ deps, projectId }) => ({ shares: await listShares(deps.storage, projectId) }),
  },
  {
    method: "delete",
    path: "/api/v1/shares/{id}",
    metric: "shares_delete",
    doc: { status: 204, summary: "Revoke a share link: refused by every process within about 2 s (404 when the project has none with this id)", response: z.null() },
    handle: async ({ deps, req, res, projectId }) => {
      const id = z.string().min(1).max(64).safeParse(req.params.id);
      if (!id.success || !(await revokeShare(deps.storage, projectId, id.data))) return sendError(res, 404, "not_found", "no such share link in this project");
      res.status(204).end();
      return undefined;
    },
  },
];
