import { z } from "zod";
import { MAX_TIME_ZONE_LENGTH, TIME_ZONE_MESSAGE, isValidTimeZone } from "@chatfunnel/contract";
import { textSchema } from "../event.js";

/**
 * Project settings (GET /api/v1/project, PATCH an editor action). The session timeout is what the session
 * rule reads (projects.session_timeout_min); retention null keeps events forever.
 */
export const MAX_PROJECT_NAME_LENGTH = 200;
export const MIN_SESSION_TIMEOUT_MINUTES = 1;
/** A day: a longer gap is not one visit; the column is a UInt16 either way. */
export const MAX_SESSION_TIMEOUT_MINUTES = 1440;
export const MIN_RETENTION_DAYS = 1;
/** Ten years, the longest range a query may ask for (3,660 days). */
export const MAX_RETENTION_DAYS = 3660;

/**
 * The language of what the product writes for a project when no browser chooses (digests, alert texts).
 * English by default, as the dashboard falls back to English when the browser asks for neither.
 */
export const PROJECT_LANGUAGES = ["ru", "en"] as const;
export const ProjectLanguageSchema = z.enum(PROJECT_LANGUAGES);
export type ProjectLanguage = z.infer<typeof ProjectLanguageSchema>;
export const DEFAULT_PROJECT_LANGUAGE: ProjectLanguage = "en";

export const ProjectSettingsSchema = z.object({
  id: z.string(),
  name: z.string(),
  timezone: z.string().meta({ description: "IANA zone: the default `tz` of every query" }),
  sessionTimeoutMinutes: z.number().int().meta({ description: "Events without sessionId start a new session after this many minutes without events" }),
  retentionDays: z.number().int().nullable().meta({ description: "Events older than this many days are deleted with their rollup rows; null keeps them forever" }),
  language: ProjectLanguageSchema.meta({ description: "ru or en: the language of digests and alert texts (default en)" }),
});
export type ProjectSettingsResponse = z.infer<typeof ProjectSettingsSchema>;

export const ProjectSettingsPatchSchema = z
  .strictObject({
    name: textSchema(MAX_PROJECT_NAME_LENGTH, 1).optional(),
    timezone: z.string().max(MAX_TIME_ZONE_LENGTH).refine(isValidTimeZone, TIME_ZONE_MESSAGE).optional(),
    sessionTimeoutMinutes: z.number().int().min(MIN_SESSION_TIMEOUT_MINUTES).max(MAX_SESSION_TIMEOUT_MINUTES).optional(),
    retentionDays: z.number().int().min(MIN_RETENTION_DAYS).max(MAX_RETENTION_DAYS).nullable().optional(),
    language: ProjectLanguageSchema.optional(),
  })
  .meta({ description: "Only the fields given change; retentionDays null keeps events forever" });
export type ProjectSettingsPatch = z.infer<typeof ProjectSettingsPatchSchema>;
