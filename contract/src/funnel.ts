import { MAX_PROPERTY_NAME_LENGTH } from "./events.js";

export const FUNNEL_MODES = ["ordered", "strict", "any"] as const;
export type FunnelMode = (typeof FUNNEL_MODES)[number];

export const FUNNEL_BREAKDOWNS = ["channel", "campaign", "source", "botId"] as const;
export type FunnelBreakdown = (typeof FUNNEL_BREAKDOWNS)[number];

export const MIN_FUNNEL_STEPS = 2;
export const MAX_FUNNEL_STEPS = 20;
export const MAX_STEP_FILTERS = 8;
/** A step filter's value, compared as text. */
export const MAX_STEP_FILTER_VALUE_LENGTH = 1024;
/** Breakdown groups beyond this many (by users at step 1) are left out and the answer says so. */
export const MAX_FUNNEL_BREAKDOWN_GROUPS = 100;
export const DEFAULT_DROPOFF_LIMIT = 1000;
export const MAX_DROPOFF_LIMIT = 10_000;

/** The conversion window: `30m`, `12h`, `7d` … at most 90 days. */
export const DEFAULT_FUNNEL_WINDOW = "7d";
export const MAX_FUNNEL_WINDOW_SECONDS = 90 * 86_400;
/** The same window grammar for conversions after a broadcast's delivery and after a survey answer. */
export const DEFAULT_BROADCAST_WINDOW = "3d";
export const DEFAULT_SURVEY_WINDOW = "7d";
export const FUNNEL_WINDOW_PATTERN_SOURCE = "^[1-9][0-9]{0,5}[mhd]$";
export const FUNNEL_WINDOW_PATTERN = new RegExp(FUNNEL_WINDOW_PATTERN_SOURCE);
export const FUNNEL_WINDOW_MESSAGE = "must be a number with a unit m, h or d, e.g. 30m, 12h, 7d";
const UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;

/** The window's seconds, or null when the text is not `<n>m|h|d` (the 90-day bound is checked apart). */
export function funnelWindowSeconds(text: string): number | null {
  if (!FUNNEL_WINDOW_PATTERN.test(text)) return null;
  return Number(text.slice(0, -1)) * UNIT_SECONDS[text.slice(-1) as keyof typeof UNIT_SECONDS];
}

/** True when the text is a window the API accepts: the grammar and at most MAX_FUNNEL_WINDOW_SECONDS. */
export function isFunnelWindow(text: string): boolean {
  const seconds = funnelWindowSeconds(text);
  return seconds !== null && seconds <= MAX_FUNNEL_WINDOW_SECONDS;
}

/**
 * A step as written: its type and its property filters as ordered [property, value] pairs. Values are text:
 * a JSON step's numbers, booleans and null become their JSON text (`n=1`, `vip=true`).
 */
export interface StepText {
  type: string;
  filters: Array<[key: string, value: string]>;
}

export const STEP_JSON_MESSAGE = 'must be {"type": "...", "filters": {"key": "value"}}';
export const STEP_BRACKET_MESSAGE = "must be an event type optionally followed by [property=value] filters, e.g. button_clicked[plan=pro]";
const BRACKET_STEP = /^([^[\]]+)((?:\[[^\]]*\])*)$/;
const BRACKET_FILTER = /\[[^\]]*\]/g;

/**
 * Reads one `steps` value in either spelling; the type and the values' lengths are the schema's to judge
 * (schemas' parseFunnelStep), this is the syntax only:
 * - `lead`, `button_clicked[plan=pro]`, `order[plan=pro][country=RU]` — filters in brackets, split at the first
 *   `=`; a value cannot contain `]`;
 * - `{"type":"button_clicked","filters":{"plan":"pro","n":1}}` — JSON, for values with any characters.
 * Property names are kept as given: `__proto__`, `constructor` or `toString` are ordinary filters.
 */
export function parseStepText(text: string): { step: StepText } | { error: string } {
  return text.trimStart().startsWith("{") ? parseJsonStep(text) : parseBracketStep(text);
}

function parseBracketStep(text: string): { step: StepText } | { error: string } {
  const match = BRACKET_STEP.exec(text);
  if (!match) return { error: STEP_BRACKET_MESSAGE };
  const filters: StepText["filters"] = [];
  // A Set, not `key in {}`: property names such as toString or constructor are ordinary filters.
  const seen = new Set<string>();
  for (const part of (match[2] ?? "").match(BRACKET_FILTER) ?? []) {
    const body = part.slice(1, -1);
    const eq = body.indexOf("=");
    if (eq <= 0) return { error: `filter '${part}' must be [property=value]` };
    const key = body.slice(0, eq);
    if (seen.has(key)) return { error: `filter property '${key}' is given twice` };
    seen.add(key);
    filters.push([key, body.slice(eq + 1)]);
  }
  return { step: { type: match[1]!, filters } };
}

function parseJsonStep(text: string): { step: StepText } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: "is not valid JSON" };
  }
  if (!isPlainObject(json) || Object.keys(json).some((key) => key !== "type" && key !== "filters") || typeof json["type"] !== "string") {
    return { error: STEP_JSON_MESSAGE };
  }
  const raw = Object.hasOwn(json, "filters") ? json["filters"] : {};
  // An object of property: value; a list of [property, value] pairs is read the same way (the API always
  // took both). JSON.parse makes every key an own property, `__proto__` included: Object.entries sees them all.
  const entries = isPlainObject(raw) ? Object.entries(raw) : Array.isArray(raw) ? raw : null;
  if (entries === null) return { error: STEP_JSON_MESSAGE };
  // A Map: a property given twice in a list keeps its first place and its last value, as an object would.
  const filters = new Map<string, string>();
  for (const entry of entries as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) return { error: STEP_JSON_MESSAGE };
    const [key, value] = entry as [unknown, unknown];
    if (typeof key !== "string" || key.length === 0 || key.length > MAX_PROPERTY_NAME_LENGTH) return { error: STEP_JSON_MESSAGE };
    // 1e400 parses as Infinity, which has no JSON text of its own: refused, not read as "null".
    if (typeof value === "string") filters.set(key, value);
    else if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean" || value === null) filters.set(key, JSON.stringify(value));
    else return { error: STEP_JSON_MESSAGE };
  }
  return { step: { type: json["type"], filters: [...filters] } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Writes a step the way parseStepText reads it back: brackets (`button_clicked[plan=pro]`) when they can hold
 * it, JSON when a name or value has a bracket or a name an `=`.
 */
export function formatStepText(step: StepText): string {
  const awkward = step.filters.some(([key, value]) => /[[\]]/.test(key) || key.includes("=") || /[[\]]/.test(value));
  if (awkward) return JSON.stringify({ type: step.type, filters: Object.fromEntries(step.filters) });
  return step.type + step.filters.map(([key, value]) => `[${key}=${value}]`).join("");
}
