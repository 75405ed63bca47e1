/**
 * A funnel with another bound than PLAIN_BREAKDOWN_ROWS on the rows the plain breakdown query answers: 0 forces
 * the ranked query, a large bound the plain one. The query string is parsed as the route parses it.
 */
import type { Storage } from "@chatfunnel/core";
import { FunnelQuerySchema, type FunnelResponse } from "@chatfunnel/schemas";
import { parseQuery, resolveFilters } from "../../api/src/http/params.js";
import { funnelDefinition } from "../../api/src/metrics/funnel/definition.js";
import { funnel } from "../../api/src/metrics/funnel/funnel.js";

/** The query as Express hands it to a route: a repeated parameter as an array. */
function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  return query;
}

/** The answer, through JSON as the API's is (so the two compare with toEqual), and whether the ranked query ran. */
export async function funnelWithBound(storage: Storage, projectId: string, params: URLSearchParams, plainRows: number): Promise<{ body: FunnelResponse; ranked: boolean }> {
  const query = parseQuery(FunnelQuerySchema, queryObject(params));
  let ranked = false;
  // The ranked query is the only one that ranks groups in the engine (dense_rank).
  const seen: Storage["client"]["query"] = (asked) => {
    if (asked.query.includes("dense_rank()")) ranked = true;
    return storage.client.query(asked);
  };
  const client = new Proxy(storage.client, { get: (target, key, receiver) => (key === "query" ? seen : Reflect.get(target, key, receiver)) });
  const answer = await funnel({ ...storage, client }, resolveFilters(projectId, query, "UTC"), funnelDefinition(query), plainRows);
  return { body: JSON.parse(JSON.stringify(answer)) as FunnelResponse, ranked };
}
