import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { QueryState } from "../components/QueryState.js";
import { DeletePersonForm } from "../settings/DeletePersonForm.js";
import { ProjectSettingsForm } from "../settings/ProjectSettingsForm.js";
import { projectSettingsQuery } from "../settings/settings-queries.js";

/** The project's settings and people deletion: the editor actions of the dashboard. */
export function SettingsPage() {
  const api = useApi();
  const settings = useQuery(projectSettingsQuery(api));
  return (
    <>
      {/* Keyed by the project, not by the answer: saving reads the settings again, and a form remounted by the
          new answer lost its "saved" confirmation (a browser test polling for it could miss it under load). */}
      <QueryState query={settings}>{(data) => <ProjectSettingsForm key={data.id} settings={data} />}</QueryState>
      <DeletePersonForm />
    </>
  );
}
