import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What the proxy does with one request:
 * - pass: forward to the collector and relay its answer;
 * - drop: destroy the connection before forwarding (the collector never sees the batch);
 * - drop-after: forward, let the collector store the batch, then destroy the connection
 *   without an answer (the sender must retry a batch that is already stored: dedup by id);
 * - status: answer this status without forwarding (e.g. 500, 503, or 429 with Retry-After);
 * - slow: wait, then forward (a sender with a shorter timeout retries while the first copy lands).
 */
export type Fault =
  | { kind: "pass" }
  | { kind: "drop" }
  | { kind: "drop-after" }
  | { kind: "status"; status: number; retryAfterS?: number }
  | { kind: "slow"; delayMs: number };

export interface FaultServer {
  url: string;
  /** How many requests got each fault kind, for assertions that the faults really happened. */
  counts: Record<Fault["kind"], number>;
  /** Requests the collector actually answered (forwarded). */
  forwarded: number;
  /** Replaces the plan; the plan gets the 0-based request number. */
  setPlan(plan: (requestNumber: number) => Fault): void;
  close(): Promise<void>;
}

/** An HTTP proxy on 127.0.0.1 in front of a real collector that injects faults per request. */
export async function startFaultServer(targetUrl: string, plan: (requestNumber: number) => Fault = () => ({ kind: "pass" })): Promise<FaultServer> {
  let currentPlan = plan;
  let requestNumber = 0;
  const state: Pick<FaultServer, "counts" | "forwarded"> = {
    counts: { pass: 0, drop: 0, "drop-after": 0, status: 0, slow: 0 },
    forwarded: 0,
  };

  const forward = async (req: http.IncomingMessage, body: Buffer) => {
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "content-type"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const answer = await fetch(new URL(req.url ?? "/", targetUrl), { method: req.method, headers, body: body.length > 0 ? body.toString("utf8") : undefined });
    state.forwarded++;
    return { status: answer.status, retryAfter: answer.headers.get("retry-after"), text: await answer.text() };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const fault = currentPlan(requestNumber++);
      state.counts[fault.kind]++;
      const body = Buffer.concat(chunks);
      const relay = async () => {
        if (fault.kind === "drop") return req.socket.destroy();
        if (fault.kind === "status") {
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (fault.retryAfterS !== undefined) headers["retry-after"] = String(fault.retryAfterS);
          res.writeHead(fault.status, headers);
          return res.end(JSON.stringify({ error: { code: "unavailable", message: `injected ${fault.status}` } }));
        }
        if (fault.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        const answer = await forward(req, body);
        if (fault.kind === "drop-after") return req.socket.destroy();
        if (res.destroyed) return;
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (answer.retryAfter) headers["retry-after"] = answer.retryAfter;
        res.writeHead(answer.status, headers);
        res.end(answer.text);
      };
      relay().catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get counts() {
      return state.counts;
    },
    get forwarded() {
      return state.forwarded;
    },
    setPlan(next) {
      currentPlan = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
