import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request the receiver got, with the raw bytes a signature is checked over. */
export interface ReceivedDelivery {
  raw: string;
  body: { deliveryId: string; event: Record<string, unknown> & { id: string; type: string; receivedAt: string } };
  headers: http.IncomingHttpHeaders;
  atMs: number;
  /** What the receiver answered it. */
  status?: number;
}

/** How the receiver answers the n-th request (0-based): a status, after an optional delay. */
export type Responder = (index: number, delivery: ReceivedDelivery) => { status: number; delayMs?: number; body?: string };

/**
 * A local HTTP server on 127.0.0.1 standing in for a CRM's incoming webhook. It can go down and come
 * back on the same port (a CRM outage) and answer whatever a test scripts.
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  respond: Responder = () => ({ status: 200, body: '{"ok":true}' });
  private server: http.Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const delivery: ReceivedDelivery = { raw, body: JSON.parse(raw) as ReceivedDelivery["body"], headers: req.headers, atMs: Date.now() };
        const index = this.received.length;
        this.received.push(delivery);
        const answer = this.respond(index, delivery);
        delivery.status = answer.status;
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(answer.status, { "content-type": "application/json" });
          res.end(answer.body ?? "{}");
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
        else send();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Down: connections are refused until start() again (same port). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  deliveriesOf(eventId: string): ReceivedDelivery[] {
    return this.received.filter((delivery) => delivery.body.event.id === eventId);
  }
}
