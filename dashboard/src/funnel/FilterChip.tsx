import type { FunnelEdit } from "./draft.js";
import { FILTER_OPS, filterProblem, isNumericOp, takesValue, type DraftFilter, type StepFilterOp } from "./definition.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";

/** Message names of the operators (`funnel.op.gt` …): keys are words, the grammar's symbols are not. */
const OP_NAMES: Record<StepFilterOp, string> = { "=": "eq", "!=": "ne", ">": "gt", ">=": "ge", "<": "lt", "<=": "le", "~": "contains", "?": "set", "!?": "notSet" };

/** A filter in words for its chip: `plan = pro`, `amount ≥ 100`, `text contains цена`, `utm is set`. */
export function useFilterText(): (filter: Pick<DraftFilter, "key" | "op" | "value">) => string {
  const { t } = useI18n();
  return (filter) => {
    const op = t(`funnel.opShort.${OP_NAMES[filter.op]}` as MessageKey);
    return takesValue(filter.op) ? `${filter.key} ${op} ${filter.value}` : `${filter.key} ${op}`;
  };
}

type At = { step: number; alternative: number; filter: number };

/**
 * One property filter: a chip (click to edit, × to remove) or, while `editing`, its editor — property,
 * operator and, unless the operator is a presence test, a value. Done turns a valid filter back into a chip.
 */
export function FilterChip({ filter, at, name, edit }: { filter: DraftFilter; at: At; name: string; edit: (edit: FunnelEdit) => void }) {
  const { t } = useI18n();
  const filterText = useFilterText();
  const text = filterText(filter);
  if (!filter.editing) {
    return (
      <li className="chip">
        <button type="button" className="chip-text" aria-label={t("funnel.editFilter", { filter: text })} onClick={() => edit({ type: "editFilter", ...at })}>
          {text}
        </button>
        <button type="button" className="chip-remove" aria-label={t("funnel.removeFilterNamed", { filter: text })} onClick={() => edit({ type: "removeFilter", ...at })}>
          ×
        </button>
      </li>
    );
  }
  const problem = filterProblem(filter);
  const hintId = `${name}-hint`;
  return (
    <li className="filter-editor" role="group" aria-label={t("funnel.filter")}>
      <label className="field">
        <span>{t("funnel.property")}</span>
        <input name={`${name}-key`} value={filter.key} autoFocus onChange={(e) => edit({ type: "filterKey", ...at, value: e.target.value })} />
      </label>
      <label className="field">
        <span>{t("funnel.operator")}</span>
        <select name={`${name}-op`} value={filter.op} onChange={(e) => edit({ type: "filterOp", ...at, value: e.target.value as StepFilterOp })}>
          {FILTER_OPS.map((op) => (
            <option key={op} value={op}>
              {t(`funnel.op.${OP_NAMES[op]}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      {takesValue(filter.op) && (
        <label className="field">
          <span>{t("funnel.value")}</span>
          <input
            name={`${name}-value`}
            value={filter.value}
            inputMode={isNumericOp(filter.op) ? "decimal" : undefined}
            aria-invalid={problem === "number" && filter.value !== "" ? true : undefined}
            aria-describedby={problem === "number" ? hintId : undefined}
            onChange={(e) => edit({ type: "filterValue", ...at, value: e.target.value })}
          />
        </label>
      )}
      <div className="step-actions">
        <button type="button" className="secondary" disabled={problem !== null && !(filter.key.trim() === "" && filter.value === "")} onClick={() => edit({ type: "closeFilter", ...at })}>
          {t("funnel.filterDone")}
        </button>
        <button type="button" className="link" onClick={() => edit({ type: "removeFilter", ...at })}>
          {t("funnel.removeFilter")}
        </button>
      </div>
      {problem === "number" && (
        <p id={hintId} className="hint warn">
          {t("funnel.needsNumber")}
        </p>
      )}
    </li>
  );
}
