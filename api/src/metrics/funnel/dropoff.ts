import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import type { FunnelDropoffResponse } from "@chatfunnel/schemas";
import { runQuery, type ResolvedFilters } from "@chatfunnel/warehouse";
import type { FunnelDefinition } from "./definition.js";
import { previousRequired } from "./funnel.js";
import { userFunnelsSql } from "./user-funnels-sql.js";

const num = z.coerce.number();
const DropoffRowSchema = z.object({ channel: z.string(), user_id: z.string(), reached_ms: num, total: num });
const CountRowSchema = z.object({ total: num });

export interface DropoffPage {
  step: number;
  limit: number;
  offset: number;
}

/**
 * Users counted at the step `step` is counted from (the previous one; with optional steps the nearest earlier
 * required one, or entering the funnel) and not at `step`: without optional steps those whose furthest step is
 * `step − 1`. One page, ordered by (channel, userId) as bytes, with the total so a caller can page through all
 * of them.
 */
export async function funnelDropoff(storage: Storage, filters: ResolvedFilters, definition: FunnelDefinition, page: DropoffPage): Promise<FunnelDropoffResponse> {
  // The list has no breakdown columns: skip the first-touch scan a breakdown would add.
  const users = userFunnelsSql(storage.database, filters, { ...definition, breakdown: [] });
  // 1-based; 0: the users who entered (reachedAt their chain's start).
  const reached = previousRequired(definition.steps)[page.step - 1]! + 1;
  const params = { ...users.params, reached, step: page.step, limit: page.limit, offset: page.offset };
  const taken = (k: string) => `(length(completed) >= ${k} AND completed[${k}] >= 0)`;
  const lost = `${reached === 0 ? "1" : taken("{reached:UInt8}")} AND NOT ${taken("{step:UInt8}")}`;
  const rows = await runQuery(
    storage,
    `SELECT channel, user_id, {fromMs:Int64} + ${reached === 0 ? "start_rel" : "completed[{reached:UInt8}]"} AS reached_ms, count() OVER () AS total
     FROM (${users.sql}) WHERE ${lost}
     ORDER BY channel, user_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    params,
    DropoffRowSchema,
    { aggregateInOrder: true },
  );
  // A page past the end has no rows to carry the total: count separately then.
  const total =
    rows[0]?.total ??
    (page.offset === 0 ? 0 : ((await runQuery(storage, `SELECT count() AS total FROM (${users.sql}) WHERE ${lost}`, params, CountRowSchema, { aggregateInOrder: true }))[0]?.total ?? 0));
  return {
    step: page.step,
    total,
    limit: page.limit,
    offset: page.offset,
    users: rows.map((row) => ({
      channel: row.channel as FunnelDropoffResponse["users"][number]["channel"],
      userId: row.user_id,
      reachedAt: new Date(row.reached_ms).toISOString(),
    })),
  };
}
