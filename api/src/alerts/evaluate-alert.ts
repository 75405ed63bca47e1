import type { Storage } from "@chatfunnel/core";
import { ALERT_OVERVIEW_METRICS, SavedFunnelDefinitionSchema, alertFunnelId, type AlertCondition, type AlertOverviewMetric, type OverviewFigures } from "@chatfunnel/schemas";
import { findSavedFunnel, type AlertRecord, type ResolvedFilters } from "@chatfunnel/warehouse";
import { InvalidParameterError } from "../http/params.js";
import { funnel } from "../metrics/funnel/funnel.js";
import { overview } from "../metrics/overview.js";
import { savedFunnelDefinition } from "../saved-funnels/definition.js";
import type { AlertPeriods } from "./periods.js";

/** A figure of one period: a number (money in `currency`), or null when the period has none. */
export interface Figure {
  value: number | null;
  currency: string | null;
}

/** What an evaluation found, before anything is sent. */
export interface AlertEvaluation {
  value: number | null;
  previousValue: number | null;
  changePct: number | null;
  currency: string | null;
  fired: boolean;
  reason: string;
  /** The saved funnel's name, for the message; undefined for an overview figure. */
  funnelName?: string;
}

const MONEY_METRICS: ReadonlySet<AlertOverviewMetric> = new Set(["revenue", "spend", "cpl", "cpo"]);

/** One overview figure as a number: money as its amount (its currency beside), rates as fractions. */
export function overviewFigure(figures: OverviewFigures, metric: AlertOverviewMetric): Figure {
  const figure = figures[metric];
  // Money figures share the period's reported currency, also when a ratio has no value (no leads).
  const currency = MONEY_METRICS.has(metric) ? figures.spend.currency : null;
  if (figure === null) return { value: null, currency };
  return typeof figure === "number" ? { value: figure, currency } : { value: figure.amount, currency: figure.currency };
}

/**
 * (value − previous) × 100 / previous, rounded to 1e-6 percent so that a change of exactly the threshold (10 → 8
 * is −20 %) compares as exactly it; null when either is missing or previous is 0 (no percentage of nothing).
 */
export function changePct(value: number | null, previous: number | null): number | null {
  if (value === null || previous === null || previous === 0) return null;
  return Math.round(((value - previous) * 100 * 1e6) / previous) / 1e6;
}

const show = (value: number) => String(Math.round(value * 1e6) / 1e6);

/**
 * The condition's decision. Thresholds are strict: `below 10` fires at 9.99, not at 10; `above 10` at 10.01, not
 * at 10. The % ops fire on reaching the threshold: `drops_by_pct 20` fires at a change of −20 % exactly (a drop
 * "by 20 %" happened), `rises_by_pct 20` at +20 %. A previous period of 0 has no % change: a % op does not fire.
 */
export function decide(condition: AlertCondition, value: number | null, previous: number | null): { fired: boolean; changePct: number | null; reason: string } {
  const change = changePct(value, previous);
  if (value === null) return { fired: false, changePct: change, reason: "the period has no value (its denominator is 0)" };
  switch (condition.op) {
    case "below":
      return { fired: value < condition.value, changePct: change, reason: `${show(value)} is ${value < condition.value ? "" : "not "}below ${show(condition.value)}` };
    case "above":
      return { fired: value > condition.value, changePct: change, reason: `${show(value)} is ${value > condition.value ? "" : "not "}above ${show(condition.value)}` };
    case "drops_by_pct":
    case "rises_by_pct": {
      if (previous === null) return { fired: false, changePct: null, reason: "the previous period has no value (its denominator is 0): no % change" };
      if (previous === 0) return { fired: false, changePct: null, reason: "the previous period is 0: no % change" };
      const fired = condition.op === "drops_by_pct" ? change! <= -condition.value : change! >= condition.value;
      const verb = condition.op === "drops_by_pct" ? "a drop" : "a rise";
      return { fired, changePct: change, reason: `${show(previous)} → ${show(value)} is a change of ${show(change!)} %, ${fired ? "" : "not "}${verb} of at least ${show(condition.value)} %` };
    }
  }
}

