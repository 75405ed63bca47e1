import type { FunnelQuery } from "@chatfunnel/schemas";

/** What a funnel is, apart from the common filters: the part of the query both endpoints share. */
export type FunnelDefinition = Pick<FunnelQuery, "steps" | "window" | "mode"> & {
  breakdown: NonNullable<FunnelQuery["breakdown"]>;
  /** Time-to-convert histogram bins (funnel only). */
  bins?: number;
};

export function funnelDefinition(query: FunnelQuery): FunnelDefinition {
  return { steps: query.steps, window: query.window, mode: query.mode, breakdown: query.breakdown ?? [], ...(query.bins === undefined ? {} : { bins: query.bins }) };
}
