import { MAX_PROPERTY_NAME_LENGTH } from "./events.js";

export const FUNNEL_MODES = ["ordered", "strict", "any"] as const;
export type FunnelMode = (typeof FUNNEL_MODES)[number];

export const FUNNEL_BREAKDOWNS = ["channel", "campaign", "source", "botId"] as const;
export type FunnelBreakdown = (typeof FUNNEL_BREAKDOWNS)[number];

/** `breakdown=properties.plan`: a breakdown by any event property (its name after the prefix, 1..128 characters). */
export const PROPERTY_BREAKDOWN_PREFIX = "properties.";
export type PropertyBreakdown = `properties.${string}`;
export const isPropertyBreakdown = (text: string): text is PropertyBreakdown =>
  text.startsWith(PROPERTY_BREAKDOWN_PREFIX) && text.length > PROPERTY_BREAKDOWN_PREFIX.length && text.length <= PROPERTY_BREAKDOWN_PREFIX.length + MAX_PROPERTY_NAME_LENGTH;
/** Property breakdowns in one funnel. */
export const MAX_PROPERTY_BREAKDOWNS = 2;
/** Where a property breakdown's value comes from: the user's first event with it, or the event of step k. */
export const FUNNEL_BREAKDOWN_ATTRIBUTION_PATTERN_SOURCE = "^(first_touch|step:[1-9][0-9]?)$";
/** Groups shown before the rest are summed into one `other` group. */
export const DEFAULT_FUNNEL_BREAKDOWN_LIMIT = 25;

export const MIN_FUNNEL_STEPS = 2;
export const MAX_FUNNEL_STEPS = 20;
export const MAX_STEP_FILTERS = 8;
/** A step filter's value, compared as text. */
export const MAX_STEP_FILTER_VALUE_LENGTH = 1024;
/** The largest `breakdownLimit`: groups beyond it (by users at step 1) are summed into one `other` group. */
export const MAX_FUNNEL_BREAKDOWN_GROUPS = 100;
/** `bins` of time to convert: 1 to this many equal-width bins per step. */
export const MAX_FUNNEL_BINS = 50;
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
 * Property filter operators. `=` / `!=` compare the property's text; `>`, `>=`, `<`, `<=` its number (see
 * propertyNumber); `~` contains, case-insensitively; `?` is set, `!?` is not set (those two take no value).
 */
export const STEP_FILTER_OPS = ["=", "!=", ">", ">=", "<", "<=", "~", "?", "!?"] as const;
export type StepFilterOp = (typeof STEP_FILTER_OPS)[number];
export const NUMERIC_FILTER_OPS: readonly StepFilterOp[] = [">", ">=", "<", "<="];
export const PRESENCE_FILTER_OPS: readonly StepFilterOp[] = ["?", "!?"];
/** Alternatives of one any-of step (`lead|order`). */
export const MAX_STEP_ALTERNATIVES = 5;

/**
 * A number as property text: optional sign, digits with an optional point (or a point and digits), optional
 * exponent. The engine checks the same pattern (RE2) before it parses, so both sides agree on what is a number.
 */
export const PROPERTY_NUMBER_PATTERN_SOURCE = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$";
const PROPERTY_NUMBER_PATTERN = new RegExp(PROPERTY_NUMBER_PATTERN_SOURCE);

/**
 * The number a property's text stands for, or null: text that is not PROPERTY_NUMBER_PATTERN, or whose value
 * is beyond a double's range (`1e400`), is not a number (and never matches a numeric comparison).
 */
