import { useQuery } from "@tanstack/react-query";
import { RESERVED_EVENT_TYPES } from "@chatfunnel/contract";
import type { Interval, RetentionBreakdown, RetentionCohort } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { eventTypesQuery } from "../api/queries.js";
import { useI18n } from "../i18n/i18n.js";
import { replaceAll, useUpdateParams } from "../router/location.js";
import { INTERVALS, PERIOD_CHOICES, RETENTION_BREAKDOWNS, RETENTION_COHORTS, RETURN_ANY, RETURN_ANY_EXCLUDED } from "./limits.js";
import { writeRetentionView, type CellValue, type RetentionParams, type RetentionView } from "./params.js";


/**
 * The cohort definition (bucket, periods, cohort event, what counts as a return, breakdown) and how cells read.
 * Every choice goes into the URL at once.
 */
export function RetentionControls({ view }: { view: RetentionView }) {
  const { t, format } = useI18n();
  const api = useApi();
  const update = useUpdateParams();
  // The types the project sent (most events first), then the reserved ones it has not sent yet.
  const types = useQuery(eventTypesQuery(api));
  const seen = types.data?.types ?? [];
  const seenNames = new Set(seen.map((stat) => stat.type));
  const unseen = [...RESERVED_EVENT_TYPES.filter((type) => !seenNames.has(type)), ...(view.params.return !== RETURN_ANY && !seenNames.has(view.params.return) && !(RESERVED_EVENT_TYPES as readonly string[]).includes(view.params.return) ? [view.params.return] : [])];
  const periods: readonly number[] = (PERIOD_CHOICES as readonly number[]).includes(view.params.periods) ? PERIOD_CHOICES : [...PERIOD_CHOICES, view.params.periods].sort((a, b) => a - b);

  // A new definition drops the selected cell and the triangle's group, which named a cell and a group of the old one.
  const setParams = (change: Partial<RetentionParams>) =>
    update((p) => replaceAll(p, writeRetentionView(p, { params: { ...view.params, ...change }, show: view.show, cell: null, ltvPeriod: view.ltvPeriod })));
  const setShow = (show: CellValue) => update((p) => replaceAll(p, writeRetentionView(p, { ...view, show })));

  return (
    <div className="section-head retention-controls">
      <div className="field-group">
        <label className="field">
          <span>{t("retention.interval")}</span>
          <select name="interval" value={view.params.interval} onChange={(e) => setParams({ interval: e.target.value as Interval })}>
            {INTERVALS.map((interval) => (
              <option key={interval} value={interval}>
                {t(`retention.interval.${interval}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("retention.periods")}</span>
          <select name="periods" value={view.params.periods} onChange={(e) => setParams({ periods: Number(e.target.value) })}>
            {periods.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("retention.cohort")}</span>
          <select name="cohort" value={view.params.cohort} onChange={(e) => setParams({ cohort: e.target.value as RetentionCohort })}>
            {RETENTION_COHORTS.map((cohort) => (
              <option key={cohort} value={cohort}>
                {t(`retention.cohort.${cohort}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("retention.return")}</span>
          <select name="return" value={view.params.return} onChange={(e) => setParams({ return: e.target.value })}>
            <option value={RETURN_ANY}>{t("retention.return.any", { excluded: RETURN_ANY_EXCLUDED })}</option>
            {seen.map((stat) => (
              <option key={stat.type} value={stat.type} title={t("funnel.typeSeen", { events: format.integer(stat.events), users: format.integer(stat.users) })}>
                {stat.type}
              </option>
            ))}
            {unseen.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("retention.breakdown")}</span>
          <select name="breakdown" value={view.params.breakdown ?? ""} onChange={(e) => setParams({ breakdown: (e.target.value || null) as RetentionBreakdown | null })}>
            <option value="">{t("retention.breakdown.none")}</option>
            {RETENTION_BREAKDOWNS.map((breakdown) => (
              <option key={breakdown} value={breakdown}>
                {t(`retention.breakdown.${breakdown}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div role="radiogroup" aria-label={t("retention.show")} className="segmented">
        {(["share", "users"] as const).map((option) => (
          <label key={option}>
            <input type="radio" name="show" value={option} checked={view.show === option} onChange={() => setShow(option)} />
            {t(`retention.show.${option}`)}
          </label>
        ))}
      </div>
    </div>
  );
}
