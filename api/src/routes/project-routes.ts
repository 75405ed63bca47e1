import { ProjectSettingsPatchSchema, ProjectSettingsSchema, toFieldErrors } from "@chatfunnel/schemas";
import express from "express";
import { InvalidParameterError } from "../http/params.js";
import { projectSettingsAnswer, updateProjectSettingsAnswer } from "../metrics/project-settings.js";
import type { ApiRoute } from "./api-route.js";

/**
 * The project's settings. PATCH is an editor action (see people-routes.ts: both move behind the manage key
 * together); GET is readable with the read key like every report.
 */
export const projectSettingsRoutes: ApiRoute[] = [
  {
    method: "get",
    path: "/api/v1/project",
    metric: "project",
    doc: { summary: "The project's settings: name, time zone (the default `tz`), session timeout, retention period, language of digests and alerts", response: ProjectSettingsSchema },
    handle: ({ deps, projectId }) => projectSettingsAnswer(deps.storage, projectId),
  },
  {
    method: "patch",
    path: "/api/v1/project",
    metric: "project_update",
    body: ProjectSettingsPatchSchema,
    middleware: [express.json({ limit: "16kb" })],
    doc: {
      summary: "Change the project's settings; only the fields given change",
      description:
        "timezone: a zone the engine knows (as `tz`), stored in its spelling. sessionTimeoutMinutes (1-1440): the session rule of every session figure from the next query on; below 15 minutes they are computed from the events instead of the rollups. retentionDays (1-3660, null = forever): events older than that are deleted with their rollup rows at start and every hour. language (ru or en, default en): what digests and alert texts are written in. An editor action: takes the read key until manage keys exist.",
      response: ProjectSettingsSchema,
    },
    handle: async ({ deps, req, projectId }) => {
      const parsed = ProjectSettingsPatchSchema.safeParse(req.body);
      if (!parsed.success) {
        const details = toFieldErrors(parsed.error);
        throw new InvalidParameterError(`invalid parameter ${details.map((d) => `'${d.path}': ${d.message}`).join("; ")}`, details);
      }
      return updateProjectSettingsAnswer(deps.storage, projectId, parsed.data);
    },
  },
];
