import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { funnelTrendsQuery, type FunnelDefinition } from "../api/queries.js";
import { ChartFigure, PALETTE } from "../components/ChartFigure.js";
import { IntervalPicker, useInterval } from "../components/IntervalPicker.js";
import { QueryState } from "../components/QueryState.js";
import type { ApiFilters } from "../filters/filters.js";
import { useI18n } from "../i18n/i18n.js";

/** The funnel's conversion first → last per start day, week or month (GET /api/v1/funnel/trends); the interval is the URL's. */
export function FunnelTrends({ filters, definition }: { filters: ApiFilters; definition: FunnelDefinition }) {
  const { t, format } = useI18n();
  const api = useApi();
  const interval = useInterval();
  const query = useQuery(funnelTrendsQuery(api, filters, definition, interval));
  const unit = t(`interval.${interval}`);
  const caption = t("funnel.trends.chart", { n: definition.steps.length, interval: unit });
  const day = (bucket: string) => format.date(`${bucket}T12:00:00Z`, "UTC");
  return (
    <section className="panel" aria-label={caption} data-testid="funnel-trends">
      <div className="section-head">
        <IntervalPicker />
      </div>
      {definition.breakdown && <p className="note">{t("funnel.trends.noBreakdown")}</p>}
      <QueryState query={query} isEmpty={(data) => data.points.every((point) => point.entered === 0)}>
        {(data) => (
          <>
            <ChartFigure
              title={caption}
              kind="line"
              testId="funnel-trends-chart"
              data={data.points.map((point) => ({ bucket: point.bucket, conversion: point.conversion }))}
              xKey="bucket"
              xLabel={t("funnel.trends.started")}
              series={[{ key: "conversion", label: t("funnel.trends.conversion"), color: PALETTE[0]! }]}
              format={(value) => format.percent(value)}
              formatX={day}
              formatXAxis={format.dayMonth}
            />
            <div className="table-wrap">
              <table className="data" data-testid="funnel-trends-table">
                <caption>{t("funnel.trends.table", { interval: unit })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("funnel.trends.started")}</th>
                    <th scope="col">{t("funnel.trends.entered")}</th>
                    <th scope="col">{t("funnel.trends.converted")}</th>
                    <th scope="col">{t("funnel.trends.conversion")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.points.map((point) => (
                    <tr key={point.bucket} data-bucket={point.bucket}>
                      <th scope="row">{day(point.bucket)}</th>
                      <td data-metric="entered">{format.integer(point.entered)}</td>
                      <td data-metric="converted">{format.integer(point.converted)}</td>
                      <td data-metric="conversion">{format.percent(point.conversion)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="note">{t("funnel.trends.note", { interval: unit })}</p>
          </>
        )}
      </QueryState>
    </section>
  );
}
