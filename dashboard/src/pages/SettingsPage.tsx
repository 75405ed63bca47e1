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
      <QueryState query={settings}>{(data) => <ProjectSettingsForm key={JSON.stringify(data)} settings={data} />}</QueryState>
      <DeletePersonForm />
    </>
  );
}
