import { Fragment, useState, type ReactNode } from "react";
import { useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { ApiRequestError } from "../api/client.js";
import { useI18n } from "../i18n/i18n.js";
import { QueryState } from "./QueryState.js";

/** One column: its header, and a row's cell; the first column with `rowHeader` names the row. */
export interface ManagedColumn<T> {
  header: string;
  cell: (item: T) => ReactNode;
  rowHeader?: boolean;
  className?: string;
  /** `data-field` of the cell, for what tests and screen readers find. */
  field?: string;
}

/** A row's button besides delete (check, send now, log); `expanded` makes it a disclosure. */
export interface ManagedAction<T> {
  label: string;
  ariaLabel?: (item: T) => string;
  onClick: (item: T) => void;
  expanded?: (item: T) => boolean;
}

export interface ManagedRemove<T> {
  label: string;
  /** Names the item: the delete button's label and the confirmation group's. */
  ariaLabel: (item: T) => string;
  confirm: string;
  run: (item: T) => Promise<unknown>;
  failed: (message: string) => string;
  /** The list's query, refreshed after a delete. */
  queryKey: readonly unknown[];
  onRemoved?: (item: T) => unknown;
}

/**
 * The managed lists of the Alerts, Digests and Webhooks pages: a captioned table, a row per item with its
 * actions and a delete that asks first. A 404 on delete means it is gone already, which is what was asked.
 */
export function ManagedList<T>({ items, id, testId, caption, empty, rowAttributes, columns, actions, remove, result }: { items: readonly T[]; id: (item: T) => string; testId: string; caption: string; empty: string; rowAttributes?: (item: T) => Record<string, string>; columns: ReadonlyArray<ManagedColumn<T>>; actions: ReadonlyArray<ManagedAction<T>>; remove: ManagedRemove<T>; result?: (item: T) => ReactNode }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  if (items.length === 0) return <p className="state state-empty">{empty}</p>;

  const removeItem = async (item: T) => {
    setActionError(null);
    try {
      await remove.run(item);
    } catch (error) {
      if (!(error instanceof ApiRequestError && error.status === 404)) setActionError(remove.failed((error as Error).message));
    }
    setConfirming(null);
    remove.onRemoved?.(item);
    await queryClient.invalidateQueries({ queryKey: remove.queryKey });
  };

  return (
    <>
      {actionError && (
        <p className="state state-error" role="alert">
          {actionError}
        </p>
      )}
      <div className="table-wrap">
        <table className="data links" data-testid={testId}>
          <caption>{caption}</caption>
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column.header} scope="col" className="left">
                  {column.header}
                </th>
              ))}
              <th scope="col" className="left">{t("links.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => {
              const key = id(item);
              return (
                <tr key={key} {...rowAttributes?.(item)}>
                  {columns.map((column) =>
                    column.rowHeader ? (
                      <th key={column.header} scope="row" className={column.className ?? "left"} data-field={column.field}>
                        {column.cell(item)}
                      </th>
                    ) : (
                      <td key={column.header} className={column.className ?? "left"} data-field={column.field}>
                        {column.cell(item)}
                      </td>
                    ),
                  )}
                  <td className="actions">
                    {confirming === key ? (
                      <span className="confirm" role="group" aria-label={remove.ariaLabel(item)}>
                        <span>{remove.confirm}</span>
                        <button type="button" className="danger" onClick={() => void removeItem(item)}>
                          {t("links.confirm")}
                        </button>
                        <button type="button" className="link" autoFocus onClick={() => setConfirming(null)}>
                          {t("links.cancel")}
                        </button>
                      </span>
                    ) : (
                      <>
                        {actions.map((action) => (
                          <Fragment key={action.label}>
                            <button type="button" className="link" onClick={() => action.onClick(item)} aria-label={action.ariaLabel?.(item)} aria-expanded={action.expanded?.(item)}>
                              {action.label}
                            </button>{" "}
                          </Fragment>
                        ))}
                        <button type="button" className="link" aria-label={remove.ariaLabel(item)} onClick={() => setConfirming(key)}>
                          {remove.label}
                        </button>
                      </>
                    )}
                    {result?.(item)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/**
 * An item's log below its list (an alert's history, a webhook's deliveries): a titled panel, the query's state,
 * and a table of rows, or the empty text. Columns marked `numeric` align right, as the data tables do.
 */
export function LogPanel<D>({ headingId, title, query, empty, isEmpty, testId, columns, children }: { headingId: string; title: string; query: UseQueryResult<D>; empty: string; isEmpty: (data: D) => boolean; testId: string; columns: ReadonlyArray<{ header: string; numeric?: boolean }>; children: (data: D) => ReactNode }) {
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <QueryState query={query}>
        {(data) =>
          isEmpty(data) ? (
            <p className="state state-empty">{empty}</p>
          ) : (
            <div className="table-wrap">
              <table className="data" data-testid={testId}>
                <thead>
                  <tr>
                    {columns.map((column) => (
                      <th key={column.header} scope="col" className={column.numeric ? undefined : "left"}>
                        {column.header}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>{children(data)}</tbody>
              </table>
            </div>
          )
        }
      </QueryState>
    </section>
  );
}

/**
 * The answer of a row's action (check, send now, test) by item id: `pending` while it runs, then the result, or
 * the error's message in its place (shown in the row, where the button was pressed).
 */
export function useRowResults<R>(): [Record<string, R | string>, (id: string, pending: string, run: () => Promise<R>) => Promise<void>] {
  const [results, setResults] = useState<Record<string, R | string>>({});
  const perform = async (id: string, pending: string, run: () => Promise<R>) => {
    setResults((old) => ({ ...old, [id]: pending }));
    try {
      const result = await run();
      setResults((old) => ({ ...old, [id]: result }));
    } catch (error) {
      setResults((old) => ({ ...old, [id]: (error as Error).message }));
    }
  };
  return [results, perform];
}