export function propertyNumber(text: string): number | null {
  if (!PROPERTY_NUMBER_PATTERN.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** One filter as written: `value` is "" for `?` and `!?`. */
export interface StepFilterText {
  property: string;
  op: StepFilterOp;
  value: string;
}

/** One alternative of a step: an event type and filters that must all hold. */
export interface StepAlternativeText {
  type: string;
  filters: StepFilterText[];
}

/**
 * A step as written: one alternative (`order[plan=pro]`) or several (`lead|order[amount>100]`): an event
 * matches the step when it matches any of them. Values are text: a JSON step's numbers, booleans and null
 * become their JSON text (`n=1`, `vip=true`).
 */
export interface StepText {
  anyOf: StepAlternativeText[];
  /** A per-step window (`lead<=1h`): at most this long after the previous step; a window text (`30m`, `12h`, `7d`). */
  within?: string;
  /** An optional step (`?subscribed`, JSON `"optional": true`): a user may skip it. Absent when required. */
  optional?: true;
}

export const STEP_JSON_MESSAGE =
  'must be {"type": "...", "filters": {"key": "value"} or [{"property": "...", "op": ">", "value": "..."}]} or {"anyOf": [step, ...]}';
export const STEP_BRACKET_MESSAGE =
  "must be an event type optionally followed by filters such as [plan=pro], [amount>100] or [utm?], or several such joined by |, e.g. lead|order[plan=pro]";
const FILTER_MESSAGE = "must be [property<op>value] with op =, !=, >, >=, <, <= or ~, or [property?] / [property!?]";
const BRACKET_ALTERNATIVE = /^([^[\]|]+)((?:\[[^\]]*\])*)$/;
const BRACKET_FILTER = /\[[^\]]*\]/g;
/** Characters that start an operator: a property written in brackets cannot contain them. */
const OPERATOR_START = /[=!<>~?]/;
/** Longest first, so `>=` is not read as `>` followed by a value `=…`. */
const OPS_BY_LENGTH = [...STEP_FILTER_OPS].sort((a, b) => b.length - a.length);

type Parsed<T> = { ok: T } | { error: string };

/**
 * Reads one `steps` value in either spelling; the types, counts and lengths are the schema's to judge
 * (schemas' parseFunnelStep), this is the syntax only:
 * - a leading `?` (`?subscribed`, `?lead|order<=1h`; JSON `"optional":true`) makes the step optional;
 * - a trailing `<=1h` (`lead<=1h`, `lead|order<=30m`; JSON `"within":"1h"`) is a per-step window;
 * - `lead`, `order[plan=pro][amount>=100]`, `button_clicked[text~цена]`, `lead[utm?]`, `lead[utm!?]`,
 *   `lead|order[plan=pro]` — a filter is split at its first operator character (= ! < > ~ ?), so a property
 *   written in brackets cannot contain one, and a value cannot contain `]`; alternatives are split at `|`
 *   outside brackets;
 * - `{"type":"order","filters":{"plan":"pro"}}` (equality), `{"type":"order","filters":[{"property":"amount",
 *   "op":">","value":"100"}]}` and `{"anyOf":[step, step]}` — JSON, for names and values with any characters.
 * A numeric comparison's value must be a number (propertyNumber). Property names are kept as given:
 * `__proto__`, `constructor` or `toString` are ordinary filters.
 */
export function parseStepText(text: string): { step: StepText } | { error: string } {
  // A leading `?` marks the whole step optional (`?lead|order`): a type cannot start with it.
  const optional = !text.trimStart().startsWith("{") && text.startsWith("?");
  const body = optional ? text.slice(1) : text;
  const parsed = body.trimStart().startsWith("{") ? parseJsonStep(body) : parseBracketStep(body);
  if ("error" in parsed) return parsed;
  if (optional && parsed.ok.optional) return { error: "is marked optional twice" };
  return { step: optional ? { ...parsed.ok, optional: true } : parsed.ok };
}

/** Splits at `|` outside brackets. */
function splitAlternatives(text: string): string[] {
  const parts: string[] = [];
  // Not a depth: a value may hold `[` (`[a=x[y]`), and the first `]` closes the filter.
  let inside = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "[") inside = true;
    else if (text[i] === "]") inside = false;
    else if (text[i] === "|" && !inside) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

function parseBracketStep(full: string): Parsed<StepText> {
  // A trailing `<=1h` outside the brackets (a type cannot hold `<`, and `[a<=1]` ends before it).
  const at = full.lastIndexOf("<=");
  const within = at > full.lastIndexOf("]") && at >= 0 ? full.slice(at + 2) : undefined;
  if (within !== undefined && !FUNNEL_WINDOW_PATTERN.test(within)) return { error: `per-step window '<=${within}' ${FUNNEL_WINDOW_MESSAGE}` };
  const text = within === undefined ? full : full.slice(0, at);
  const anyOf: StepAlternativeText[] = [];
  for (const part of splitAlternatives(text)) {
    const alternative = parseBracketAlternative(part);
    if ("error" in alternative) return alternative;
    anyOf.push(alternative.ok);
  }
  return { ok: within === undefined ? { anyOf } : { anyOf, within } };
}

