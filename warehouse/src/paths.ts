import type { Storage } from "@chatfunnel/core";
import { onSlotBounds, type FactPath } from "./rollup-schema.js";
import type { ResolvedFilters } from "./scope.js";
import { rollupCutsSessions, sessionTimeoutMin } from "./sessions.js";

/**
 * The rollups answer ranges on slot bounds (every date bound in every zone) when the facts asked for
 * can be cut there: sessions also need the project's timeout to be at least a slot.
 */
export async function choosePath(storage: Storage, filters: ResolvedFilters, opts: { sessions: boolean } = { sessions: true }): Promise<FactPath> {
  if (!onSlotBounds(filters.fromMs, filters.toMs)) return "events";
  if (!opts.sessions) return "rollup";
  return rollupCutsSessions(await sessionTimeoutMin(storage, filters.projectId)) ? "rollup" : "events";
}
