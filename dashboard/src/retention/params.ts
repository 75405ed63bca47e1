import { isEventType } from "@chatfunnel/contract";
import type { Interval, RetentionBreakdown, RetentionCohort } from "@chatfunnel/schemas";
import { DEFAULT_RETENTION_PERIODS, DEFAULT_RETENTION_INTERVAL, INTERVALS, MAX_RETENTION_PERIODS, RETENTION_BREAKDOWNS, RETENTION_COHORTS, RETURN_ANY } from "./limits.js";


/** What the retention query asks, as the API spells it. */
export interface RetentionParams {
  interval: Interval;
  periods: number;
  cohort: RetentionCohort;
  /** `any`, or the event type that counts as a return. */
  return: string;
  breakdown: RetentionBreakdown | null;
}

/** How the triangle's cells read: the retained share or the retained users (both always in the cell's label). */
export type CellValue = "share" | "users";

/** The cell whose users are listed: a cohort row (its start and, with a breakdown, its group) and a period. */
export interface SelectedCell {
  cohortStart: string;
  /** null: the users without a value of the breakdown; undefined: no breakdown. */
  group?: string | null;
  period: number;
}

/** Everything the page lets a reader choose, beside the global filters. */
export interface RetentionView {
  params: RetentionParams;
  show: CellValue;
  cell: SelectedCell | null;
  /** The period LTV is compared with CAC at; null: the page's default for the answer (group-figures.ts). */
  ltvPeriod: number | null;
  /**
   * With a breakdown, the one group whose cohorts the triangle lists (null: the users without a value); undefined:
   * every group. A day-by-day triangle of a hundred campaigns is thousands of rows.
   */
  rowsGroup?: string | null;
}

/** URL parameter names the page owns (the global filters are the filter bar's). */
export const RETENTION_URL_PARAMS = ["interval", "periods", "cohort", "return", "breakdown", "show", "cell", "cellGroup", "ltv", "rowsGroup"] as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const oneOf = <T extends string>(options: readonly T[], value: string | null, fallback: T): T => ((options as readonly (string | null)[]).includes(value) ? (value as T) : fallback);

/**
 * The view of the URL; anything missing or malformed falls back to the API's default, so a hand-edited link
 * shows the default view rather than a 400. `cell=<cohort start>:<period>`, and with a breakdown `cellGroup`
 * (present and empty: the users without a value, as the API's `group=` means).
 */
export function parseRetentionView(params: URLSearchParams): RetentionView {
  const periodsText = params.get("periods") ?? "";
  const periods = /^\d{1,2}$/.test(periodsText) ? Number(periodsText) : NaN;
  const returnText = params.get("return") ?? "";
  const breakdown = oneOf<RetentionBreakdown | "">(RETENTION_BREAKDOWNS, params.get("breakdown"), "");
  const query: RetentionParams = {
    interval: oneOf<Interval>(INTERVALS, params.get("interval"), DEFAULT_RETENTION_INTERVAL),
    periods: periods >= 1 && periods <= MAX_RETENTION_PERIODS ? periods : DEFAULT_RETENTION_PERIODS,
    cohort: oneOf<RetentionCohort>(RETENTION_COHORTS, params.get("cohort"), "first_seen"),
    return: isEventType(returnText) ? returnText : RETURN_ANY,
    breakdown: breakdown === "" ? null : breakdown,
  };
  const ltvText = params.get("ltv") ?? "";
  const ltvPeriod = /^\d{1,2}$/.test(ltvText) && Number(ltvText) < query.periods ? Number(ltvText) : null;
  const view: RetentionView = { params: query, show: params.get("show") === "users" ? "users" : "share", cell: parseCell(params, query), ltvPeriod };
  const rowsGroup = params.get("rowsGroup");
  if (query.breakdown !== null && rowsGroup !== null) view.rowsGroup = rowsGroup === "" ? null : rowsGroup;
  return view;
}

function parseCell(params: URLSearchParams, query: RetentionParams): SelectedCell | null {
  const match = /^(\d{4}-\d{2}-\d{2}):(\d{1,2})$/.exec(params.get("cell") ?? "");
  if (!match || !DATE.test(match[1]!) || Number.isNaN(Date.parse(`${match[1]}T00:00:00Z`))) return null;
  const period = Number(match[2]);
  if (period >= query.periods) return null;
  if (query.breakdown === null) return { cohortStart: match[1]!, period };
  const group = params.get("cellGroup");
  return { cohortStart: match[1]!, period, group: group === "" ? null : group };
}

/**
 * Writes the view into the query string, keeping the global filters. Defaults are written too: a copied link keeps
 * its view even if a default changes later.
 */
export function writeRetentionView(params: URLSearchParams, view: RetentionView): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const name of RETENTION_URL_PARAMS) next.delete(name);
  next.set("interval", view.params.interval);
  next.set("periods", String(view.params.periods));
  next.set("cohort", view.params.cohort);
  next.set("return", view.params.return);
  if (view.params.breakdown) next.set("breakdown", view.params.breakdown);
  next.set("show", view.show);
  if (view.cell) {
    next.set("cell", `${view.cell.cohortStart}:${view.cell.period}`);
    if (view.params.breakdown && view.cell.group !== undefined) next.set("cellGroup", view.cell.group ?? "");
  }
  if (view.ltvPeriod !== null) next.set("ltv", String(view.ltvPeriod));
  if (view.params.breakdown && view.rowsGroup !== undefined) next.set("rowsGroup", view.rowsGroup ?? "");
  return next;
}

/** The same cell (a cohort row's start and group, and a period)? */
export function sameCell(a: SelectedCell | null, b: SelectedCell): boolean {
  return a !== null && a.cohortStart === b.cohortStart && a.period === b.period && (a.group ?? null) === (b.group ?? null);
}
