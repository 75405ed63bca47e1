import type { RangeEcho } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";

export const rangeEcho = (filters: ResolvedFilters): RangeEcho => ({
  from: new Date(filters.fromMs).toISOString(),
  to: new Date(filters.toMs).toISOString(),
  tz: filters.tz,
});
