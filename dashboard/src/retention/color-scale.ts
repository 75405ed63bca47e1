import type { RetentionCohortRow } from "@chatfunnel/schemas";

/** The lightest and the strongest cell: the dashboard's accent (the first chart colour) on a white card. */
const LIGHT: Rgb = [243, 246, 255];
const STRONG: Rgb = [58, 111, 247];
type Rgb = readonly [number, number, number];

/** Above this intensity a cell's text turns white: dark ink on the accent blue fails contrast. */
export const WHITE_TEXT_FROM = 0.55;

/**
 * The share the strongest colour stands for: the largest observed share of the table, leaving out period 0 when
 * any user event returns a user (it is nearly the whole cohort — all but users first seen through a bot's message
 * or a broadcast delivery with nothing of their own that bucket — and would wash every later period out to the
 * palest shade). Later periods of a bot are typically 5–30 %, and the reader compares those.
 */
export function scaleMaximum(cohorts: readonly Pick<RetentionCohortRow, "cells">[], returnAny: boolean): number {
  let max = 0;
  for (const row of cohorts) for (const cell of row.cells) if (cell.share !== null && !(returnAny && cell.period === 0)) max = Math.max(max, cell.share);
  return max > 0 ? max : 1;
}

/** Where a share sits on the scale, 0 (none retained) to 1 (the maximum or above). */
export function intensity(share: number, maximum: number): number {
  if (!(maximum > 0)) return 0;
  return Math.min(1, Math.max(0, share / maximum));
}

const channel = (from: number, to: number, t: number) => Math.round(from + (to - from) * t);

/** A cell's colours: the background mixed from the light to the strong shade, the text readable on it. */
export function cellColours(share: number, maximum: number): { background: string; color: string } {
  const t = intensity(share, maximum);
  const [r, g, b] = LIGHT.map((from, i) => channel(from, STRONG[i]!, t));
  return { background: `rgb(${r}, ${g}, ${b})`, color: t >= WHITE_TEXT_FROM ? "#fff" : "#1c2233" };
}