function parseBracketAlternative(text: string): Parsed<StepAlternativeText> {
  const match = BRACKET_ALTERNATIVE.exec(text);
  if (!match) return { error: STEP_BRACKET_MESSAGE };
  const filters: StepFilterText[] = [];
  // A Set, not `key in {}`: property names such as toString or constructor are ordinary filters.
  const seen = new Set<string>();
  for (const part of (match[2] ?? "").match(BRACKET_FILTER) ?? []) {
    const filter = parseBracketFilter(part);
    if ("error" in filter) return filter;
    const { property, op } = filter.ok;
    const id = `${op}\u0000${property}`;
    if (seen.has(id)) return { error: op === "=" ? `filter property '${property}' is given twice` : `filter property '${property}' is given twice with ${op}` };
    seen.add(id);
    filters.push(filter.ok);
  }
  return { ok: { type: match[1]!, filters } };
}

function parseBracketFilter(part: string): Parsed<StepFilterText> {
  const body = part.slice(1, -1);
  const at = body.search(OPERATOR_START);
  if (at <= 0) return { error: `filter '${part}' ${FILTER_MESSAGE}` };
  const op = OPS_BY_LENGTH.find((candidate) => body.startsWith(candidate, at));
  if (op === undefined) return { error: `filter '${part}' has an unknown operator: ${FILTER_MESSAGE}` };
  return checkFilter(part, { property: body.slice(0, at), op, value: body.slice(at + op.length) });
}

/** What the operator asks of the value: none for presence, a number for comparisons. */
function checkFilter(written: string, filter: StepFilterText): Parsed<StepFilterText> {
  if (PRESENCE_FILTER_OPS.includes(filter.op) && filter.value !== "") return { error: `filter '${written}': ${filter.op} takes no value` };
  if (NUMERIC_FILTER_OPS.includes(filter.op) && propertyNumber(filter.value) === null) {
    return { error: `filter '${written}': the value of ${filter.op} must be a number such as 100, -2.5 or 1e3` };
  }
  return { ok: filter };
}

function parseJsonStep(text: string): Parsed<StepText> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: "is not valid JSON" };
  }
  // `optional` and `within` sit beside the type (or the anyOf): taken off first, the rest read as before.
  let optional = false;
  if (isPlainObject(json) && Object.hasOwn(json, "optional")) {
    const value = json["optional"];
    if (typeof value !== "boolean") return { error: "optional must be true or false" };
    optional = value;
    json = Object.fromEntries(Object.entries(json).filter(([key]) => key !== "optional"));
  }
  let within: string | undefined;
  if (isPlainObject(json) && Object.hasOwn(json, "within")) {
    const value = json["within"];
    if (typeof value !== "string" || !FUNNEL_WINDOW_PATTERN.test(value)) return { error: `within ${FUNNEL_WINDOW_MESSAGE}` };
    within = value;
    json = Object.fromEntries(Object.entries(json).filter(([key]) => key !== "within"));
  }
  const withWithin = (anyOf: StepAlternativeText[]): StepText => ({ anyOf, ...(within === undefined ? {} : { within }), ...(optional ? { optional: true as const } : {}) });
  if (isPlainObject(json) && Object.hasOwn(json, "anyOf")) {
    const list = json["anyOf"];
    if (Object.keys(json).length !== 1 || !Array.isArray(list)) return { error: STEP_JSON_MESSAGE };
    const anyOf: StepAlternativeText[] = [];
    for (const item of list as unknown[]) {
      const alternative = parseJsonAlternative(item);
      if ("error" in alternative) return alternative;
      anyOf.push(alternative.ok);
    }
    return { ok: withWithin(anyOf) };
  }
  const alternative = parseJsonAlternative(json);
  return "error" in alternative ? alternative : { ok: withWithin([alternative.ok]) };
}

