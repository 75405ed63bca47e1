import { lazy, Suspense, useId } from "react";
import { useI18n } from "../i18n/i18n.js";
import type { Row, Series } from "../charts/Charts.js";
import { Loading } from "./QueryState.js";

let chartsModule: Promise<typeof import("../charts/Charts.js")> | undefined;
/** Starts fetching and compiling the charting chunk without waiting for the first chart's data. */
export function preloadCharts() {
  chartsModule ??= import("../charts/Charts.js");
  return chartsModule;
}

const LinesChart = lazy(() => preloadCharts().then((m) => ({ default: m.LinesChart })));
const BarsChart = lazy(() => preloadCharts().then((m) => ({ default: m.BarsChart })));

export const PALETTE = ["#3a6ff7", "#18a574", "#f08a24", "#c2409a", "#7b61ff", "#0aa5b8", "#8c8c8c"];

/**
 * A chart with its caption as accessible name and the same numbers as a table: readers of
 * screens (and tests) get the figures the chart draws.
 */
export function ChartFigure({
  title,
  kind,
  data,
  xKey,
  xLabel,
  series,
  format,
  formatAxis,
  formatX,
  formatXAxis,
  height,
  testId,
}: {
  title: string;
  kind: "line" | "bar";
  data: Row[];
  xKey: string;
  xLabel: string;
  series: Series[];
  format: (value: number) => string;
  formatAxis?: (value: number) => string;
  formatX?: (value: string) => string;
  formatXAxis?: (value: string) => string;
  height?: number;
  testId?: string;
}) {
  const { t } = useI18n();
  const id = useId();
  const Chart = kind === "line" ? LinesChart : BarsChart;
  const cell = (value: string | number | null | undefined) => (typeof value === "number" ? format(value) : (value ?? "—"));
  return (
    <figure className="chart" role="group" aria-labelledby={id} data-testid={testId}>
      <figcaption id={id}>{title}</figcaption>
      <div className="chart-canvas" style={{ minHeight: height ?? 220 }}>
        <Suspense fallback={<Loading />}>
          <Chart data={data} xKey={xKey} series={series} format={format} formatAxis={formatAxis} formatX={formatX} formatXAxis={formatXAxis} height={height} />
        </Suspense>
      </div>
      <details className="chart-data">
        <summary>{t("chart.data")}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{xLabel}</th>
              {series.map((s) => (
                <th scope="col" key={s.key}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.map((row, index) => (
              <tr key={index}>
                <th scope="row">{formatX ? formatX(String(row[xKey])) : String(row[xKey])}</th>
                {series.map((s) => (
                  <td key={s.key} data-series={s.key}>
                    {cell(row[s.key])}
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
