/**
 * POST /v1/updates/{channel} throughput in the embedded default, beside POST /v1/events carrying the
 * very events those updates map to: what mapping raw messenger payloads on the server costs.
 *
 * The payload mix is the adapter fixtures (real Telegram, WhatsApp Cloud and VK bodies, malformed
 * ones left out): Telegram 50%, WhatsApp 30%, VK 20% of updates, each made unique (update_id,
 * message/status ids, VK event_id) over a pool of users, so nothing collapses as a resend.
 * 32 senders each wait for their 200 before the next request, like forwarders serving many bots;
 * a request carries BENCH_UPDATES_BATCH updates as a JSON array (default 100), and a second row
 * posts one update per request, as the README's aiogram forwarder does.
 *
 *   npx tsx bench/updates.bench.ts                    200,000 updates
 *   BENCH_SCALE=0.1 npx tsx bench/updates.bench.ts
 * Env: BENCH_CLIENTS (32), BENCH_UPDATES_BATCH (100), BENCH_SINGLE_SHARE (0.25: the one-per-request
 * row posts this share of the updates, it is far slower per update).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { telegramUpdateToEvents, vkUpdateToEvents, whatsappWebhookToEvents, type AdapterResult } from "@chatfunnel/sdk";
import { counterValue, spawnTs, stopChild } from "../tests/support/kafka.js";

const SCALE = Number(process.env.BENCH_SCALE ?? "1");
const TOTAL = Math.max(1000, Math.round(200_000 * SCALE));
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? "32");
const BATCH = Number(process.env.BENCH_UPDATES_BATCH ?? "100");
const SINGLE_SHARE = Number(process.env.BENCH_SINGLE_SHARE ?? "0.25");
const USERS = Math.max(100, Math.round(TOTAL / 10));
const BOT = "bench_bot";
const WRITE_KEY = `cf_w_${randomBytes(16).toString("hex")}`;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-updates-bench-"));

type Channel = "telegram" | "whatsapp" | "vk";
type Json = Record<string, unknown>;
const fixturesDir = path.resolve("tests/unit/adapters/fixtures");
const ADAPTERS: Record<Channel, (body: unknown) => AdapterResult> = {
  telegram: (body) => telegramUpdateToEvents(body, { botId: BOT }),
  whatsapp: (body) => whatsappWebhookToEvents(body),
  vk: (body) => vkUpdateToEvents(body),
};

/** Fixtures the adapters map to at least one event: the updates a bot forwards most. */
function templates(channel: Channel): Json[] {
  return fs
    .readdirSync(fixturesDir)
    .filter((name) => name.startsWith(`${channel}-`) && !name.includes("malformed"))
    .map((name) => JSON.parse(fs.readFileSync(path.join(fixturesDir, name), "utf8")) as Json)
    .filter((body) => {
      const mapped = ADAPTERS[channel](body);
      return mapped.ok && mapped.events.length > 0;
    });
}
const TEMPLATES: Record<Channel, Json[]> = { telegram: templates("telegram"), whatsapp: templates("whatsapp"), vk: templates("vk") };

const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter((item): item is Json => typeof item === "object" && item !== null) : []);
const child = (value: Json, key: string): Json | undefined => (typeof value[key] === "object" && value[key] !== null ? (value[key] as Json) : undefined);

/** Update i: a template with its identity and user replaced, so every update is a distinct one. */
function update(channel: Channel, i: number): Json {
  const templatesOf = TEMPLATES[channel];
  const body = structuredClone(templatesOf[i % templatesOf.length]!);
  const user = (i * 7919) % USERS;
  if (channel === "telegram") {
    body.update_id = i;
    for (const key of ["message", "edited_message", "callback_query", "my_chat_member"]) {
      const inner = child(body, key);
      const from = inner && child(inner, "from");
      if (from) from.id = 1_000_000 + user;
      const chat = inner && (child(inner, "chat") ?? child(child(inner, "message") ?? {}, "chat"));
      if (chat && chat.type === "private") chat.id = 1_000_000 + user;
    }
  } else if (channel === "whatsapp") {
    for (const entry of objects(body.entry)) {
      for (const change of objects(entry.changes)) {
        const value = child(change, "value") ?? {};
        objects(value.messages).forEach((message, k) => {
          message.id = `wamid.bench${i}.${k}`;
          message.from = `7900${user}`;
        });
        objects(value.contacts).forEach((contact) => (contact.wa_id = `7900${user}`));
        objects(value.statuses).forEach((status, k) => {
          status.id = `wamid.bench${i}.s${k}`;
          status.recipient_id = `7900${user}`;
        });
      }
    }
  } else {
    body.event_id = `bench${i}`;
    const object = child(body, "object") ?? {};
    const message = child(object, "message");
    if (message) {
      message.from_id = user + 1;
      message.peer_id = user + 1;
    }
    if (object.user_id !== undefined) object.user_id = user + 1;
  }
  return body;
}

const channelOf = (i: number): Channel => (i % 10 < 5 ? "telegram" : i % 10 < 8 ? "whatsapp" : "vk");

interface Request {
  path: string;
  body: string;
  updates: number;
  events: number;
}

