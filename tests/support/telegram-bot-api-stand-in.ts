import http from "node:http";
import type { AddressInfo } from "node:net";

/** One Bot API call the stand-in got: the method and token from the path, the fields from the body. */
export interface BotApiCall {
  token: string;
  method: string;
  /** JSON fields (sendMessage) or the multipart form's text fields (sendPhoto). */
  fields: Record<string, unknown>;
  /** A multipart file field's bytes (sendPhoto's `photo`), by field name. */
  files: Record<string, { bytes: Buffer; type: string; name: string }>;
  atMs: number;
}

/** How the stand-in answers the n-th call: Telegram's envelope by default, or a scripted refusal. */
export type BotApiResponder = (index: number, call: BotApiCall) => { status: number; body: unknown; delayMs?: number };

/**
 * A local HTTP server on 127.0.0.1 answering like the Telegram Bot API (`/bot<token>/<method>`), for
 * TELEGRAM_API_URL in tests: Telegram itself cannot be reached from here, and a test must see what was sent.
 */
export class TelegramBotApiStandIn {
  readonly calls: BotApiCall[] = [];
  respond: BotApiResponder = (index) => ({ status: 200, body: { ok: true, result: { message_id: index + 1 } } });
  private server: http.Server | undefined;

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    return `http://127.0.0.1:${address?.port ?? 0}`;
  }

  /** Listens on `port` (0: any free one); a stand-in stopped to play an outage starts again on its old port. */
  async start(port = 0): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        void this.answer(req, Buffer.concat(chunks)).then((answer) => {
          const send = () => {
            if (res.destroyed) return;
            res.writeHead(answer.status, { "content-type": "application/json" });
            res.end(JSON.stringify(answer.body));
          };
          if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
          else send();
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    this.server = server;
    return this;
  }

  /** The port it listens on, to start again there after a stop. */
  get port(): number {
    return (this.server?.address() as AddressInfo | undefined)?.port ?? 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  callsOf(method: string): BotApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  private async answer(req: http.IncomingMessage, raw: Buffer): Promise<{ status: number; body: unknown; delayMs?: number }> {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? "");
    if (!match) return { status: 404, body: { ok: false, error_code: 404, description: "Not Found" } };
    const call: BotApiCall = { token: match[1] ?? "", method: match[2] ?? "", fields: {}, files: {}, atMs: Date.now() };
    const type = req.headers["content-type"] ?? "";
    if (type.startsWith("application/json")) call.fields = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    else if (type.startsWith("multipart/form-data")) {
      // The platform's own multipart parser, so the test reads the form as Telegram would.
      const form = await new Request("http://stand-in/", { method: "POST", headers: { "content-type": type }, body: new Uint8Array(raw) }).formData();
      for (const [name, value] of form.entries()) {
        if (typeof value === "string") call.fields[name] = value;
        else call.files[name] = { bytes: Buffer.from(await value.arrayBuffer()), type: value.type, name: value.name };
      }
    }
    const index = this.calls.length;
    this.calls.push(call);
    return this.respond(index, call);
  }
}
