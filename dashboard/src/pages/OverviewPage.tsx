import { useQuery } from "@tanstack/react-query";
import type { OverviewFigures } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { overviewQuery } from "../api/queries.js";
import { IntervalPicker, useInterval } from "../components/IntervalPicker.js";
import { KpiCard } from "../components/KpiCard.js";
import { OtherCurrencies } from "../components/OtherCurrencies.js";
import { QueryState } from "../components/QueryState.js";
import { PALETTE } from "../components/ChartFigure.js";
import { TrendChart } from "../components/TrendChart.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";
import type { Format } from "../i18n/format.js";

type FigureKey = keyof OverviewFigures;

/** The cards, in reading order; `lowerIsBetter` colours a fall in cost as good news. */
const CARDS: Array<{ key: FigureKey; kind: "count" | "money" | "ratio" | "rate"; lowerIsBetter?: boolean }> = [
  { key: "users", kind: "count" },
  { key: "newUsers", kind: "count" },
  { key: "sessions", kind: "count" },
  { key: "leads", kind: "count" },
  { key: "orders", kind: "count" },
  { key: "revenue", kind: "money" },
  { key: "spend", kind: "money" },
  { key: "cpl", kind: "money", lowerIsBetter: true },
  { key: "cpo", kind: "money", lowerIsBetter: true },
  { key: "roas", kind: "ratio" },
  { key: "resolutionRate", kind: "rate" },
];

function numeric(figures: OverviewFigures, key: FigureKey): number | null {
  const value = figures[key];
  if (value === null) return null;
  return typeof value === "number" ? value : value.amount;
}

function display(figures: OverviewFigures, key: FigureKey, kind: (typeof CARDS)[number]["kind"], format: Format): string {
  const value = figures[key];
  if (kind === "money") return format.money(typeof value === "object" ? value : null);
  if (typeof value !== "number") return format.percent(null);
  if (kind === "rate") return format.percent(value);
  if (kind === "ratio") return format.ratio(value);
  return format.integer(value);
}

/** Relative change against the previous period; none when the previous value is zero or missing. */
export function relativeChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / Math.abs(previous);
}

export function OverviewPage() {
  const { t, format } = useI18n();
  const api = useApi();
  const { api: filters } = useFilters();
  const interval = useInterval();
  const query = useQuery(overviewQuery(api, filters));
  // One engine answers every query: the headline cards go first, the trends ask once they have landed.
  const trendsEnabled = !query.isPending;
  return (
    <>
      <QueryState query={query}>
        {(data) => (
          <>
            <ul className="kpis" data-testid="overview">
              {CARDS.map((card) => {
                const previous = data.previous ? numeric(data.previous, card.key) : null;
                return (
                  <KpiCard
                    key={card.key}
                    metric={card.key}
                    label={t(`metric.${card.key}`)}
                    value={display(data.current, card.key, card.kind, format)}
                    change={relativeChange(numeric(data.current, card.key), previous)}
                    previous={data.previous ? display(data.previous, card.key, card.kind, format) : null}
                    lowerIsBetter={card.lowerIsBetter}
                  />
                );
              })}
            </ul>
            <OtherCurrencies list={data.otherCurrencies} />
          </>
        )}
      </QueryState>
      <section aria-labelledby="trends">
        <div className="section-head">
          <h2 id="trends">{t("overview.trends")}</h2>
          <IntervalPicker />
        </div>
        <div className="grid-2">
          <TrendChart metric="users" interval={interval} filters={filters} color={PALETTE[0]} enabled={trendsEnabled} />
          <TrendChart metric="sessions" interval={interval} filters={filters} color={PALETTE[1]} enabled={trendsEnabled} />
          <TrendChart metric="leads" interval={interval} filters={filters} color={PALETTE[2]} enabled={trendsEnabled} />
          <TrendChart metric="revenue" interval={interval} filters={filters} color={PALETTE[3]} enabled={trendsEnabled} />
        </div>
      </section>
    </>
  );
}
