import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import { REPEAT_BUCKETS, type RepeatResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "../http/params.js";
import { ratio, round4 } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { rollupServes, rollupSessionsCte } from "./rollup.js";
import { runQuery } from "./run-query.js";
import { scopeParams, scopeSql } from "./scope.js";
import { RANGE_HEAD, sessionCtes } from "./sessions-sql.js";

const num = z.coerce.number();
const RowSchema = z.object({ sessions: num, users: num });

/** Users by their number of sessions starting in range, capped at 5 (the "5+" bucket). */
function repeatSql(scope: string, db: string): string {
  return `
WITH ${RANGE_HEAD}, ${sessionCtes(scope, db)}
SELECT least(n, 5) AS sessions, count() AS users, sum(n) AS total
FROM (SELECT sessions AS n FROM users WHERE sessions > 0)
GROUP BY sessions ORDER BY sessions`;
}

/** The same from the rollups, for ranges on quarter hours. */
function repeatRollupSql(scope: string, db: string): string {
  return `
WITH ${RANGE_HEAD}, ${rollupSessionsCte(scope, db)}
SELECT least(n, 5) AS sessions, count() AS users, sum(n) AS total
FROM (SELECT count() AS n FROM rollup_sessions GROUP BY channel, user_id)
GROUP BY sessions ORDER BY sessions`;
}

export async function repeat(storage: Storage, filters: ResolvedFilters): Promise<RepeatResponse> {
  const scope = scopeSql(filters, storage.database);
  const sql = rollupServes(filters) ? repeatRollupSql(scope, storage.database) : repeatSql(scope, storage.database);
  const rows = await runQuery(storage, sql, scopeParams(filters), RowSchema.extend({ total: num }));
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
