import express from "express";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { sendError, type Storage } from "@chatfunnel/core";
import {
  MAX_SAVED_FUNNELS_PER_PROJECT,
  SavedFunnelBodySchema,
  SavedFunnelDefinitionViewSchema,
  SavedFunnelSchema,
  SavedFunnelsResponseSchema,
  toFieldErrors,
  type SavedFunnel,
} from "@chatfunnel/schemas";
import { deleteSavedFunnel, findSavedFunnel, projectSavedFunnels, writeSavedFunnel, type SavedFunnelRecord } from "@chatfunnel/warehouse";
import { InvalidParameterError } from "../http/params.js";
import { savedFunnelDefinition } from "../saved-funnels/definition.js";
import type { ApiRoute, RouteRequest } from "./api-route.js";

const IdSchema = z.string().min(1).max(64);

const view = (record: SavedFunnelRecord): SavedFunnel => ({
  id: record.id,
  name: record.name,
  definition: SavedFunnelDefinitionViewSchema.parse(JSON.parse(record.definition)),
  createdAt: record.createdAt,
  updatedAt: record.updatedAt,
});

/** The body, checked as GET /api/v1/funnel checks its query; a 400 names `name` or `definition.<parameter>`. */
function parseBody(body: unknown): z.infer<typeof SavedFunnelBodySchema> {
  const parsed = SavedFunnelBodySchema.safeParse(body);
  if (!parsed.success) {
    const details = toFieldErrors(parsed.error);
    throw new InvalidParameterError(`invalid saved funnel: ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
  }
  savedFunnelDefinition(parsed.data.definition);
  return parsed.data;
}

async function found(storage: Storage, { req, res, projectId }: Pick<RouteRequest, "req" | "res" | "projectId">): Promise<SavedFunnelRecord | undefined> {
  const id = IdSchema.safeParse(req.params.id);
  const record = id.success ? await findSavedFunnel(storage, projectId, id.data) : undefined;
  if (!record) sendError(res, 404, "not_found", "no such saved funnel in this project");
  return record;
}

const DEFINITION_HELP =
  "`definition` holds the funnel's own parameters of GET /api/v1/funnel as they are written there: `steps` (2–20, each in the steps grammar or a JSON step object), and optionally `window`, `mode`, `exclude`, `breakdown`, `breakdownAttribution`, `breakdownLimit`. It is checked exactly as that endpoint checks its query (a bad one is a 400 naming `definition.<parameter>`); the range and the common filters are not part of it. Alerts refer to a saved funnel as `funnel:<id>`.";

/** Saved funnels: name + definition per project, which the Funnel page lists and alerts watch. */
export const savedFunnelsRoutes: ApiRoute[] = [
  {
    method: "get",
    path: "/api/v1/funnels",
    metric: "funnels",
    doc: { summary: "The project's saved funnels, oldest first", response: SavedFunnelsResponseSchema },
    handle: async ({ deps, projectId }) => ({ funnels: (await projectSavedFunnels(deps.storage, projectId)).map(view) }),
  },
  {
    method: "post",
    path: "/api/v1/funnels",
    metric: "funnels_create",
    body: SavedFunnelBodySchema,
    middleware: [express.json({ limit: "256kb" })],
    doc: { status: 201, summary: "Save a funnel: a name and its definition", description: DEFINITION_HELP, response: SavedFunnelSchema },
    handle: async ({ deps, req, res, projectId }) => {
      const body = parseBody(req.body);
      if ((await projectSavedFunnels(deps.storage, projectId)).length >= MAX_SAVED_FUNNELS_PER_PROJECT) {
        const message = `a project has at most ${MAX_SAVED_FUNNELS_PER_PROJECT} saved funnels; delete one first`;
        throw new InvalidParameterError(`invalid saved funnel: 'name': ${message}`, [{ path: "name", message }]);
      }
      const now = new Date().toISOString();
      const record: SavedFunnelRecord = { projectId, id: `fn_${randomUUID().replaceAll("-", "").slice(0, 20)}`, name: body.name, definition: JSON.stringify(body.definition), createdAt: now, updatedAt: now };
      await writeSavedFunnel(deps.storage, record);
      res.status(201).json(view(record));
      return undefined;
    },
  },
  {
    method: "get",
    path: "/api/v1/funnels/{id}",
    metric: "funnels_get",
    doc: { summary: "One saved funnel (404 when the project has none with this id)", response: SavedFunnelSchema },
    handle: async (request) => {
      const record = await found(request.deps.storage, request);
      return record ? view(record) : undefined;
    },
  },
  {
    method: "put",
    path: "/api/v1/funnels/{id}",
    metric: "funnels_update",
    body: SavedFunnelBodySchema,
    middleware: [express.json({ limit: "256kb" })],
    doc: { summary: "Replace a saved funnel's name and definition; alerts on it read the new definition from their next evaluation", description: DEFINITION_HELP, response: SavedFunnelSchema },
    handle: async (request) => {
      const body = parseBody(request.req.body);
      const record = await found(request.deps.storage, request);
      if (!record) return undefined;
      const next: SavedFunnelRecord = { ...record, name: body.name, definition: JSON.stringify(body.definition), updatedAt: new Date().toISOString() };
      await writeSavedFunnel(request.deps.storage, next);
      return view(next);
    },
  },
  {
    method: "delete",
    path: "/api/v1/funnels/{id}",
    metric: "funnels_delete",
    doc: { status: 204, summary: "Delete a saved funnel (404 when there is none); alerts on it then find no value and do not fire", response: z.null() },
    handle: async ({ deps, req, res, projectId }) => {
      const id = IdSchema.safeParse(req.params.id);
      if (!id.success || !(await deleteSavedFunnel(deps.storage, projectId, id.data))) return sendError(res, 404, "not_found", "no such saved funnel in this project");
      res.status(204).end();
      return undefined;
    },
  },
];
