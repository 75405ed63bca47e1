import type { Request, RequestHandler, Response, Router } from "express";
import type { z } from "zod";
import {
  EmailTakenError,
  accountExists,
  createAccount,
  deleteAccount,
  hashPassword,
  listAccounts,
  projectExists,
  requestOrigin,
  sendError,
  setRole,
  type Storage,
} from "@chatfunnel/core";
import { AdminRoleBodySchema, AdminUserCreateBodySchema, toFieldErrors } from "@chatfunnel/schemas";

function parseBody<S extends z.ZodType>(schema: S, req: Request, res: Response, what: string): z.infer<S> | undefined {
  const body = schema.safeParse(req.body ?? {});
  if (body.success) return body.data;
  const details = toFieldErrors(body.error);
  sendError(res, 400, "invalid_parameter", `invalid ${what}: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
  return undefined;
}

/**
 * /admin/v1/users: accounts and their roles per project, behind the admin token (added to the admin router by
 * createAdminRouter). A removed user or role is refused by every process within about 2 s (AccessStore).
 */
export function addUserRoutes(admin: Router, storage: Storage, wrap: (handler: RequestHandler) => RequestHandler): void {
  admin.post(
    "/users",
    wrap(async (req, res) => {
      const body = parseBody(AdminUserCreateBodySchema, req, res, "user");
      if (!body) return;
      for (const [index, { project }] of body.roles.entries()) {
        if (!(await projectExists(storage, project))) {
          const details = [{ path: `roles.${index}.project`, message: "no such project" }];
          return sendError(res, 400, "invalid_parameter", `invalid user: 'roles.${index}.project': no such project`, details);
        }
      }
      try {
        const passwordHash = body.password === undefined ? undefined : await hashPassword(body.password);
        const created = await createAccount(storage, { email: body.email, passwordHash, roles: body.roles });
        res.status(201).json({
          id: created.id,
          // The token travels in the fragment: it never reaches a server log, as the printed #key= URL.
          ...(created.inviteToken === undefined
            ? {}
            : { inviteUrl: `${requestOrigin(req)}/invite#token=${created.inviteToken}`, inviteExpiresAt: new Date(created.inviteExpiresMs!).toISOString() }),
        });
      } catch (error) {
        if (error instanceof EmailTakenError) return sendError(res, 409, "conflict", error.message, [{ path: "email", message: "is taken" }]);
        throw error;
      }
    }),
  );
  admin.get(
    "/users",
    wrap(async (_req, res) => {
      res.json({ users: await listAccounts(storage) });
    }),
  );
  admin.put(
    "/users/:id/roles/:project",
    wrap(async (req, res) => {
      const body = parseBody(AdminRoleBodySchema, req, res, "role");
      if (!body) return;
      const userId = String(req.params.id);
      const projectId = String(req.params.project);
      if (!(await accountExists(storage, userId))) return sendError(res, 404, "not_found", "no such user");
      if (!(await projectExists(storage, projectId))) return sendError(res, 404, "not_found", "no such project");
      await setRole(storage, userId, projectId, body.role);
      res.json({ project: projectId, role: body.role });
    }),
  );
  admin.delete(
    "/users/:id/roles/:project",
    wrap(async (req, res) => {
      const userId = String(req.params.id);
      if (!(await accountExists(storage, userId))) return sendError(res, 404, "not_found", "no such user");
      await setRole(storage, userId, String(req.params.project), null);
      res.status(204).end();
    }),
  );
  admin.delete(
    "/users/:id",
    wrap(async (req, res) => {
      if (!(await deleteAccount(storage, String(req.params.id)))) return sendError(res, 404, "not_found", "no such user");
      res.status(204).end();
    }),
  );
}