/** Requests of `perRequest` updates of one channel each; `events` is what the adapters make of them. */
function updateRequests(count: number, perRequest: number): { requests: Request[]; eventBodies: Request[] } {
  const byChannel: Record<Channel, number[]> = { telegram: [], whatsapp: [], vk: [] };
  for (let i = 0; i < count; i++) byChannel[channelOf(i)].push(i);
  const requests: Request[] = [];
  const eventBodies: Request[] = [];
  const receivedAt = new Date().toISOString();
  for (const channel of Object.keys(byChannel) as Channel[]) {
    const ids = byChannel[channel];
    for (let start = 0; start < ids.length; start += perRequest) {
      const bodies = ids.slice(start, start + perRequest).map((i) => update(channel, i));
      const events = bodies.flatMap((body) => {
        const mapped = ADAPTERS[channel](body);
        return mapped.ok ? mapped.events.map((event) => ({ ...event, id: event.id ?? randomUUID(), channel, timestamp: event.timestamp instanceof Date ? event.timestamp.toISOString() : (event.timestamp ?? receivedAt) })) : [];
      });
      const query = channel === "telegram" ? `?botId=${BOT}` : "";
      requests.push({ path: `/v1/updates/${channel}${query}`, body: JSON.stringify(perRequest === 1 ? bodies[0] : bodies), updates: bodies.length, events: events.length });
      eventBodies.push({ path: "/v1/events", body: JSON.stringify({ events }), updates: bodies.length, events: events.length });
    }
  }
  // Interleave channels as many bots would.
  const order = requests.map((_, index) => index).sort((a, b) => ((a * 2654435761) % 4294967296) - ((b * 2654435761) % 4294967296));
  return { requests: order.map((index) => requests[index]!), eventBodies: order.map((index) => eventBodies[index]!) };
}

async function postAll(url: string, requests: Request[]): Promise<{ seconds: number; retries: number }> {
  let next = 0;
  let retries = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        for (;;) {
          const res = await fetch(`${url}${request.path}`, { method: "POST", headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json" }, body: request.body });
          const text = await res.text();
          if (res.status === 200) {
            const answer = JSON.parse(text) as { accepted: number; rejected: unknown[] };
            if (answer.accepted !== request.events || answer.rejected.length > 0) throw new Error(`${request.path}: ${text.slice(0, 300)} (expected ${request.events} accepted)`);
            break;
          }
          if (res.status !== 429 && res.status !== 503) throw new Error(`${request.path} answered ${res.status}: ${text.slice(0, 300)}`);
          retries++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, retries };
}

async function run(name: string, requests: Request[]): Promise<string[]> {
  const embedded = spawnTs("server/src/bin/embedded.ts", { HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", DATA_DIR: path.join(root, name.replace(/\W+/g, "-")), CHATFUNNEL_WRITE_KEY: WRITE_KEY });
  try {
    const url = await embedded.waitForOutput(/Dashboard:\s+(http:\/\/[^/\s]+)/);
    const updates = requests.reduce((sum, request) => sum + request.updates, 0);
    const events = requests.reduce((sum, request) => sum + request.events, 0);
    const sent = await postAll(url, requests);
    // 200 means stored: the writer's counter has every row by now.
    const written = counterValue(await (await fetch(`${url}/metrics`)).text(), "chatfunnel_rows_written_total");
    if (written < events) throw new Error(`${name}: ${written} rows written, expected ${events}`);
    return [name, requests.length.toLocaleString("en"), updates.toLocaleString("en"), events.toLocaleString("en"), Math.round(updates / sent.seconds).toLocaleString("en"), Math.round(events / sent.seconds).toLocaleString("en"), sent.seconds.toFixed(2), String(sent.retries)];
  } finally {
    const exit = await stopChild(embedded);
    if (exit.code !== 0) console.error(`embedded exited ${JSON.stringify(exit)}:\n${embedded.output().slice(-2000)}`);
  }
}

console.log(`updates bench: ${TOTAL.toLocaleString("en")} updates (${Object.entries(TEMPLATES).map(([channel, list]) => `${channel} ${list.length} templates`).join(", ")}), ${CLIENTS} senders, ${USERS.toLocaleString("en")} users; data in ${root}`);
console.log(`load average before: ${os.loadavg().map((load) => load.toFixed(1)).join(" ")} on ${os.cpus().length} CPUs (other processes share this machine)`);
const rows: string[][] = [];
try {
  const batched = updateRequests(TOTAL, BATCH);
  rows.push(await run(`/v1/updates, ${BATCH} updates per request`, batched.requests));
  rows.push(await run(`/v1/events, the same events, as many per request`, batched.eventBodies));
  const singles = updateRequests(Math.max(1000, Math.round(TOTAL * SINGLE_SHARE)), 1);
  rows.push(await run("/v1/updates, 1 update per request", singles.requests));
  rows.push(await run("/v1/events, the same events, 1 request per update", singles.eventBodies));
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
const header = ["path", "requests", "updates", "events", "updates/s", "events/s", "seconds", "429/503 retries"];
const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
const line = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join("  ");
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log(`load average after: ${os.loadavg().map((load) => load.toFixed(1)).join(" ")}`);
console.log("target: /v1/updates embedded ≥ 20,000 updates/s from 32 senders; rates are to the last HTTP 200 (= stored, the embedded path answers after the insert)");
