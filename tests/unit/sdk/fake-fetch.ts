import type { FetchLike } from "@chatfunnel/sdk";

export interface Recorded {
  body: string;
  events: { id: string; type: string; timestamp: string }[];
  headers: Record<string, string>;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | "network-error";

/**
 * A scripted fetch for unit tests of the client's own logic (batching, retry decisions).
 * Real HTTP against the real collector is covered in tests/integration/sdk-*.test.ts.
 */
export function scriptedFetch(reply: (request: Recorded, n: number) => Reply = (r) => ({ status: 200, body: { accepted: r.events.length, rejected: [] } })) {
  const requests: Recorded[] = [];
  const fetch: FetchLike = async (_url, init) => {
    const parsed = JSON.parse(init.body) as { events: Recorded["events"] };
    const request = { body: init.body, events: parsed.events, headers: init.headers };
    requests.push(request);
    const answer = reply(request, requests.length - 1);
    if (answer === "network-error") throw new TypeError("fetch failed");
    const headers = new Map(Object.entries(answer.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return {
      status: answer.status,
      headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
      text: async () => (answer.body === undefined ? "" : JSON.stringify(answer.body)),
    };
  };
  return { fetch, requests };
}
