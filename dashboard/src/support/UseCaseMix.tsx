import { lazy, Suspense, useId } from "react";
import type { SupportMixBucket } from "@chatfunnel/schemas";
import type { Series } from "../charts/Charts.js";
import { PALETTE, preloadCharts } from "../components/ChartFigure.js";
import { Loading } from "../components/QueryState.js";
import { useI18n } from "../i18n/i18n.js";

const BarsChart = lazy(() => preloadCharts().then((m) => ({ default: m.BarsChart })));

/** The mix's four shares, in the order the chart stacks them and the table lists them. */
export const MIX_SHARES = ["paymentShare", "leadShare", "surveyShare", "handoffShare"] as const;

/**
 * What sessions were for, bucket by bucket: stacked shares (a session can count in several, so a stack can pass
 * 100 %), with the same numbers and each bucket's session count as a table.
 */
export function UseCaseMix({ mix, title }: { mix: SupportMixBucket[]; title: string }) {
  const { t, format } = useI18n();
  const id = useId();
  const series: Series[] = MIX_SHARES.map((key, index) => ({ key, label: t(`support.${key}`), color: PALETTE[[1, 0, 4, 2][index]!]! }));
  const data = mix.map((bucket) => ({ bucket: bucket.bucket, ...Object.fromEntries(MIX_SHARES.map((key) => [key, bucket[key]])) }));
  return (
    <figure className="chart" role="group" aria-labelledby={id} data-testid="support-mix">
      <figcaption id={id}>{title}</figcaption>
      <div className="chart-canvas" style={{ minHeight: 260 }}>
        <Suspense fallback={<Loading />}>
          <BarsChart stacked data={data} xKey="bucket" series={series} format={format.percent} formatX={format.dayMonth} height={260} />
        </Suspense>
      </div>
      <p className="note">{t("support.mixNote")}</p>
      <details className="chart-data">
        <summary>{t("chart.data")}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("support.bucket")}</th>
              <th scope="col">{t("support.sessions")}</th>
              {series.map((s) => (
                <th scope="col" key={s.key}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {mix.map((bucket) => (
              <tr key={bucket.bucket} data-bucket={bucket.bucket}>
                <th scope="row">{format.date(`${bucket.bucket}T12:00:00Z`, "UTC")}</th>
                <td data-series="sessions">{format.integer(bucket.sessions)}</td>
                {MIX_SHARES.map((key) => (
                  <td key={key} data-series={key}>
                    {format.percent(bucket[key])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
