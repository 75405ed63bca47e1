import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import type { EngagementResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "../http/params.js";
import { ratio } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { runQuery } from "./run-query.js";
import { scopeParams, scopeSql } from "./scope.js";
import { RANGE_HEAD, sessionCtes } from "./sessions-sql.js";

const num = z.coerce.number();
const RowSchema = z.object({ new_users: num, sessions: num, answered: num, median_ms: num, resolved: num, with_request: num });

/**
 * First response: in each session, from its first message_received to the first message_sent at
 * or after it (same millisecond counts as 0 s). The median interpolates between the two middle
 * values for an even count (R7, quantileExactInclusive).
 */
function engagementSql(scope: string, db: string): string {
  return `
WITH ${RANGE_HEAD}, ${sessionCtes(scope, db)}
SELECT
  (SELECT count() FROM firsts WHERE first_seen >= range_from) AS new_users,
  (SELECT count() FROM sessions) AS sessions,
  (SELECT countIf(answered) FROM sessions) AS answered,
  (SELECT if(countIf(answered) = 0, 0, quantileExactInclusiveIf(0.5)(toFloat64(dateDiff('millisecond', first_request, first_reply)), answered)) FROM sessions) AS median_ms,
  (SELECT countIf(resolved) FROM sessions) AS resolved,
  (SELECT countIf(has_request) FROM sessions) AS with_request`;
}

export async function engagement(storage: Storage, filters: ResolvedFilters): Promise<EngagementResponse> {
  const [row] = await runQuery(storage, engagementSql(scopeSql(filters, storage.database), storage.database), scopeParams(filters), RowSchema);
  const r = row ?? { new_users: 0, sessions: 0, answered: 0, median_ms: 0, resolved: 0, with_request: 0 };
  return {
    range: rangeEcho(filters),
    newUsers: r.new_users,
    sessions: r.sessions,
    answeredSessions: r.answered,
    medianFirstResponseSeconds: r.answered === 0 ? null : Math.round(r.median_ms) / 1000,
    resolutionRate: ratio(r.resolved, r.with_request),
  };
}