function parseJsonAlternative(json: unknown): Parsed<StepAlternativeText> {
  if (!isPlainObject(json) || Object.keys(json).some((key) => key !== "type" && key !== "filters") || typeof json["type"] !== "string") {
    return { error: STEP_JSON_MESSAGE };
  }
  const raw = Object.hasOwn(json, "filters") ? json["filters"] : {};
  // An object of property: value; a list of [property, value] pairs is read the same way (the API always
  // took both), and a list may hold {property, op, value} objects. JSON.parse makes every key an own
  // property, `__proto__` included: Object.entries sees them all.
  const entries = isPlainObject(raw) ? Object.entries(raw) : Array.isArray(raw) ? raw : null;
  if (entries === null) return { error: STEP_JSON_MESSAGE };
  // A Map: a filter given twice keeps its first place and its last value, as an object would.
  const filters = new Map<string, StepFilterText>();
  for (const entry of entries as unknown[]) {
    const filter = Array.isArray(entry) ? jsonPair(entry) : jsonFilterObject(entry);
    if ("error" in filter) return filter;
    filters.set(`${filter.ok.op}\u0000${filter.ok.property}`, filter.ok);
  }
  return { ok: { type: json["type"], filters: [...filters.values()] } };
}

function jsonPair(entry: unknown[]): Parsed<StepFilterText> {
  if (entry.length !== 2) return { error: STEP_JSON_MESSAGE };
  const [property, value] = entry as [unknown, unknown];
  const text = jsonValueText(value);
  if (!isPropertyName(property) || text === null) return { error: STEP_JSON_MESSAGE };
  return { ok: { property, op: "=", value: text } };
}

function jsonFilterObject(entry: unknown): Parsed<StepFilterText> {
  if (!isPlainObject(entry) || Object.keys(entry).some((key) => key !== "property" && key !== "op" && key !== "value")) return { error: STEP_JSON_MESSAGE };
  const { property, op } = entry;
  if (!isPropertyName(property)) return { error: STEP_JSON_MESSAGE };
  if (typeof op !== "string" || !(STEP_FILTER_OPS as readonly string[]).includes(op)) {
    return { error: `filter on '${property}' has an unknown operator ${JSON.stringify(op)}: op must be one of ${STEP_FILTER_OPS.join(" ")}` };
  }
  const presence = PRESENCE_FILTER_OPS.includes(op as StepFilterOp);
  if (presence && Object.hasOwn(entry, "value")) return { error: `filter on '${property}': ${op} takes no value` };
  const text = presence ? "" : jsonValueText(entry["value"]);
  if (text === null) return { error: STEP_JSON_MESSAGE };
  return checkFilter(`${property} ${op}`, { property, op: op as StepFilterOp, value: text });
}

const isPropertyName = (key: unknown): key is string => typeof key === "string" && key.length > 0 && key.length <= MAX_PROPERTY_NAME_LENGTH;

/** A JSON value as filter text; 1e400 parses as Infinity, which has no JSON text of its own: refused, not read as "null". */
function jsonValueText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean" || value === null) return JSON.stringify(value);
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Writes a step the way parseStepText reads it back: brackets (`order[plan=pro]|lead[amount>100]`) when they
 * can hold it, JSON when a name has a bracket, `|` or an operator character, or a value a bracket.
 */
export function formatStepText(step: StepText): string {
  const awkward = step.anyOf.some((alternative) =>
    alternative.filters.some(({ property, value }) => /[[\]|]/.test(property) || OPERATOR_START.test(property) || /[[\]]/.test(value)),
  );
  const within = step.within === undefined ? "" : `<=${step.within}`;
  const optional = step.optional === true ? "?" : "";
  if (!awkward) return optional + step.anyOf.map((a) => a.type + a.filters.map((f) => `[${f.property}${f.op}${f.value}]`).join("")).join("|") + within;
  const json = step.anyOf.map(jsonAlternative);
  const withWithin = { ...(step.within === undefined ? {} : { within: step.within }), ...(step.optional === true ? { optional: true } : {}) };
  return JSON.stringify(json.length === 1 ? { ...json[0], ...withWithin } : { anyOf: json, ...withWithin });
}

function jsonAlternative(alternative: StepAlternativeText): { type: string; filters: unknown } {
  // Equality only: [property, value] pairs, which every version of the API reads, in the order written.
  if (alternative.filters.every((f) => f.op === "=")) return { type: alternative.type, filters: alternative.filters.map((f) => [f.property, f.value]) };
  return {
    type: alternative.type,
    filters: alternative.filters.map((f) => (PRESENCE_FILTER_OPS.includes(f.op) ? { property: f.property, op: f.op } : { property: f.property, op: f.op, value: f.value })),
  };
}
