import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { PATH_USERS_PAGE, pathNodeUsersCsv, pathNodeUsersQuery, type PathNodeParams, type PathsParams } from "../api/surveys-paths-queries.js";
import { UserListPanel } from "../components/UserListPanel.js";
import type { ApiFilters } from "../filters/filters.js";
import { useI18n } from "../i18n/i18n.js";

/** The users behind one Sankey node, a page at a time, and all of them as CSV (like the funnel's drop-off list). */
export function PathNodeUsers({ filters, params, node }: { filters: ApiFilters; params: PathsParams; node: PathNodeParams }) {
  const { t } = useI18n();
  const api = useApi();
  const [offset, setOffset] = useState(0);
  const query = useQuery(pathNodeUsersQuery(api, filters, params, node, offset));
  return (
    <UserListPanel
      id="path-users-title"
      testId="path-users"
      title={t("paths.usersTitle", { step: node.step, label: node.label })}
      query={query}
      pageSize={PATH_USERS_PAGE}
      offset={offset}
      onOffset={setOffset}
      extra={{ header: t("paths.ended"), cell: (user) => (user.ended ? t("paths.endedYes") : t("paths.endedNo")) }}
      exportCsv={async () => ({ text: await pathNodeUsersCsv(api, filters, params, node), filename: `path-step-${node.step}-${node.label}.csv` })}
    />
  );
}
