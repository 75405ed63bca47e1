import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { isValidTimeZone, type ProjectSettingsPatch, type ProjectSettingsResponse } from "@chatfunnel/schemas";
import { readProjectSettings, runQuery, updateProjectSettings, type ProjectSettings } from "@chatfunnel/warehouse";
import { InvalidParameterError } from "../http/params.js";
import { engineTimeZones } from "../http/time-zones.js";

const RowSchema = z.object({ timezone: z.string() });

/** The project's time zone, the default of `tz`; UTC when unset or not a zone this runtime knows. */
export async function projectTimeZone(storage: Storage, projectId: string): Promise<string> {
  const rows = await runQuery(
    storage,
    `SELECT timezone FROM ${storage.database}.projects FINAL WHERE project_id = {projectId:String} LIMIT 1`,
    { projectId },
    RowSchema,
  );
  const tz = rows[0]?.timezone ?? "";
  return tz !== "" && isValidTimeZone(tz) ? tz : "UTC";
}

const toAnswer = (settings: ProjectSettings): ProjectSettingsResponse => ({
  id: settings.projectId,
  name: settings.name,
  timezone: settings.timezone,
  sessionTimeoutMinutes: settings.sessionTimeoutMinutes,
  retentionDays: settings.retentionDays,
  language: settings.language,
});

/** The key's project always has a row (keys are issued for a project that exists); its absence is our bug. */
function present<T>(value: T | undefined, projectId: string): T {
  if (value === undefined) throw new Error(`project ${projectId} has no settings row`);
  return value;
}

export async function projectSettingsAnswer(storage: Storage, projectId: string): Promise<ProjectSettingsResponse> {
  return toAnswer(present(await readProjectSettings(storage, projectId), projectId));
}

const UNKNOWN_ZONE = "must be an IANA time zone the engine knows, such as Europe/Moscow or UTC (see system.time_zones)";

/**
 * Applies a validated change. The zone must be one every query can use (the engine's list, as for `tz`) and
 * is stored in the engine's spelling; a change of the session timeout applies to the next query of every
 * session figure (the path chooser reads it: warehouse/src/paths.ts).
 */
export async function updateProjectSettingsAnswer(storage: Storage, projectId: string, patch: ProjectSettingsPatch): Promise<ProjectSettingsResponse> {
  let timezone = patch.timezone;
  if (timezone !== undefined) {
    timezone = (await engineTimeZones(storage)).resolve(timezone);
    if (timezone === undefined) throw new InvalidParameterError(`invalid parameter 'timezone': ${UNKNOWN_ZONE}`, [{ path: "timezone", message: UNKNOWN_ZONE }]);
  }
  const change = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(timezone !== undefined ? { timezone } : {}),
    ...(patch.sessionTimeoutMinutes !== undefined ? { sessionTimeoutMinutes: patch.sessionTimeoutMinutes } : {}),
    ...(patch.retentionDays !== undefined ? { retentionDays: patch.retentionDays } : {}),
    ...(patch.language !== undefined ? { language: patch.language } : {}),
  };
  return toAnswer(present(await updateProjectSettings(storage, projectId, change), projectId));
}
