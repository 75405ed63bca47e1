import { useEffect, useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import type { FunnelBreakdown, FunnelMode } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { eventTypesQuery, type FunnelDefinition } from "../api/queries.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { BREAKDOWN_OPTIONS, FUNNEL_MODE_OPTIONS, canAddFilter, stepToText, textToStep, type DraftStep } from "./definition.js";
import { MAX_FUNNEL_STEPS, MIN_FUNNEL_STEPS } from "./limits.js";

/**
 * The schema's RESERVED_EVENT_TYPES as data (importing it would ship zod; logic.test.ts keeps them equal):
 * offered after the types the project has sent, so a funnel can be built before its traffic arrives.
 */
export const RESERVED_TYPES = ["bot_started", "message_received", "message_sent", "button_clicked", "lead", "order", "payment", "handoff", "resolved", "subscribed", "unsubscribed", "blocked", "broadcast_sent", "broadcast_delivered", "broadcast_read", "broadcast_clicked", "broadcast_failed", "survey_answered"];

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
  const fromDefinition = () => definition.steps.map((text) => textToStep(text) ?? { type: text, filters: [] });
  const [steps, setSteps] = useState<DraftStep[]>(fromDefinition);
  const [windowAmount, setWindowAmount] = useState(definition.window.slice(0, -1));
  const [windowUnit, setWindowUnit] = useState(definition.window.slice(-1));
  const [mode, setMode] = useState<FunnelMode>(definition.mode);
  const [breakdown, setBreakdown] = useState<FunnelBreakdown | "">(definition.breakdown ?? "");
  const definitionKey = JSON.stringify(definition);
  // Back/forward to another funnel: the form shows it.
  useEffect(() => {
    setSteps(fromDefinition());
    setWindowAmount(definition.window.slice(0, -1));
    setWindowUnit(definition.window.slice(-1));
    setMode(definition.mode);
    setBreakdown(definition.breakdown ?? "");
  }, [definitionKey]);

  // A typo in a step's type gives an empty funnel with no word why; say so when the project has data to compare with.
  const unseen = (type: string) => seen.size > 0 && /^[a-z][a-z0-9_]*$/.test(type.trim()) && !seen.has(type.trim());
  const updateStep = (index: number, change: (step: DraftStep) => DraftStep) => setSteps((all) => all.map((step, i) => (i === index ? change(step) : step)));
  const valid = steps.length >= MIN_FUNNEL_STEPS && steps.every((step) => /^[a-z][a-z0-9_]*$/.test(step.type.trim()));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    onApply({ steps: steps.map(stepToText), window: `${Math.max(1, Number(windowAmount) || 1)}${windowUnit}`, mode, breakdown: breakdown || null });
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
          <li key={index} className="step-editor">
            <fieldset>
              <legend>{t("funnel.step", { n: index + 1 })}</legend>
              <label className="field">
                <span>{t("funnel.eventType")}</span>
                <input
                  name={`step-${index + 1}`}
                  list="event-types"
                  required
                  pattern="[a-z][a-z0-9_]*"
                  value={step.type}
                  aria-describedby={unseen(step.type) ? `step-${index + 1}-unseen` : undefined}
                  onChange={(e) => updateStep(index, (s) => ({ ...s, type: e.target.value }))}
                />
              </label>
              {unseen(step.type) && (
                <p id={`step-${index + 1}-unseen`} className="hint warn">
                  {t("funnel.typeUnseenHint", { type: step.type.trim() })}
                </p>
              )}
              {step.filters.map((filter, filterIndex) => (
                <div key={filterIndex} className="filter-row">
                  <label className="field">
                    <span>{t("funnel.property")}</span>
                    <input
                      name={`step-${index + 1}-key-${filterIndex + 1}`}
                      required
                      value={filter.key}
                      onChange={(e) => updateStep(index, (s) => ({ ...s, filters: s.filters.map((f, i) => (i === filterIndex ? { ...f, key: e.target.value } : f)) }))}
                    />
                  </label>
                  <span aria-hidden="true">=</span>
                  <label className="field">
                    <span>{t("funnel.value")}</span>
                    <input
                      name={`step-${index + 1}-value-${filterIndex + 1}`}
                      value={filter.value}
                      onChange={(e) => updateStep(index, (s) => ({ ...s, filters: s.filters.map((f, i) => (i === filterIndex ? { ...f, value: e.target.value } : f)) }))}
                    />
                  </label>
                  <button type="button" className="link" onClick={() => updateStep(index, (s) => ({ ...s, filters: s.filters.filter((_, i) => i !== filterIndex) }))}>
                    {t("funnel.removeFilter")}
                  </button>
                </div>
              ))}
              <div className="step-actions">
                <button type="button" className="link" disabled={!canAddFilter(step)} onClick={() => updateStep(index, (s) => ({ ...s, filters: [...s.filters, { key: "", value: "" }] }))}>
                  + {t("funnel.addFilter")}
                </button>
                <button type="button" className="link" disabled={steps.length <= MIN_FUNNEL_STEPS} onClick={() => setSteps((all) => all.filter((_, i) => i !== index))}>
                  {t("funnel.removeStep", { n: index + 1 })}
                </button>
              </div>
            </fieldset>
          </li>
        ))}
      </ol>
      <div className="funnel-options">
        <button type="button" className="secondary" disabled={steps.length >= MAX_FUNNEL_STEPS} onClick={() => setSteps((all) => [...all, { type: "", filters: [] }])}>
          + {t("funnel.addStep")}
        </button>
        <fieldset className="field window">
          <legend>{t("funnel.window")}</legend>
          <input name="window" type="number" min={1} max={129600} required aria-label={t("funnel.window")} value={windowAmount} onChange={(e) => setWindowAmount(e.target.value)} />
          <select name="window-unit" aria-label={t("funnel.window")} value={windowUnit} onChange={(e) => setWindowUnit(e.target.value)}>
            <option value="m">{t("unit.m")}</option>
            <option value="h">{t("unit.h")}</option>
            <option value="d">{t("unit.d")}</option>
          </select>
        </fieldset>
        <label className="field">
          <span>{t("funnel.mode")}</span>
          <select name="mode" value={mode} onChange={(e) => setMode(e.target.value as FunnelMode)}>
            {FUNNEL_MODE_OPTIONS.map((option) => (
              <option key={option} value={option}>
                {t(`funnel.mode.${option}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t("funnel.breakdown")}</span>
          <select name="breakdown" value={breakdown} onChange={(e) => setBreakdown(e.target.value as FunnelBreakdown | "")}>
            <option value="">{t("funnel.breakdown.none")}</option>
            {BREAKDOWN_OPTIONS.map((option) => (
              <option key={option} value={option}>
                {t(`funnel.breakdown.${option}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={!valid}>
          {t("funnel.run")}
        </button>
      </div>
      {steps.length < MIN_FUNNEL_STEPS && <p className="hint">{t("funnel.needTwoSteps")}</p>}
    </form>
  );
}
