import { queryOptions } from "@tanstack/react-query";
import type { PersonDeletionResponse, PersonDeletionsResponse, ProjectSettingsPatch, ProjectSettingsResponse } from "@chatfunnel/schemas";
import type { ApiClient } from "../api/client.js";

/** The project's settings and the deletion log: no filters, so one key each. */
export const projectSettingsQuery = (api: ApiClient) =>
  queryOptions({
    queryKey: ["project"] as const,
    queryFn: ({ signal }) => api.get<ProjectSettingsResponse>("project", {}, signal),
  });

export const personDeletionsQuery = (api: ApiClient) =>
  queryOptions({
    queryKey: ["people", "deletions"] as const,
    queryFn: ({ signal }) => api.get<PersonDeletionsResponse>("people/deletions", {}, signal),
  });

export const updateProjectSettings = (api: ApiClient, patch: ProjectSettingsPatch) => api.send<ProjectSettingsResponse>("PATCH", "project", patch);

export const deletePerson = (api: ApiClient, channel: string, userId: string) =>
  api.send<PersonDeletionResponse>("DELETE", `people/${encodeURIComponent(channel)}/${encodeURIComponent(userId)}`);

/** A 400's details name fields; each goes beside its input. */
export function fieldMessages(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const detail of Array.isArray(details) ? details : []) {
    if (detail && typeof detail === "object" && "path" in detail && "message" in detail) out[String(detail.path).split(".")[0]!] ??= String(detail.message);
  }
  return out;
}
