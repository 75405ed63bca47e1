import { timingSafeEqual, createHash } from "node:crypto";
import express, { Router, type RequestHandler } from "express";
import { bearerToken, createKey, createProjectWithKeys, listProjects, projectExists, revokeKey, sendError, type Logger, type Storage } from "@chatfunnel/core";
import { AdminKeyCreateBodySchema, AdminProjectCreateBodySchema, toFieldErrors } from "@chatfunnel/schemas";
import { addUserRoutes } from "./admin-user-routes.js";

export interface AdminDeps {
  storage: Storage;
  /** CHATFUNNEL_ADMIN_TOKEN, or the one kept in DATA_DIR (ensureAdminToken). */
  adminToken: string;
  logger: Logger;
}

/** Compares digests, so the comparison takes the same time however much of a guess is right. */
function requireAdminToken(token: string): RequestHandler {
  const expected = createHash("sha256").update(token).digest();
  return (req, res, next) => {
    const given = bearerToken(req.headers.authorization);
    if (given === undefined) return sendError(res, 401, "unauthorized", "missing Authorization: Bearer <admin token>");
    if (!timingSafeEqual(createHash("sha256").update(given).digest(), expected)) return sendError(res, 401, "unauthorized", "unknown admin token");
    next();
  };
}

const wrap =
  (logger: Logger, handler: RequestHandler): RequestHandler =>
  async (req, res, next) => {
    try {
      await handler(req, res, next);
    } catch (error) {
      logger.error("admin request failed", { error });
      if (!res.headersSent) sendError(res, 503, "unavailable", "the admin store cannot be reached right now");
    }
  };

/**
 * /admin/v1: projects and their keys, behind the admin token. A revoked key is refused by every process
 * within about 2 s: each process reloads its key cache when it is a second old (core/src/auth/key-store.ts).
 */
export function createAdminRouter(deps: AdminDeps): Router {
  const router = Router();
  const admin = Router();
  admin.use(requireAdminToken(deps.adminToken), express.json({ limit: "16kb" }));
  admin.post(
    "/projects",
    wrap(deps.logger, async (req, res) => {
      const body = AdminProjectCreateBodySchema.safeParse(req.body);
      if (!body.success) {
        const details = toFieldErrors(body.error);
        return sendError(res, 400, "invalid_parameter", `invalid project: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
      }
      res.status(201).json(await createProjectWithKeys(deps.storage, body.data.name, body.data.timezone ?? "UTC"));
    }),
  );
  admin.get(
    "/projects",
    wrap(deps.logger, async (_req, res) => {
      res.json({ projects: await listProjects(deps.storage) });
    }),
  );
  admin.post(
    "/projects/:id/keys",
    wrap(deps.logger, async (req, res) => {
      const body = AdminKeyCreateBodySchema.safeParse(req.body);
      if (!body.success) {
        const details = toFieldErrors(body.error);
        return sendError(res, 400, "invalid_parameter", `invalid key: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
      }
      const projectId = String(req.params.id);
      if (!(await projectExists(deps.storage, projectId))) return sendError(res, 404, "not_found", "no such project");
      res.status(201).json(await createKey(deps.storage, projectId, body.data.kind));
    }),
  );
  admin.delete(
    "/keys/:id",
    wrap(deps.logger, async (req, res) => {
      if (!(await revokeKey(deps.storage, String(req.params.id)))) return sendError(res, 404, "not_found", "no live key with this id");
      res.status(204).end();
    }),
  );
  addUserRoutes(admin, deps.storage, (handler) => wrap(deps.logger, handler));
  admin.use((_req, res) => sendError(res, 404, "not_found", "no such endpoint"));
  router.use("/admin/v1", admin);
  return router;
}
