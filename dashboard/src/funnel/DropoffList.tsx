import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { DROPOFF_PAGE, dropoffCsv, dropoffQuery, type FunnelDefinition } from "../api/queries.js";
import { UserListPanel } from "../components/UserListPanel.js";
import type { ApiFilters } from "../filters/filters.js";
import { useI18n } from "../i18n/i18n.js";

/** Users who reached step − 1 and not `step`, a page at a time, and all of them as CSV. */
export function DropoffList({ filters, definition, step }: { filters: ApiFilters; definition: FunnelDefinition; step: number }) {
  const { t, format } = useI18n();
  const api = useApi();
  const [offset, setOffset] = useState(0);
  const query = useQuery(dropoffQuery(api, filters, definition, step, offset));
  return (
    <UserListPanel
      id="dropoff-title"
      testId="dropoff"
      title={t("funnel.dropped.title", { prev: step - 1, n: step })}
      query={query}
      pageSize={DROPOFF_PAGE}
      offset={offset}
      onOffset={setOffset}
      extra={{ header: t("funnel.dropped.lastSeen"), cell: (user) => format.dateTime(user.reachedAt, filters.tz) }}
      exportCsv={async () => ({ text: await dropoffCsv(api, filters, definition, step), filename: `funnel-dropoff-step-${step}.csv` })}
    />
  );
}
