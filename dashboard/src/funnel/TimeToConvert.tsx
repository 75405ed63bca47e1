import { useQuery } from "@tanstack/react-query";
import { MAX_FUNNEL_BINS } from "@chatfunnel/contract";
import type { FunnelBin } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { funnelQuery, overAllUsers, type FunnelDefinition } from "../api/queries.js";
import { ChartFigure, PALETTE } from "../components/ChartFigure.js";
import { QueryState } from "../components/QueryState.js";
import type { ApiFilters } from "../filters/filters.js";
import { useI18n } from "../i18n/i18n.js";
import { useUpdateParams } from "../router/location.js";
import { stepLabel } from "./FunnelChart.js";

/** The bin counts offered: the API takes 1 to MAX_FUNNEL_BINS. */
export const BIN_CHOICES = [5, 10, 20, 50].filter((n) => n <= MAX_FUNNEL_BINS);
export const DEFAULT_BINS = 10;

/** The histogram's choices from the URL: `bins` (one of BIN_CHOICES) and `timeStep` (2..steps, default the last). */
export function parseTimeParams(params: URLSearchParams, steps: number): { bins: number; step: number } {
  const bins = Number(params.get("bins"));
  const step = Number(params.get("timeStep"));
  return {
    bins: BIN_CHOICES.includes(bins) ? bins : DEFAULT_BINS,
    step: Number.isInteger(step) && step >= 2 && step <= steps ? step : steps,
  };
}

/**
 * The time-to-convert histogram (the funnel's `bins`): for one step, how long users took from the first step,
 * in equal-width bins from 0 to the longest. Over all users: the histogram has no breakdown groups.
 */
export function TimeToConvert({ filters, definition, params }: { filters: ApiFilters; definition: FunnelDefinition; params: URLSearchParams }) {
  const { t, format } = useI18n();
  const api = useApi();
  const update = useUpdateParams();
  const { bins, step } = parseTimeParams(params, definition.steps.length);
  const query = useQuery(funnelQuery(api, filters, overAllUsers(definition), bins));
  const binLabel = (bin: FunnelBin) => `${format.durationSeconds(bin.fromSeconds)}–${format.durationSeconds(bin.toSeconds)}`;
  return (
    <section className="panel" aria-label={t("funnel.time.title")} data-testid="funnel-time">
      <div className="section-head">
        <label className="field inline">
          <span>{t("funnel.time.step")}</span>
          <select name="timeStep" value={step} onChange={(e) => update((p) => p.set("timeStep", e.target.value))}>
            {definition.steps.slice(1).map((text, index) => (
              <option key={index} value={index + 2}>
                {index + 2}. {text}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>{t("funnel.time.bins")}</span>
          <select name="bins" value={bins} onChange={(e) => update((p) => p.set("bins", e.target.value))}>
            {BIN_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      {definition.breakdown && <p className="note">{t("funnel.time.noBreakdown")}</p>}
      <QueryState query={query} isEmpty={(data) => (data.timeToConvertBins?.find((s) => s.step === step)?.bins.length ?? 0) === 0}>
        {(data) => {
          const result = data.steps[step - 1];
          const histogram = data.timeToConvertBins?.find((s) => s.step === step)?.bins ?? [];
          const caption = t("funnel.time.chart", { n: step, step: result ? stepLabel(result) : "" });
          return (
            <>
              <ChartFigure
                title={caption}
                kind="bar"
                testId="funnel-time-chart"
                data={histogram.map((bin) => ({ range: binLabel(bin), users: bin.users }))}
                xKey="range"
                xLabel={t("funnel.time.range")}
                series={[{ key: "users", label: t("funnel.time.users"), color: PALETTE[1]! }]}
                format={(value) => format.integer(value)}
              />
              {result && (
                <p className="note" data-testid="funnel-time-summary">
                  {t("funnel.time.summary", { users: format.integer(result.users), median: format.durationSeconds(result.medianSecondsToConvert), mean: format.durationSeconds(result.meanSecondsToConvert) })}
                </p>
              )}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
