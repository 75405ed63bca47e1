import { z } from "zod";
import { toClickHouseTime, type Storage } from "@chatfunnel/core";
import { DEFAULT_PROJECT_LANGUAGE, ProjectLanguageSchema, type ProjectLanguage } from "@chatfunnel/schemas";
import { runQuery } from "./run-query.js";
import { DEFAULT_SESSION_TIMEOUT_MIN } from "./sessions.js";

/**
 * A project's settings: one row per version in `projects` (ReplacingMergeTree(updated_at), read with FINAL),
 * so a change appends a row and never rewrites one. The session rule reads session_timeout_min from the same
 * table (warehouse/src/sessions.ts); retention_days (migration 15) is read by warehouse/src/retention.ts;
 * language (migration 18) is what digests and alerts write in.
 */
export interface ProjectSettings {
  projectId: string;
  name: string;
  timezone: string;
  sessionTimeoutMinutes: number;
  /** null keeps events forever. */
  retentionDays: number | null;
  language: ProjectLanguage;
}

const SettingsRowSchema = z.object({
  project_id: z.string(),
  name: z.string(),
  timezone: z.string(),
  session_timeout_min: z.coerce.number(),
  retention_days: z.coerce.number().nullable(),
  language: z.string(),
  updated_ms: z.coerce.number(),
});

type SettingsRow = z.infer<typeof SettingsRowSchema>;

const toSettings = (row: SettingsRow): ProjectSettings => ({
  projectId: row.project_id,
  name: row.name,
  timezone: row.timezone,
  // The session rule reads 0 as the default (sessions.ts); the settings say which timeout it uses.
  sessionTimeoutMinutes: row.session_timeout_min === 0 ? DEFAULT_SESSION_TIMEOUT_MIN : row.session_timeout_min,
  retentionDays: row.retention_days,
  // Rows written before migration 18, or by code that leaves the column out, read as the default.
  language: ProjectLanguageSchema.catch(DEFAULT_PROJECT_LANGUAGE).parse(row.language),
});

const SELECT_COLUMNS = "project_id, name, timezone, session_timeout_min, retention_days, language, toUnixTimestamp64Milli(updated_at) AS updated_ms";

async function latestRow(storage: Storage, projectId: string): Promise<SettingsRow | undefined> {
  const rows = await runQuery(
    storage,
    `SELECT ${SELECT_COLUMNS} FROM ${storage.database}.projects FINAL WHERE project_id = {projectId:String} LIMIT 1`,
    { projectId },
    SettingsRowSchema,
  );
  return rows[0];
}

/** The project's settings as stored; undefined for a project without a row. */
export async function readProjectSettings(storage: Storage, projectId: string): Promise<ProjectSettings | undefined> {
  const row = await latestRow(storage, projectId);
  return row ? toSettings(row) : undefined;
}

/** Every project with a retention period, for the retention job. */
export async function projectsWithRetention(storage: Storage): Promise<ProjectSettings[]> {
  const rows = await runQuery(storage, `SELECT ${SELECT_COLUMNS} FROM ${storage.database}.projects FINAL WHERE retention_days IS NOT NULL`, {}, SettingsRowSchema);
  return rows.map(toSettings);
}

export type ProjectSettingsChange = Partial<Omit<ProjectSettings, "projectId">>;

/**
 * Writes a new version of the project's row with `change` over the current settings. Its version is later
 * than the current one even when the clock is not (two changes in one millisecond, a clock set back), so
 * FINAL always picks the newest change. Undefined when the project has no row.
 */
export async function updateProjectSettings(storage: Storage, projectId: string, change: ProjectSettingsChange, nowMs = Date.now()): Promise<ProjectSettings | undefined> {
  const current = await latestRow(storage, projectId);
  if (!current) return undefined;
  const next: ProjectSettings = { ...toSettings(current), ...change, projectId };
  await storage.insertRows("projects", [
    {
      project_id: projectId,
      name: next.name,
      timezone: next.timezone,
      session_timeout_min: next.sessionTimeoutMinutes,
      retention_days: next.retentionDays,
      language: next.language,
      updated_at: toClickHouseTime(Math.max(nowMs, current.updated_ms + 1)),
    },
  ]);
  return next;
}
