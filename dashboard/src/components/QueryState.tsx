import type { ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n.js";

/**
 * Loading, error and empty states in one place, so every panel has all three. While a new range
 * loads the previous data stays (placeholderData) and the panel is only marked busy.
 */
export function QueryState<T>({
  query,
  isEmpty,
  children,
  label,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
  label?: string;
}) {
  const { t } = useI18n();
  if (query.isPending) return <Loading label={label} />;
  if (query.isError && !query.data) return <ErrorState message={query.error.message} onRetry={() => void query.refetch()} />;
  const data = query.data as T;
  return (
    <div className="query-state" aria-busy={query.isFetching} data-placeholder={query.isPlaceholderData || undefined}>
      {query.isPlaceholderData && <span className="updating" role="status">{t("state.updating")}</span>}
      {query.isError && <ErrorState message={query.error.message} onRetry={() => void query.refetch()} />}
      {isEmpty?.(data) ? <Empty /> : children(data)}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="state state-loading" role="status" aria-live="polite" aria-label={label}>
      <span className="spinner" aria-hidden="true" />
      {t("state.loading")}
    </div>
  );
}

export function Empty() {
  const { t } = useI18n();
  return <p className="state state-empty">{t("state.empty")}</p>;
}

export function ErrorState({ message, onRetry }: { message: string; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="state state-error" role="alert">
      <span>{t("state.error", { message })}</span>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t("state.retry")}
        </button>
      )}
    </div>
  );
}
