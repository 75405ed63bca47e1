import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { MAX_PROPERTY_NAME_LENGTH, RESERVED_EVENT_TYPES as RESERVED_TYPES, type FunnelMode } from "@chatfunnel/contract";
import { useApi } from "../api/context.js";
import { eventTypesQuery, type FunnelDefinition } from "../api/queries.js";
import { useKeyedDraft } from "../drafts/keyed-draft.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { BREAKDOWN_OPTIONS, FUNNEL_MODE_OPTIONS } from "./definition.js";
import { definitionFromDraft, definitionKey, draftFromDefinition, exclusionProblem, funnelDraftReducer, optionalProblem, type FunnelDraft } from "./draft.js";
import { MAX_EXCLUSIONS } from "./definition.js";
import { MAX_FUNNEL_STEPS, MAX_FUNNEL_WINDOW_SECONDS, MIN_FUNNEL_STEPS } from "./limits.js";
import { StepEditor } from "./StepEditor.js";
// The step menu's own styles (chips, alternatives, the view tabs) live beside it.
import "./funnel-builder.css";

/** The contract's reserved types, offered after the types the project has sent, so a funnel can be built before its traffic arrives. */
export { RESERVED_TYPES };

/** Edits a draft; the URL (and so the query) changes only on submit, not on every keystroke. */
export function FunnelBuilder({ definition, onApply }: { definition: FunnelDefinition; onApply: (definition: FunnelDefinition) => void }) {
  const { t, format } = useI18n();
  const api = useApi();
  // The types this project has sent (most events first); free text stays allowed for types not seen yet. Asked once
  // the form is first focused: the list scans 30 days of events, and the funnel itself should load first.
  const [wantTypes, setWantTypes] = useState(false);
  const typesQuery = useQuery({ ...eventTypesQuery(api), enabled: wantTypes });
  const seenTypes = typesQuery.data?.types ?? [];
  const seen = new Set(seenTypes.map((stat) => stat.type));
  // The draft is keyed on the URL's funnel: Back/forward to another funnel and the form shows it.
  const [draft, edit] = useKeyedDraft(definition, definitionKey(definition), draftFromDefinition, funnelDraftReducer);
  const { steps, windowAmount, windowUnit, mode, breakdown } = draft;

  const applicable = definitionFromDraft(draft);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (applicable) onApply(applicable);
  };

  return (
    <form className="panel funnel-builder" onSubmit={submit} onFocus={() => setWantTypes(true)} aria-label={t("funnel.steps")}>
      <datalist id="event-types">
        {seenTypes.map((stat) => (
          <option key={stat.type} value={stat.type}>
            {t("funnel.typeSeen", { events: format.integer(stat.events), users: format.integer(stat.users) })}
          </option>
        ))}
        {RESERVED_TYPES.filter((type) => !seen.has(type)).map((type) => (
          <option key={type} value={type}>
            {typesQuery.isSuccess ? t("funnel.typeNotSeen") : ""}
          </option>
        ))}
      </datalist>
      <ol className="steps">
        {steps.map((step, index) => (
          <StepEditor key={index} step={step} index={index} canRemove={steps.length > MIN_FUNNEL_STEPS} seen={seen} perStepWindows={mode !== "any"} edit={edit} />
        ))}
      </ol>
      {optionalProblem(draft) === "all" && <p className="hint warn">{t("funnel.allOptional")}</p>}
      {/* Exclusions and hold are asked for less often than steps: folded away, open when the funnel has one. */}
      <details className="funnel-more" open={draft.exclusions.length > 0 || draft.hold !== "" ? true : undefined}>
        <summary>{draft.exclusions.length + (draft.hold !== "" ? 1 : 0) > 0 ? t("funnel.moreSet", { n: draft.exclusions.length + (draft.hold !== "" ? 1 : 0) }) : t("funnel.more")}</summary>
        <fieldset className="exclusions">
          <legend>{t("funnel.exclusions")}</legend>
          {draft.exclusions.map((exclusion, i) => (
            <div key={i} className="exclusion">
              <input name={`exclude-${i + 1}`} list="event-types" required aria-label={t("funnel.exclusionEvent", { n: i + 1 })} value={exclusion.event} onChange={(e) => edit({ type: "exclusionEvent", index: i, value: e.target.value })} />
              <select
                name={`exclude-${i + 1}-from`}
                aria-label={t("funnel.exclusionFrom", { n: i + 1 })}
                value={exclusion.from}
                onChange={(e) => {
                  const from = Number(e.target.value);
                  edit({ type: "exclusionRange", index: i, from, to: from === 0 ? 0 : Math.max(exclusion.to, from + 1) });
                }}
              >
                <option value={0}>{t("funnel.exclusionWhole")}</option>
                {steps.slice(0, -1).map((_, k) => (
                  <option key={k} value={k + 1}>
                    {k + 1}
                  </option>
                ))}
              </select>
              {exclusion.from > 0 && (
                <select name={`exclude-${i + 1}-to`} aria-label={t("funnel.exclusionTo", { n: i + 1 })} value={exclusion.to} onChange={(e) => edit({ type: "exclusionRange", index: i, from: exclusion.from, to: Number(e.target.value) })}>
                  {steps.map((_, k) =>
                    k + 1 > exclusion.from ? (
                      <option key={k} value={k + 1}>
                        {k + 1}
                      </option>
                    ) : null,
                  )}
                </select>
              )}
              <button type="button" className="chip-remove link" aria-label={t("funnel.removeExclusion", { n: i + 1 })} onClick={() => edit({ type: "removeExclusion", index: i })}>
                ×
              </button>
            </div>
          ))}
          {exclusionProblem(draft) === "mode" && <p className="hint warn">{t("funnel.exclusionMode")}</p>}
          {exclusionProblem(draft) === "invalid" && <p className="hint warn">{t("funnel.exclusionInvalid")}</p>}
          <button type="button" className="link" disabled={draft.exclusions.length >= MAX_EXCLUSIONS} onClick={() => edit({ type: "addExclusion" })}>
            + {t("funnel.addExclusion")}
          </button>
        </fieldset>
        <label className="field">
          <span>{t("funnel.hold")}</span>
          <input name="hold" maxLength={MAX_PROPERTY_NAME_LENGTH} value={draft.hold} onChange={(e) => edit({ type: "hold", value: e.target.value })} />
        </label>
      </details>
      <div className="funnel-options">
        <button type="button" className="secondary" disabled={steps.length >= MAX_FUNNEL_STEPS} onClick={() => edit({ type: "addStep" })}>
          + {t("funnel.addStep")}
        </button>
        <fieldset className="field window">
          <legend>{t("funnel.window")}</legend>
          <input name="window" type="number" min={1} max={MAX_FUNNEL_WINDOW_SECONDS / 60} required aria-label={t("funnel.window")} value={windowAmount} onChange={(e) => edit({ type: "windowAmount", value: e.target.value })} />
          <select name="window-unit" aria-label={t("funnel.window")} value={windowUnit} onChange={(e) => edit({ type: "windowUnit", value: e.target.value })}>
            <option value="m">{t("unit.m")}</option>
            <option value="h">{t("unit.h")}</option>
            <option value="d">{t("unit.d")}</option>
          </select>
        </fieldset>
        <label className="field">
          <span>{t("funnel.mode")}</span>
          <select name="mode" value={mode} onChange={(e) => edit({ type: "mode", value: e.target.value as FunnelMode })}>
            {FUNNEL_MODE_OPTIONS.map((option) => (
              <option key={option} value={option}>
                {t(`funnel.mode.${option}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("funnel.breakdown")}</span>
          <select name="breakdown" value={breakdown} onChange={(e) => edit({ type: "breakdown", value: e.target.value as FunnelDraft["breakdown"] })}>
            <option value="">{t("funnel.breakdown.none")}</option>
            {BREAKDOWN_OPTIONS.map((option) => (
              <option key={option} value={option}>
                {t(`funnel.breakdown.${option}` as MessageKey)}
              </option>
            ))}
            <option value="property">{t("funnel.breakdown.property")}</option>
          </select>
        </label>
        {breakdown === "property" && (
          <>
            <label className="field">
              <span>{t("funnel.breakdownProperty")}</span>
              <input name="breakdown-property" required maxLength={MAX_PROPERTY_NAME_LENGTH} value={draft.breakdownProperty} onChange={(e) => edit({ type: "breakdownProperty", value: e.target.value })} />
            </label>
            <label className="field">
              <span>{t("funnel.breakdownAttribution")}</span>
              <select name="breakdown-attribution" value={draft.breakdownAttribution} onChange={(e) => edit({ type: "breakdownAttribution", value: e.target.value })}>
                <option value="first_touch">{t("funnel.attribution.firstTouch")}</option>
                {steps.map((_, index) => (
                  <option key={index} value={`step:${index + 1}`}>
                    {t("funnel.attribution.step", { n: index + 1 })}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
        <button type="submit" disabled={!applicable}>
          {t("funnel.run")}
        </button>
      </div>
      {steps.length < MIN_FUNNEL_STEPS && <p className="hint">{t("funnel.needTwoSteps")}</p>}
    </form>
  );
}
