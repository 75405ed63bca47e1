import { eventScope, type ResolvedFilters } from "@chatfunnel/warehouse";

// The scope lives in the warehouse (warehouse/scope.ts, one `{ sql, params }` value); these two
// halves of it are kept for modules outside the semantic layer's owner that still import them here.
export const scopeSql = (filters: ResolvedFilters, db: string): string => eventScope(filters, db).sql;
export const scopeParams = (filters: ResolvedFilters): Record<string, unknown> => ({ ...eventScope(filters, "").params });
export { firstTouchCampaignsSql as firstTouchSql } from "@chatfunnel/warehouse";
