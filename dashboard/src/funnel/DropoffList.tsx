import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { DROPOFF_PAGE, dropoffCsv, dropoffQuery, type FunnelDefinition } from "../api/queries.js";
import { downloadCsv } from "../components/download.js";
import { ErrorState, QueryState } from "../components/QueryState.js";
import type { ApiFilters } from "../filters/filters.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";

/** Users who reached step − 1 and not `step`, a page at a time, and all of them as CSV. */
export function DropoffList({ filters, definition, step }: { filters: ApiFilters; definition: FunnelDefinition; step: number }) {
  const { t, format } = useI18n();
  const api = useApi();
  const [offset, setOffset] = useState(0);
  const query = useQuery(dropoffQuery(api, filters, definition, step, offset));
  const [exportError, setExportError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    try {
      downloadCsv(await dropoffCsv(api, filters, definition, step), `funnel-dropoff-step-${step}.csv`);
    } catch (error) {
      setExportError((error as Error).message);
    } finally {
      setExporting(false);
    }
  };
  return (
    <section className="panel dropoff" aria-labelledby="dropoff-title" data-testid="dropoff">
      <div className="section-head">
        <h2 id="dropoff-title">{t("funnel.dropped.title", { prev: step - 1, n: step })}</h2>
        <button type="button" onClick={() => void exportCsv()} disabled={exporting}>
          {t("funnel.exportCsv")}
        </button>
      </div>
      {exportError && <ErrorState message={exportError} />}
      <QueryState query={query} isEmpty={(data) => data.total === 0}>
        {(data) => (
          <>
            <p className="note" data-testid="dropoff-total">
              {format.integer(data.offset + 1)}–{format.integer(data.offset + data.users.length)} / {format.integer(data.total)}
            </p>
            <div className="table-wrap">
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">{t("funnel.dropped.user")}</th>
                    <th scope="col">{t("funnel.dropped.channel")}</th>
                    <th scope="col">{t("funnel.dropped.lastSeen")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.users.map((user) => (
                    <tr key={`${user.channel}:${user.userId}`}>
                      <th scope="row">{user.userId}</th>
                      <td>{t(`channel.${user.channel}` as MessageKey)}</td>
                      <td>{format.dateTime(user.reachedAt, filters.tz)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="pager">
              <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - DROPOFF_PAGE))}>
                ←
              </button>
              <button type="button" className="secondary" disabled={data.offset + data.users.length >= data.total} onClick={() => setOffset(offset + DROPOFF_PAGE)}>
                →
              </button>
            </div>
          </>
        )}
      </QueryState>
    </section>
  );
}
