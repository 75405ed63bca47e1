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
  countIf(first_seen >= range_from) AS new_users,
  sum(sessions) AS sessions,
  sum(answered_sessions) AS answered,
  if(answered = 0, 0, quantileExactInclusiveArray(0.5)(responses)) AS median_ms,
  sum(resolved_sessions) AS resolved,
  sum(request_sessions) AS with_request
FROM users`;
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
