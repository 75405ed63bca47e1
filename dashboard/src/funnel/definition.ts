import type { FunnelBreakdown, FunnelMode } from "@chatfunnel/schemas";
import type { FunnelDefinition } from "../api/queries.js";
import { DEFAULT_FUNNEL_WINDOW, MAX_FUNNEL_STEPS, MAX_STEP_FILTERS } from "./limits.js";

export const FUNNEL_MODE_OPTIONS = ["ordered", "strict", "any"] as const satisfies readonly FunnelMode[];
export const BREAKDOWN_OPTIONS = ["channel", "campaign", "source", "botId"] as const satisfies readonly FunnelBreakdown[];
export const DEFAULT_STEPS = ["bot_started", "message_received", "lead", "order"];

/** A step being edited: property filters as ordered pairs so the form keeps their order. */
export interface DraftStep {
  type: string;
  filters: Array<{ key: string; value: string }>;
}

/** `button_clicked[plan=pro]`, or JSON when a key or value holds a bracket or `=` cannot split it. */
export function stepToText(step: DraftStep): string {
  const filters = step.filters.filter((f) => f.key.trim() !== "");
  const awkward = filters.some((f) => /[[\]]/.test(f.key) || f.key.includes("=") || /[[\]]/.test(f.value));
  if (awkward) return JSON.stringify({ type: step.type.trim(), filters: Object.fromEntries(filters.map((f) => [f.key, f.value])) });
  return step.type.trim() + filters.map((f) => `[${f.key}=${f.value}]`).join("");
}

/** The inverse of stepToText (the API's two spellings); null for text that is neither. */
export function textToStep(text: string): DraftStep | null {
  if (text.trimStart().startsWith("{")) {
    try {
      const json: unknown = JSON.parse(text);
      if (!json || typeof json !== "object" || !("type" in json) || typeof json.type !== "string") return null;
      const raw = "filters" in json && json.filters && typeof json.filters === "object" ? (json.filters as Record<string, unknown>) : {};
      return { type: json.type, filters: Object.entries(raw).map(([key, value]) => ({ key, value: typeof value === "string" ? value : JSON.stringify(value) })) };
    } catch {
      return null;
    }
  }
  const match = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(text);
  if (!match) return null;
  const filters = (match[2]?.match(/\[[^\]]*\]/g) ?? []).map((part) => {
    const body = part.slice(1, -1);
    const eq = body.indexOf("=");
    return eq <= 0 ? null : { key: body.slice(0, eq), value: body.slice(eq + 1) };
  });
  if (filters.some((f) => f === null)) return null;
  return { type: match[1]!, filters: filters as DraftStep["filters"] };
}

const WINDOW = /^[1-9][0-9]{0,5}[mhd]$/;

/** The funnel of the URL (`steps`, `window`, `mode`, `breakdown`), defaults for whatever is missing or malformed. */
export function parseFunnelParams(params: URLSearchParams): FunnelDefinition {
  const texts = params.getAll("steps").filter((text) => textToStep(text) !== null).slice(0, MAX_FUNNEL_STEPS);
  const windowParam = params.get("window") ?? "";
  const mode = params.get("mode");
  const breakdown = params.get("breakdown");
  return {
    steps: texts.length >= 2 ? texts : DEFAULT_STEPS,
    window: WINDOW.test(windowParam) ? windowParam : DEFAULT_FUNNEL_WINDOW,
    mode: (FUNNEL_MODE_OPTIONS as readonly string[]).includes(mode ?? "") ? (mode as FunnelMode) : "ordered",
    breakdown: (BREAKDOWN_OPTIONS as readonly string[]).includes(breakdown ?? "") ? (breakdown as FunnelBreakdown) : null,
  };
}

export function writeFunnelParams(params: URLSearchParams, definition: FunnelDefinition): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const name of ["steps", "window", "mode", "breakdown", "dropoff"]) next.delete(name);
  for (const step of definition.steps) next.append("steps", step);
  next.set("window", definition.window);
  next.set("mode", definition.mode);
  if (definition.breakdown) next.set("breakdown", definition.breakdown);
  return next;
}

export function canAddFilter(step: DraftStep): boolean {
  return step.filters.length < MAX_STEP_FILTERS;
}
