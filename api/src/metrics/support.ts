import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { CSAT_RATINGS, type Interval, type SupportResponse } from "@chatfunnel/schemas";
import { choosePath, runQuery, eventScope, type FactPath, type ResolvedFilters } from "@chatfunnel/warehouse";
import { bucketLabels } from "./buckets.js";
import { ratio, round4 } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { csatSql, supportSql } from "./support/support-sql.js";

const count = z.coerce.number().int().nonnegative();
const SupportRowSchema = z.object({
  bucket: z.string(),
  sessions: count,
  with_payment: count,
  with_lead: count,
  with_survey: count,
  with_handoff: count,
  requests: count,
  contained: count,
  handoffs: count,
  resolved: count,
  bot_resolved: count,
  reopened: count,
  bot_answered: count,
  // quantile of no rows is NaN, which JSON carries as null or "nan"; read only when answered > 0
  bot_median_ms: z.unknown(),
  operator_answered: count,
  operator_median_ms: z.unknown(),
});
type SupportRow = z.infer<typeof SupportRowSchema>;
const CsatRowSchema = z.object({ rating: z.enum(CSAT_RATINGS), responses: count });

/** The totals row of GROUPING SETS has the default bucket: a label is never empty. */
const TOTALS_BUCKET = "";

const EMPTY_ROW: SupportRow = {
  bucket: TOTALS_BUCKET,
  sessions: 0,
  with_payment: 0,
  with_lead: 0,
  with_survey: 0,
  with_handoff: 0,
  requests: 0,
  contained: 0,
  handoffs: 0,
  resolved: 0,
  bot_resolved: 0,
  reopened: 0,
  bot_answered: 0,
  bot_median_ms: null,
  operator_answered: 0,
  operator_median_ms: null,
};

/** A median of whole milliseconds (R7: the two middle values' mean for an even count) in seconds, ms precision. */
function medianSeconds(answered: number, medianMs: unknown): number | null {
  if (answered === 0) return null;
  return Math.round(z.coerce.number().parse(medianMs)) / 1000;
}

/**
 * GET /api/v1/support: requests, their outcomes and first responses, CSAT, and the use-case mix per bucket.
 * `path` forces one implementation (tests prove both equal); by default the rollup answers when it can.
 */
export async function support(storage: Storage, filters: ResolvedFilters, interval: Interval, path?: FactPath): Promise<SupportResponse> {
  const db = storage.database;
  const chosen = path ?? (await choosePath(storage, filters));
  const scope = eventScope(filters, db);
  const params = { ...scope.params };
  const [rows, csatRows] = await Promise.all([
    runQuery(storage, supportSql(scope.sql, db, interval, chosen), params, SupportRowSchema),
    runQuery(storage, csatSql(scope.sql, db, chosen), params, CsatRowSchema),
  ]);
  const totals = rows.find((row) => row.bucket === TOTALS_BUCKET) ?? EMPTY_ROW;
  const byBucket = new Map(rows.filter((row) => row.bucket !== TOTALS_BUCKET).map((row) => [row.bucket, row]));
  const byRating = new Map(csatRows.map((row) => [row.rating, row.responses]));
  const distribution = CSAT_RATINGS.map((rating) => ({ rating, responses: byRating.get(rating) ?? 0 }));
  const responses = distribution.reduce((sum, row) => sum + row.responses, 0);
  const ratingSum = distribution.reduce((sum, row) => sum + Number(row.rating) * row.responses, 0);
  return {
    range: rangeEcho(filters),
    interval,
    requests: totals.requests,
    containedRate: ratio(totals.contained, totals.requests),
    resolvedRate: ratio(totals.resolved, totals.requests),
    botResolvedRate: ratio(totals.bot_resolved, totals.requests),
    handoffRate: ratio(totals.handoffs, totals.requests),
    resolved: totals.resolved,
    reopened: totals.reopened,
    reopenedRate: ratio(totals.reopened, totals.resolved),
    botAnsweredSessions: totals.bot_answered,
    medianBotFirstResponseSeconds: medianSeconds(totals.bot_answered, totals.bot_median_ms),
    operatorAnsweredSessions: totals.operator_answered,
    medianOperatorFirstResponseSeconds: medianSeconds(totals.operator_answered, totals.operator_median_ms),
    csat: { responses, mean: responses === 0 ? null : round4(ratingSum / responses), distribution },
    mix: bucketLabels(filters.fromMs, filters.toMs, filters.tz, interval).map((bucket) => {
      const row = byBucket.get(bucket);
      const sessions = row?.sessions ?? 0;
      return {
        bucket,
        sessions,
        paymentShare: ratio(row?.with_payment ?? 0, sessions),
        leadShare: ratio(row?.with_lead ?? 0, sessions),
        surveyShare: ratio(row?.with_survey ?? 0, sessions),
        handoffShare: ratio(row?.with_handoff ?? 0, sessions),
      };
    }),
  };
}
