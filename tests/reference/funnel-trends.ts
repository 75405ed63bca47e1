import type { Event, FunnelTrendPoint, Interval } from "@chatfunnel/schemas";
import { bucketAt, bucketLabels, rate } from "./figures.js";
import { referenceOutcomes, type ReferenceDefinition, type ReferenceScope } from "./funnel.js";

/**
 * /api/v1/funnel/trends in plain TypeScript, from the definitions in schemas/src/api/funnel-trends.ts: the
 * funnel reference's per-user outcomes, each in the bucket (in `tz`) of its chosen attempt's start.
 */
export function referenceFunnelTrends(events: Event[], scope: ReferenceScope, definition: ReferenceDefinition, tz: string, interval: Interval): FunnelTrendPoint[] {
  // Converted: reached the last required step.
  const last = definition.steps.findLastIndex((step) => !step.optional) + 1;
  const byBucket = new Map<string, { entered: number; converted: number }>();
  for (const outcome of referenceOutcomes(events, scope, { ...definition, breakdown: [] })) {
    // The chosen attempt's start (in `any` mode the attempt's first event).
    const startMs = outcome.startMs;
    const bucket = bucketAt(startMs, tz, interval);
    const counts = byBucket.get(bucket) ?? { entered: 0, converted: 0 };
    counts.entered += 1;
    if (outcome.level >= last) counts.converted += 1;
    byBucket.set(bucket, counts);
  }
  return bucketLabels(scope.fromMs, scope.toMs, tz, interval).map((bucket) => {
    const { entered, converted } = byBucket.get(bucket) ?? { entered: 0, converted: 0 };
    return { bucket, entered, converted, conversion: rate(converted, entered) };
  });
}
