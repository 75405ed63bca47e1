import { useState, type ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { downloadCsv } from "./download.js";
import { ErrorState, QueryState } from "./QueryState.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";

/** One page of a user list as the API answers it (the funnel's drop-off, a path node's users). */
export interface UserPage<U> {
  offset: number;
  total: number;
  users: U[];
}

interface ListedUser {
  userId: string;
  channel: string;
}

/**
 * A list of users a page at a time with a pager, and all of them as CSV: the people behind a number, for a
 * marketer to contact or look up. The caller owns the offset (it is part of its query's key) and names the
 * list's one column of its own (when they dropped off, whether their path ended there).
 */
export function UserListPanel<U extends ListedUser>({
  id,
  testId,
  title,
  query,
  pageSize,
  offset,
  onOffset,
  extra,
  exportCsv,
}: {
  id: string;
  testId: string;
  title: string;
  query: UseQueryResult<UserPage<U>>;
  pageSize: number;
  offset: number;
  onOffset: (offset: number) => void;
  extra: { header: string; cell: (user: U) => ReactNode };
  exportCsv: () => Promise<{ text: string; filename: string }>;
}) {
  const { t, format } = useI18n();
  const [exportError, setExportError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const onExport = async () => {
    setExporting(true);
    setExportError(null);
    try {
      const { text, filename } = await exportCsv();
      downloadCsv(text, filename);
    } catch (error) {
      setExportError((error as Error).message);
    } finally {
      setExporting(false);
    }
  };
  return (
    <section className="panel dropoff" aria-labelledby={id} data-testid={testId}>
      <div className="section-head">
        <h2 id={id}>{title}</h2>
        <button type="button" onClick={() => void onExport()} disabled={exporting}>
          {t("funnel.exportCsv")}
        </button>
      </div>
      {exportError && <ErrorState message={exportError} />}
      <QueryState query={query} isEmpty={(data) => data.total === 0}>
        {(data) => (
          <>
            <p className="note" data-testid={`${testId}-total`}>
              {format.integer(data.offset + 1)}–{format.integer(data.offset + data.users.length)} / {format.integer(data.total)}
            </p>
            <div className="table-wrap">
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">{t("funnel.dropped.user")}</th>
                    <th scope="col">{t("funnel.dropped.channel")}</th>
                    <th scope="col">{extra.header}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.users.map((user) => (
                    <tr key={`${user.channel}:${user.userId}`}>
                      <th scope="row">{user.userId}</th>
                      <td>{t(`channel.${user.channel}` as MessageKey)}</td>
                      <td>{extra.cell(user)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="pager">
              <button type="button" className="secondary" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - pageSize))}>
                ←
              </button>
              <button type="button" className="secondary" disabled={data.offset + data.users.length >= data.total} onClick={() => onOffset(offset + pageSize)}>
                →
              </button>
            </div>
          </>
        )}
      </QueryState>
    </section>
  );
}
