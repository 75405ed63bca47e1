import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.js";
import { engagementQuery, repeatQuery } from "../api/queries.js";
import { ChartFigure, PALETTE } from "../components/ChartFigure.js";
import { IntervalPicker, useInterval } from "../components/IntervalPicker.js";
import { QueryState } from "../components/QueryState.js";
import { TrendChart } from "../components/TrendChart.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";

/** How often users come back, how the bot copes alone and how fast it answers. */
export function EngagementPage() {
  const { t, format } = useI18n();
  const api = useApi();
  const { api: filters } = useFilters();
  const interval = useInterval();
  const engagement = useQuery(engagementQuery(api, filters));
  const repeat = useQuery(repeatQuery(api, filters));
  const intervalName = t(`interval.${interval}`);

  return (
    <>
      <QueryState query={engagement}>
        {(data) => (
          <ul className="kpis" data-testid="engagement">
            <li className="kpi">
              <span className="kpi-label">{t("metric.newUsers")}</span>
              <strong className="kpi-value" data-metric="newUsers">{format.integer(data.newUsers)}</strong>
            </li>
            <li className="kpi">
              <span className="kpi-label">{t("metric.sessions")}</span>
              <strong className="kpi-value" data-metric="sessions">{format.integer(data.sessions)}</strong>
            </li>
            <li className="kpi">
              <span className="kpi-label">{t("metric.resolutionRate")}</span>
              <strong className="kpi-value" data-metric="resolutionRate">{format.percent(data.resolutionRate)}</strong>
            </li>
            <li className="kpi">
              <span className="kpi-label">{t("engagement.firstResponse")} ({t("engagement.firstResponseMedian")})</span>
              <strong className="kpi-value" data-metric="medianFirstResponseSeconds">{format.durationSeconds(data.medianFirstResponseSeconds)}</strong>
            </li>
          </ul>
        )}
      </QueryState>
      <div className="section-head">
        <IntervalPicker />
      </div>
      <div className="grid-2">
        <TrendChart metric="new_users" interval={interval} filters={filters} title={t("engagement.newUsers", { interval: intervalName })} color={PALETTE[0]} />
        <TrendChart metric="sessions" interval={interval} filters={filters} title={t("engagement.sessions", { interval: intervalName })} color={PALETTE[1]} />
        <TrendChart metric="resolution_rate" interval={interval} filters={filters} title={t("engagement.resolution", { interval: intervalName })} color={PALETTE[5]} />
        <section className="panel" aria-labelledby="repeat-head">
          <h2 id="repeat-head" className="panel-title">{t("engagement.repeat")}</h2>
          <QueryState query={repeat} isEmpty={(data) => data.users === 0}>
            {(data) => (
              <>
                <ChartFigure
                  title={t("engagement.repeatChart")}
                  kind="bar"
                  testId="repeat-chart"
                  data={data.histogram.map((bucket) => ({ sessions: bucket.sessions, users: bucket.users }))}
                  xKey="sessions"
                  xLabel={t("engagement.bucket")}
                  series={[{ key: "users", label: t("metric.users"), color: PALETTE[4]! }]}
                  format={format.integer}
                />
                <dl className="facts">
                  <dt>{t("engagement.returning")}</dt>
                  <dd data-metric="returningShare">{format.percent(data.returningShare)}</dd>
                  <dt>{t("engagement.meanSessions")}</dt>
                  <dd data-metric="meanSessionsPerUser">{data.meanSessionsPerUser === null ? "—" : format.decimal(data.meanSessionsPerUser)}</dd>
                </dl>
              </>
            )}
          </QueryState>
        </section>
      </div>
    </>
  );
}
