import type { FunnelBreakdownAttribution, FunnelExclusion, FunnelQuery } from "@chatfunnel/schemas";
import { InvalidParameterError } from "../../http/params.js";

/** What a funnel is, apart from the common filters: the part of the query both endpoints share. */
export type FunnelDefinition = Pick<FunnelQuery, "steps" | "window" | "mode"> & {
  /** The property held constant from the attempt's first step on (hold=orderId). */
  hold?: string;
  breakdown: NonNullable<FunnelQuery["breakdown"]>;
  /** Where properties.<name> breakdowns take their value; first_touch when absent. */
  breakdownAttribution?: FunnelBreakdownAttribution;
  /** Groups listed before the rest become `other`; DEFAULT_FUNNEL_BREAKDOWN_LIMIT when absent. */
  breakdownLimit?: number;
  /** Time-to-convert histogram bins (funnel only). */
  bins?: number;
  /** Exclusions with their ranges resolved (toStep ≤ number of steps). */
  exclusions?: FunnelExclusion[];
};

/** The definition of a parsed query; a step:k attribution past the last step is a 400 naming it. */
export function funnelDefinition(query: FunnelQuery): FunnelDefinition {
  const attribution = query.breakdownAttribution;
  if (attribution.kind === "step" && attribution.step > query.steps.length) {
    const message = `step:${attribution.step} is past the last step (${query.steps.length})`;
    throw new InvalidParameterError(`invalid parameter 'breakdownAttribution': ${message}`, [{ path: "breakdownAttribution", message }]);
  }
  const exclusions = (query.exclude ?? []).map((exclusion) => ({ ...exclusion, toStep: exclusion.toStep === 0 ? query.steps.length : exclusion.toStep }));
  const beyond = exclusions.findIndex((exclusion) => exclusion.toStep > query.steps.length);
  if (beyond >= 0) {
    const message = `exclude[${beyond}]: the range ends at step ${exclusions[beyond]!.toStep}, past the last step (${query.steps.length})`;
    throw new InvalidParameterError(`invalid parameter 'exclude': ${message}`, [{ path: `exclude.${beyond}`, message }]);
  }
  if (query.mode === "any" && exclusions.length > 0) {
    const message = "exclusions are between steps, which needs an order: use mode ordered or strict";
    throw new InvalidParameterError(`invalid parameter 'exclude': ${message}`, [{ path: "exclude", message }]);
  }
  if (query.mode === "any") {
    const index = query.steps.findIndex((step) => step.within !== undefined);
    if (index >= 0) {
      const message = `steps[${index}] has a per-step window (<=${query.steps[index]!.within}), which needs an order: use mode ordered or strict`;
      throw new InvalidParameterError(`invalid parameter 'steps': ${message}`, [{ path: `steps.${index}`, message }]);
    }
  }
  if (query.hold !== undefined) {
    // A step whose every alternative asks for the property to be absent can never carry the first step's value.
    const hold = query.hold;
    const never = query.steps.findIndex((step) => step.anyOf.every((alternative) => alternative.filters.some((f) => f.property === hold && f.op === "!?")));
    if (never >= 0) {
      const message = `steps[${never}] requires '${hold}' to be absent ([${hold}!?]), so it can never carry the held value`;
      throw new InvalidParameterError(`invalid parameter 'hold': ${message}`, [{ path: "hold", message }, { path: `steps.${never}`, message }]);
    }
  }
  return {
    steps: query.steps,
    ...(query.hold === undefined ? {} : { hold: query.hold }),
    window: query.window,
    mode: query.mode,
    breakdown: query.breakdown ?? [],
    breakdownAttribution: attribution,
    breakdownLimit: query.breakdownLimit,
    ...(query.bins === undefined ? {} : { bins: query.bins }),
    ...(exclusions.length === 0 ? {} : { exclusions }),
  };
}
