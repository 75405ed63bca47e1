import type { FunnelStepResult } from "@chatfunnel/schemas";
import { useI18n } from "../i18n/i18n.js";

/**
 * A step's name: the API's `text` (the step exactly as matched: `lead|order[amount>100]`) when the answer has it,
 * else its type with its equality filters (`filters` holds only those, and none of an any-of step).
 */
export function stepLabel(step: Pick<FunnelStepResult, "type" | "filters"> & { text?: string }): string {
  if (step.text !== undefined && step.text !== "") return step.text;
  const filters = Object.entries(step.filters);
  return filters.length === 0 ? step.type : `${step.type} (${filters.map(([key, value]) => `${key}=${value}`).join(", ")})`;
}

/**
 * The funnel as bars in plain HTML: each drop-off is a button (keyboard and screen readers reach
 * it), and the numbers sit beside the bars instead of in a tooltip.
 */
export function FunnelChart({ steps, selected, onSelect }: { steps: FunnelStepResult[]; selected: number | null; onSelect: (step: number) => void }) {
  const { t, format } = useI18n();
  const top = Math.max(1, steps[0]?.users ?? 0);
  return (
    <figure className="funnel-chart" role="group" aria-labelledby="funnel-caption" data-testid="funnel-chart">
      <figcaption id="funnel-caption">{t("funnel.chart")}</figcaption>
      <ol>
        {steps.map((step) => (
          <li key={step.index} className="funnel-step" data-step={step.index}>
            <div className="funnel-step-head">
              <span className="funnel-step-name">
                {step.index}. {stepLabel(step)}
              </span>
              <span className="funnel-step-users" data-metric="users">
                {format.integer(step.users)}
              </span>
            </div>
            <div className="funnel-bar-track" aria-hidden="true">
              <div className="funnel-bar" style={{ width: `${(step.users / top) * 100}%` }} />
            </div>
            <dl className="funnel-step-facts">
              <div>
                <dt>{t("funnel.fromFirst")}</dt>
                <dd data-metric="conversionFromFirst">{format.percent(step.conversionFromFirst)}</dd>
              </div>
              <div>
                <dt>{t("funnel.fromPrevious")}</dt>
                <dd data-metric="conversionFromPrevious">{format.percent(step.conversionFromPrevious)}</dd>
              </div>
              {step.index > 1 && (
                <>
                  <div>
                    <dt>{t("funnel.dropoff")}</dt>
                    <dd data-metric="dropOff">
                      {format.integer(step.dropOff)} ({format.percent(step.dropOffRate)})
                    </dd>
                  </div>
                  <div>
                    <dt>{t("funnel.medianTime")}</dt>
                    <dd data-metric="medianSecondsToConvert">{format.durationSeconds(step.medianSecondsToConvert)}</dd>
                  </div>
                  <div>
                    <dt>{t("funnel.meanTime")}</dt>
                    <dd data-metric="meanSecondsToConvert">{format.durationSeconds(step.meanSecondsToConvert)}</dd>
                  </div>
                  <div>
                    <dt>{t("funnel.medianFromPrevious")}</dt>
                    <dd data-metric="medianSecondsFromPrevious">{format.durationSeconds(step.medianSecondsFromPrevious)}</dd>
                  </div>
                  <div>
                    <dt>{t("funnel.meanFromPrevious")}</dt>
                    <dd data-metric="meanSecondsFromPrevious">{format.durationSeconds(step.meanSecondsFromPrevious)}</dd>
                  </div>
                </>
              )}
            </dl>
            {step.index > 1 && (
              <button type="button" className="secondary dropoff-button" aria-pressed={selected === step.index} onClick={() => onSelect(step.index)}>
                {t("funnel.showDropped", { n: step.index })}
              </button>
            )}
          </li>
        ))}
      </ol>
    </figure>
  );
}