const filtersFor = (alert: AlertRecord, fromMs: number, toMs: number, tz: string, currency: string | undefined): ResolvedFilters => ({
  projectId: alert.projectId,
  fromMs,
  toMs,
  tz,
  channels: alert.filters.channel,
  botId: alert.filters.botId,
  campaign: alert.filters.campaign,
  currency,
});

async function overviewFigures(storage: Storage, alert: AlertRecord, metric: AlertOverviewMetric, periods: AlertPeriods, tz: string): Promise<[Figure, Figure]> {
  const answer = await overview(storage, filtersFor(alert, periods.startMs, periods.endMs, tz, alert.filters.currency));
  const current = overviewFigure(answer.current, metric);
  // The overview's own previous period is the one of equal length; a day across a DST change is 23 or 25 hours
  // long, and its previous calendar day is not, so that one is read on its own, in the same currency.
  if (answer.previous && periods.endMs - periods.startMs === periods.startMs - periods.previousStartMs) return [current, overviewFigure(answer.previous, metric)];
  const before = await overview(storage, filtersFor(alert, periods.previousStartMs, periods.startMs, tz, answer.current.spend.currency));
  return [current, overviewFigure(before.current, metric)];
}

/** Conversion from the first step to the last of the users who entered the funnel in [fromMs, toMs). */
async function funnelConversion(storage: Storage, filters: ResolvedFilters, definition: ReturnType<typeof savedFunnelDefinition>): Promise<Figure> {
  const answer = await funnel(storage, filters, definition);
  return { value: answer.steps.at(-1)?.conversionFromFirst ?? null, currency: null };
}

/** Evaluates an alert on the period and the one before it; reads only, sends nothing. */
export async function evaluateAlert(storage: Storage, alert: AlertRecord, periods: AlertPeriods, tz: string): Promise<AlertEvaluation> {
  const funnelId = alertFunnelId(alert.metric);
  if (funnelId === undefined) {
    if (!(ALERT_OVERVIEW_METRICS as readonly string[]).includes(alert.metric)) throw new Error(`alert ${alert.id} has an unknown metric ${alert.metric}`);
    const [current, previous] = await overviewFigures(storage, alert, alert.metric as AlertOverviewMetric, periods, tz);
    return { value: current.value, previousValue: previous.value, currency: current.currency, ...decide(alert.condition, current.value, previous.value) };
  }
  const saved = await findSavedFunnel(storage, alert.projectId, funnelId);
  const missing = (reason: string): AlertEvaluation => ({ value: null, previousValue: null, changePct: null, currency: null, fired: false, reason });
  if (!saved) return missing(`the saved funnel ${funnelId} no longer exists`);
  const stored = SavedFunnelDefinitionSchema.safeParse(JSON.parse(saved.definition));
  if (!stored.success) return missing(`the saved funnel ${funnelId} no longer has a valid definition`);
  let full: ReturnType<typeof savedFunnelDefinition>;
  try {
    full = savedFunnelDefinition(stored.data);
  } catch (error) {
    if (error instanceof InvalidParameterError) return missing(`the saved funnel ${funnelId} no longer has a valid definition: ${error.message}`);
    throw error;
  }
  // Conversion first → last of all users: a saved breakdown or histogram is the page's, not the alert's.
  const definition = { steps: full.steps, window: full.window, mode: full.mode, breakdown: [], ...(full.exclusions ? { exclusions: full.exclusions } : {}) };
  const current = await funnelConversion(storage, filtersFor(alert, periods.startMs, periods.endMs, tz, undefined), definition);
  const previous = await funnelConversion(storage, filtersFor(alert, periods.previousStartMs, periods.startMs, tz, undefined), definition);
  return { value: current.value, previousValue: previous.value, currency: null, funnelName: saved.name, ...decide(alert.condition, current.value, previous.value) };
}
