import type { FunnelEdit } from "./draft.js";
import { isDraftType } from "./draft.js";
import { canAddAlternative, canAddFilter, windowText, type DraftStep } from "./definition.js";
import { FilterChip } from "./FilterChip.js";
import { useI18n } from "../i18n/i18n.js";
import { EVENT_TYPE_PATTERN_SOURCE, isFunnelWindow } from "@chatfunnel/contract";

/**
 * One step of the builder: its event type (from the project's list, free text allowed), its filters as chips,
 * "or" for another alternative (`lead|order`): an event matching any of them completes the step, and from the
 * second step on a time limit from the previous step (`lead<=1h`).
 */
export function StepEditor({
  step,
  index,
  canRemove,
  seen,
  perStepWindows,
  edit,
}: {
  step: DraftStep;
  index: number;
  canRemove: boolean;
  /** Whether the mode takes per-step windows (ordered and strict do, any does not). */
  perStepWindows: boolean;
  /** The types the project has sent (empty until the list has loaded). */
  seen: ReadonlySet<string>;
  edit: (edit: FunnelEdit) => void;
}) {
  const { t } = useI18n();
  const n = index + 1;
  // A typo in a step's type gives an empty funnel with no word why; say so when the project has data to compare with.
  const unseen = (type: string) => seen.size > 0 && isDraftType(type) && !seen.has(type.trim());
  const several = step.alternatives.length > 1;
  return (
    <li className="step-editor">
      <fieldset>
        <legend>{t("funnel.step", { n })}</legend>
        {step.alternatives.map((alternative, a) => {
          const name = a === 0 ? `step-${n}` : `step-${n}-or-${a}`;
          const at = { step: index, alternative: a };
          return (
            <div key={a} className="alternative" role={several ? "group" : undefined} aria-label={several ? t("funnel.alternative", { n: a + 1 }) : undefined}>
              {a > 0 && (
                <span className="or" aria-hidden="true">
                  {t("funnel.or")}
                </span>
              )}
              <label className="field">
                <span>{t("funnel.eventType")}</span>
                <input
                  name={name}
                  list="event-types"
                  required
                  pattern={EVENT_TYPE_PATTERN_SOURCE}
                  value={alternative.type}
                  aria-describedby={unseen(alternative.type) ? `${name}-unseen` : undefined}
                  onChange={(e) => edit({ type: "stepType", ...at, value: e.target.value })}
                />
              </label>
              {unseen(alternative.type) && (
                <p id={`${name}-unseen`} className="hint warn">
                  {t("funnel.typeUnseenHint", { type: alternative.type.trim() })}
                </p>
              )}
              {alternative.filters.length > 0 && (
                <ul className="chips" aria-label={t("funnel.filters")}>
                  {alternative.filters.map((filter, f) => (
                    <FilterChip key={f} filter={filter} at={{ ...at, filter: f }} name={`${name}-filter-${f + 1}`} edit={edit} />
                  ))}
                </ul>
              )}
              <div className="step-actions">
                <button type="button" className="link" disabled={!canAddFilter(alternative)} onClick={() => edit({ type: "addFilter", ...at })}>
                  + {t("funnel.addFilter")}
                </button>
                {several && (
                  <button type="button" className="link" onClick={() => edit({ type: "removeAlternative", ...at })}>
                    {t("funnel.removeAlternative", { n: a + 1 })}
                  </button>
                )}
              </div>
            </div>
          );
        })}
        {step.within && (
          <fieldset className="field within">
            <legend>{t("funnel.within", { previous: index })}</legend>
            <input
              name={`step-${n}-within`}
              type="number"
              min={1}
              required
              aria-label={t("funnel.withinAmount", { n })}
              value={step.within.amount}
              onChange={(e) => edit({ type: "withinAmount", step: index, value: e.target.value })}
            />
            <select name={`step-${n}-within-unit`} aria-label={t("funnel.withinUnit", { n })} value={step.within.unit} onChange={(e) => edit({ type: "withinUnit", step: index, value: e.target.value })}>
              <option value="m">{t("unit.m")}</option>
              <option value="h">{t("unit.h")}</option>
              <option value="d">{t("unit.d")}</option>
            </select>
            <button type="button" className="chip-remove link" aria-label={t("funnel.removeWithin", { n })} onClick={() => edit({ type: "removeWithin", step: index })}>
              ×
            </button>
            {!perStepWindows && <p className="hint warn">{t("funnel.withinMode")}</p>}
            {perStepWindows && !isFunnelWindow(windowText(step.within)) && <p className="hint warn">{t("funnel.withinTooLong")}</p>}
          </fieldset>
        )}
        <label className="optional-toggle">
          <input type="checkbox" name={`step-${n}-optional`} checked={step.rest?.optional === true} onChange={() => edit({ type: "toggleOptional", step: index })} />
          <span>{t("funnel.optional", { n })}</span>
        </label>
        <div className="step-actions">
          {index > 0 && !step.within && perStepWindows && (
            <button type="button" className="link" onClick={() => edit({ type: "addWithin", step: index })}>
              + {t("funnel.addWithin", { previous: index })}
            </button>
          )}
          <button type="button" className="link" disabled={!canAddAlternative(step)} aria-label={t("funnel.addAlternative", { n })} onClick={() => edit({ type: "addAlternative", step: index })}>
            + {t("funnel.or")}
          </button>
          <button type="button" className="link" disabled={!canRemove} onClick={() => edit({ type: "removeStep", step: index })}>
            {t("funnel.removeStep", { n })}
          </button>
        </div>
      </fieldset>
    </li>
  );
}
