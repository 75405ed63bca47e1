import { useQuery } from "@tanstack/react-query";
import type { Interval, TimeseriesMetric } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { timeseriesQuery } from "../api/queries.js";
import type { ApiFilters } from "../filters/filters.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { ChartFigure, PALETTE } from "./ChartFigure.js";
import { QueryState } from "./QueryState.js";

/** One metric over time, as a line, from GET /api/v1/timeseries. */
export function TrendChart({
  metric,
  interval,
  filters,
  title,
  color = PALETTE[0]!,
  enabled = true,
}: {
  metric: TimeseriesMetric;
  interval: Interval;
  filters: ApiFilters;
  title?: string;
  color?: string;
  /** False holds the query back, e.g. until the headline figures have arrived. */
  enabled?: boolean;
}) {
  const { t, format } = useI18n();
  const api = useApi();
  const query = useQuery({ ...timeseriesQuery(api, filters, metric, interval), enabled });
  const label = t(`metric.${metric}` as MessageKey);
  const caption = title ?? t("overview.trendChart", { metric: label, interval: t(`interval.${interval}`) });
  return (
    <section className="panel" aria-label={caption}>
      <QueryState query={query} isEmpty={(data) => data.points.length === 0}>
        {(data) => {
          const valueFormat =
            metric === "resolution_rate"
              ? (value: number) => format.percent(value)
              : data.currency
                ? (value: number) => format.money({ amount: value, currency: data.currency ?? "" })
                : (value: number) => format.integer(value);
          const axisFormat = data.currency ? (value: number) => format.moneyCompact({ amount: value, currency: data.currency ?? "" }) : metric === "resolution_rate" ? valueFormat : format.compact;
          return (
            <ChartFigure
              formatAxis={axisFormat}
              title={caption}
              kind="line"
              testId={`trend-${metric}`}
              data={data.points.map((point) => ({ bucket: point.bucket, [metric]: point.value }))}
              xKey="bucket"
              xLabel={t(`interval.${interval}`)}
              series={[{ key: metric, label, color }]}
              format={valueFormat}
              formatX={(bucket) => format.date(`${bucket}T12:00:00Z`, "UTC")}
              formatXAxis={format.dayMonth}
            />
          );
        }}
      </QueryState>
    </section>
  );
}
