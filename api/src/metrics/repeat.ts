import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { REPEAT_BUCKETS, type RepeatResponse } from "@chatfunnel/schemas";
import { choosePath, runQuery, RANGE_HEAD, eventScope, sessionsPerUserSql, type ResolvedFilters } from "@chatfunnel/warehouse";
import { ratio, round4 } from "./money.js";
import { rangeEcho } from "./range-echo.js";

const num = z.coerce.number();
const RowSchema = z.object({ sessions: num, users: num, total: num });

/** Users by their number of sessions starting in range, capped at 5 (the "5+" bucket). */
export async function repeat(storage: Storage, filters: ResolvedFilters): Promise<RepeatResponse> {
  const scope = eventScope(filters, storage.database);
  const perUser = sessionsPerUserSql(scope.sql, storage.database, await choosePath(storage, filters));
  const sql = `
WITH ${RANGE_HEAD}, ${perUser.ctes}
SELECT least(n, 5) AS sessions, count() AS users, sum(n) AS total
FROM (${perUser.select})
GROUP BY sessions ORDER BY sessions`;
  const rows = await runQuery(storage, sql, scope.params, RowSchema);
  const users = rows.reduce((sum, row) => sum + row.users, 0);
  const sessions = rows.reduce((sum, row) => sum + row.total, 0);
  const returning = rows.filter((row) => row.sessions >= 2).reduce((sum, row) => sum + row.users, 0);
  const mean = ratio(sessions, users);
  return {
    range: rangeEcho(filters),
    users,
    histogram: REPEAT_BUCKETS.map((label, index) => ({ sessions: label, users: rows.find((row) => row.sessions === index + 1)?.users ?? 0 })),
    returningShare: ratio(returning, users),
    meanSessionsPerUser: mean === null ? null : round4(mean),
  };
}
