import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { PATH_USERS_PAGE, pathNodeUsersCsv, pathNodeUsersQuery, type PathNodeParams, type PathsParams } from "../api/surveys-paths-queries.js";
import { downloadCsv } from "../components/download.js";
import { ErrorState, QueryState } from "../components/QueryState.js";
import type { ApiFilters } from "../filters/filters.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";

/** The users behind one Sankey node, a page at a time, and all of them as CSV (like the funnel's drop-off list). */
export function PathNodeUsers({ filters, params, node }: { filters: ApiFilters; params: PathsParams; node: PathNodeParams }) {
  const { t, format } = useI18n();
  const api = useApi();
  const [offset, setOffset] = useState(0);
  const query = useQuery(pathNodeUsersQuery(api, filters, params, node, offset));
  const [exportError, setExportError] = useState<string | null>(null);
  const exportCsv = async () => {
    setExportError(null);
    try {
      downloadCsv(await pathNodeUsersCsv(api, filters, params, node), `path-step-${node.step}-${node.label}.csv`);
    } catch (error) {
      setExportError((error as Error).message);
    }
  };
  return (
    <section className="panel dropoff" aria-labelledby="path-users-title" data-testid="path-users">
      <div className="section-head">
        <h2 id="path-users-title">{t("paths.usersTitle", { step: node.step, label: node.label })}</h2>
        <button type="button" onClick={() => void exportCsv()}>
          {t("funnel.exportCsv")}
        </button>
      </div>
      {exportError && <ErrorState message={exportError} />}
      <QueryState query={query} isEmpty={(data) => data.total === 0}>
        {(data) => (
          <>
            <p className="note" data-testid="path-users-total">
              {format.integer(data.offset + 1)}–{format.integer(data.offset + data.users.length)} / {format.integer(data.total)}
            </p>
            <div className="table-wrap">
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">{t("funnel.dropped.user")}</th>
                    <th scope="col">{t("funnel.dropped.channel")}</th>
                    <th scope="col">{t("paths.ended")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.users.map((user) => (
                    <tr key={`${user.channel}:${user.userId}`}>
                      <th scope="row">{user.userId}</th>
                      <td>{t(`channel.${user.channel}` as MessageKey)}</td>
                      <td>{user.ended ? t("paths.endedYes") : t("paths.endedNo")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="pager">
              <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PATH_USERS_PAGE))}>
                ←
              </button>
              <button type="button" className="secondary" disabled={data.offset + data.users.length >= data.total} onClick={() => setOffset(offset + PATH_USERS_PAGE)}>
                →
              </button>
            </div>
          </>
        )}
      </QueryState>
    </section>
  );
}
