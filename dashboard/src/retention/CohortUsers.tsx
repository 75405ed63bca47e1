import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { retentionUsersCsv, retentionUsersQuery } from "../api/retention-queries.js";
import { UserListPanel } from "../components/UserListPanel.js";
import type { ApiFilters } from "../filters/filters.js";
import { useI18n } from "../i18n/i18n.js";
import { groupName } from "./groups.js";
import { RETENTION_USERS_PAGE } from "./limits.js";
import type { RetentionParams, SelectedCell } from "./params.js";

/** The retained users of one cohort cell, a page at a time, and all of them as CSV (like a path node's users). */
export function CohortUsers({ filters, params, cell }: { filters: ApiFilters; params: RetentionParams; cell: SelectedCell }) {
  const { t, format } = useI18n();
  const api = useApi();
  const [offset, setOffset] = useState(0);
  const query = useQuery(retentionUsersQuery(api, filters, params, cell, offset));
  const group = cell.group === undefined ? "" : t("retention.usersGroup", { group: groupName(cell.group, params.breakdown, t) });
  const fileGroup = cell.group === undefined ? "" : `-${(cell.group ?? "none").replace(/[^\p{L}\p{N}_-]+/gu, "_")}`;
  return (
    <UserListPanel
      id="retention-users-title"
      testId="retention-users"
      title={t("retention.usersTitle", { cohort: format.date(`${cell.cohortStart}T12:00:00Z`, "UTC"), group, period: cell.period })}
      query={query}
      pageSize={RETENTION_USERS_PAGE}
      offset={offset}
      onOffset={setOffset}
      extra={{ header: t("retention.returnedAt"), cell: (user) => format.dateTime(user.returnedAt, filters.tz) }}
      exportCsv={async () => ({ text: await retentionUsersCsv(api, filters, params, cell), filename: `retention-${cell.cohortStart}${fileGroup}-period-${cell.period}.csv` })}
    />
  );
}
