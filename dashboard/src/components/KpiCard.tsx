import { useI18n } from "../i18n/i18n.js";

export function KpiCard({
  metric,
  label,
  value,
  change,
  previous,
  lowerIsBetter = false,
}: {
  metric: string;
  label: string;
  value: string;
  change: number | null;
  previous: string | null;
  lowerIsBetter?: boolean;
}) {
  const { t, format } = useI18n();
  const tone = change === null || change === 0 ? "flat" : change > 0 !== lowerIsBetter ? "good" : "bad";
  return (
    <li className="kpi" data-testid={`kpi-${metric}`}>
      <span className="kpi-label">{label}</span>
      <strong className="kpi-value" data-metric={metric}>
        {value}
      </strong>
      <span className={`kpi-change ${tone}`} title={t("overview.vsPrevious")}>
        {previous === null ? (
          t("overview.noPrevious")
        ) : (
          <>
            {change !== null && `${change > 0 ? "▲" : change < 0 ? "▼" : "="} ${format.change(change)} · `}
            <span className="kpi-previous">{t("overview.previousWas", { value: previous })}</span>
          </>
        )}
      </span>
    </li>
  );
}
