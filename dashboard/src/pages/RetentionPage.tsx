import { useQuery } from "@tanstack/react-query";
import type { RetentionResponse } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { retentionQuery } from "../api/retention-queries.js";
import { OtherCurrencies } from "../components/OtherCurrencies.js";
import { QueryState } from "../components/QueryState.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";
import { CohortUsers } from "../retention/CohortUsers.js";
import { defaultLtvPeriod } from "../retention/group-figures.js";
import { LtvCacChart } from "../retention/LtvCacChart.js";
import { RETURN_ANY, RETURN_ANY_EXCLUDED } from "../retention/limits.js";
import { parseRetentionView, sameCell, writeRetentionView, type SelectedCell } from "../retention/params.js";
import { RetentionControls } from "../retention/RetentionControls.js";
import { cellOf, RetentionTriangle } from "../retention/RetentionTriangle.js";
import { RetentionCurves } from "../retention/RetentionCurves.js";
import { replaceAll, useUpdateParams } from "../router/location.js";
import "../retention/retention.css";

/** Whether the answer has that cell, observed: a cell kept in the URL across a change of range may be gone. */
function hasCell(data: RetentionResponse, cell: SelectedCell): boolean {
  return data.cohorts.some((row) => row.cells.some((c) => c.observed && sameCell(cellOf(row, c.period, data.breakdown), cell)));
}

/**
 * Do users come back, and do they pay back what they cost: the cohort triangle (a cell lists its users), the
 * retention curve of each group, and LTV against CAC per campaign. Every choice lives in the URL.
 */
export function RetentionPage() {
  const { t } = useI18n();
  const api = useApi();
  const { api: filters, params: search } = useFilters();
  const view = parseRetentionView(search);
  const update = useUpdateParams();
  const query = useQuery(retentionQuery(api, filters, view.params));
  // LTV against CAC is always by campaign; with breakdown=campaign this is the same query, asked once.
  const campaigns = useQuery(retentionQuery(api, filters, { ...view.params, breakdown: "campaign" }));
  const select = (cell: SelectedCell) => update((p) => replaceAll(p, writeRetentionView(p, { ...view, cell })));
  const pickRowsGroup = (rowsGroup: string | null | undefined) =>
    update((p) => replaceAll(p, writeRetentionView(p, rowsGroup === undefined ? { ...view, rowsGroup: undefined } : { ...view, rowsGroup })));
  const pickLtvPeriod = (ltvPeriod: number) => update((p) => replaceAll(p, writeRetentionView(p, { ...view, ltvPeriod })));
  // The answer's own periods: while a new definition loads, the previous figures stay with their period.
  const ltvPeriodOf = (data: RetentionResponse) => (view.ltvPeriod !== null && view.ltvPeriod < data.periods ? view.ltvPeriod : defaultLtvPeriod(data.cohorts, data.periods));
  const returnWords = view.params.return === RETURN_ANY ? t("retention.return.any", { excluded: RETURN_ANY_EXCLUDED }) : view.params.return;

  return (
    <>
      <RetentionControls view={view} />
      <p className="note">
        {t("retention.definitions", { cohort: t(`retention.cohortEvent.${view.params.cohort}`), interval: t(`retention.bucket.${view.params.interval}`), return: returnWords })}
      </p>
      <QueryState query={query} isEmpty={(data) => data.cohorts.length === 0}>
        {(data) => (
          <>
            <section className="panel" aria-labelledby="retention-triangle-head">
              <h2 id="retention-triangle-head" className="panel-title">
                {t("retention.triangleHead")}
              </h2>
              {data.groupsTruncated && <p className="note">{t("retention.groupsTruncated", { n: data.groups.length })}</p>}
              <RetentionTriangle data={data} show={view.show} selected={view.cell} onSelect={select} rowsGroup={view.rowsGroup} onRowsGroup={pickRowsGroup} />
              <OtherCurrencies list={data.otherCurrencies} />
            </section>
            {view.cell && hasCell(data, view.cell) && (
              <CohortUsers key={JSON.stringify([filters, view.params, view.cell])} filters={filters} params={view.params} cell={view.cell} />
            )}
            <section className="panel retention-section" aria-labelledby="retention-curves-head">
              <h2 id="retention-curves-head" className="panel-title">
                {t("retention.curvesHead")}
              </h2>
              <RetentionCurves data={data} ltvPeriod={ltvPeriodOf(data)} />
            </section>
          </>
        )}
      </QueryState>
      <section className="panel retention-section" aria-labelledby="retention-ltv-head">
        <h2 id="retention-ltv-head" className="panel-title">
          {t("retention.ltvHead")}
        </h2>
        <QueryState query={campaigns} isEmpty={(data) => data.groups.length === 0}>
          {(data) => <LtvCacChart data={data} period={ltvPeriodOf(data)} onPeriod={pickLtvPeriod} />}
        </QueryState>
      </section>
    </>
  );
}
