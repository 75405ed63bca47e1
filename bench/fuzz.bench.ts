/**
 * Issue 10's campaign as a bench: 10,000 hostile requests (× BENCH_SCALE) against the embedded server
 * running as its own process: ingest batches mixing valid and invalid events and bodies bad as a whole
 * (half from bench/support/ingest-cases.ts, half from the ingest fuzz test's tests/support/hostile-ingest.ts),
 * GETs of every documented API endpoint with hostile parameters, hostile spend imports. Then the server
 * is stopped and its events table read back with the same engine. Printed, all of which must be 0:
 *
 * - 5xx: answers ≥ 500, any request;
 * - crashes: the server process died during the run (or /health/live stopped answering);
 * - stored invalid: stored rows that break the event contract, that differ from what was sent (text
 *   garbled), or whose event had to be refused; spend rows outside the contract;
 * - valid neighbours lost: events valid by construction that were refused, or acknowledged and not stored;
 * - also 400s that do not name a parameter (API) or a line and field (spend).
 *
 *   npm run bench -- fuzz
 *   FUZZ_REQUESTS=2000 FUZZ_SEED=7 FUZZ_CONCURRENCY=8 npx tsx bench/fuzz.bench.ts
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { z } from "zod";
import { EventSchema, MAX_RANGE_DATE, MAX_SPEND_AMOUNT, MIN_RANGE_DATE, loadConfig, type Event } from "@chatfunnel/schemas";
import { createStorage } from "@chatfunnel/core";
import { startEmbeddedProcess } from "../tests/support/embedded-process.js";
import { apiAnswerProblem, apiRequestArb, fuzzEndpoints, spendAnswerProblem, spendRequestArb, type FuzzRequest, type SpendFuzzRequest } from "../tests/support/api-fuzz.js";
import { hostileIngestRequests, type HostileRequest } from "../tests/support/hostile-ingest.js";
import { ingestCaseArb, type IngestCase } from "./support/ingest-cases.js";

/**
 * A request of the ingest fuzz test's generator as one of this bench's cases: its valid events by index
 * (invalid ones carry no usable id when their bytes are raw; any row not acknowledged counts anyway).
 */
function fromHostileRequest(request: HostileRequest): IngestCase {
  const base = { headers: request.headers, body: request.body, forbiddenIds: [], family: request.family };
  if (request.expect.kind !== "batch") return { ...base, events: undefined, valid: [], invalid: [], refused: request.expect.kind === "refused" };
  const events: unknown[] = [];
  for (const { index, event } of request.expect.valid) events[index] = event;
  return { ...base, events, valid: request.expect.valid.map((v) => v.index), invalid: request.expect.invalid };
}

const scale = Number(process.env.BENCH_SCALE ?? 1);
const TOTAL = Number(process.env.FUZZ_REQUESTS ?? Math.max(200, Math.round(10_000 * scale)));
const SEED = Number(process.env.FUZZ_SEED ?? 42);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 8);
const PROJECT = "fuzz";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-fuzz-bench-"));
const writeKey = `cf_write_fuzz_${"w".repeat(24)}`;
const readKey = `cf_read_fuzz_${"r".repeat(24)}`;
// Spend import is an editor action: it takes the manage key.
const manageKey = `cf_manage_fuzz_${"m".repeat(24)}`;
const server = await startEmbeddedProcess({ DATA_DIR: dataDir, CHATFUNNEL_WRITE_KEY: writeKey, CHATFUNNEL_READ_KEY: readKey, CHATFUNNEL_MANAGE_KEY: manageKey, CHATFUNNEL_PROJECT_ID: PROJECT, LOG_LEVEL: "error" });
let crashed = false;
let stopping = false;
server.child.once("exit", (code, signal) => {
  if (!stopping) {
    crashed = true;
    console.error(`server exited during the run: code ${code}, signal ${signal}\n${server.output().slice(-2000)}`);
  }
});

const endpoints = fuzzEndpoints((await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as Parameters<typeof fuzzEndpoints>[0]);

// The plan: half ingest, 45% API GETs, 5% spend imports, interleaved, all from one seed.
type Item = { kind: "ingest"; c: IngestCase } | { kind: "api"; r: FuzzRequest } | { kind: "spend"; s: SpendFuzzRequest };
const kinds = fc.sample(fc.constantFrom<Item["kind"][]>(...Array<"ingest">(10).fill("ingest"), ...Array<"api">(9).fill("api"), "spend"), { numRuns: TOTAL, seed: SEED });
const count = (kind: Item["kind"]) => kinds.filter((k) => k === kind).length;
// Half of the ingest requests from this bench's own cases, half from the ingest fuzz test's generator.
const ingestCases = [
  ...fc.sample(ingestCaseArb, { numRuns: Math.ceil(count("ingest") / 2), seed: SEED + 1 }),
  ...fc.sample(hostileIngestRequests(fc), { numRuns: Math.floor(count("ingest") / 2), seed: SEED + 4 }).map(fromHostileRequest),
];
fc.sample(fc.shuffledSubarray(ingestCases, { minLength: ingestCases.length }), { numRuns: 1, seed: SEED + 5 })[0]!.forEach((c, i) => (ingestCases[i] = c));
const apiRequests = fc.sample(apiRequestArb(endpoints), { numRuns: count("api"), seed: SEED + 2 });
const spendRequests = fc.sample(spendRequestArb, { numRuns: count("spend"), seed: SEED + 3 });
const items: Item[] = kinds.map((kind) =>
  kind === "ingest" ? { kind, c: ingestCases.pop()! } : kind === "api" ? { kind, r: apiRequests.pop()! } : { kind, s: spendRequests.pop()! },
);

const statuses = new Map<string, number>();
const tally = (kind: string, status: number) => statuses.set(`${kind} ${status}`, (statuses.get(`${kind} ${status}`) ?? 0) + 1);
let fiveXx = 0;
const badErrors: string[] = [];
const fiveXxSamples: string[] = [];
/** Valid events that were acknowledged: each must be stored exactly like this. */
const acknowledged = new Map<string, Event>();
/** Ids that must never be stored. */
const forbidden = new Set<string>();
let validRefused = 0;
let invalidAccepted = 0;
let retried429 = 0;
const lostSamples: string[] = [];
const acceptedSamples: string[] = [];

const idOf = (event: unknown) => String((event as { id?: unknown }).id).toLowerCase();

async function send(item: Item): Promise<void> {
  if (item.kind === "api") {
    const res = await fetch(`${server.url}${item.r.url}`, { headers: { Authorization: `Bearer ${readKey}` } });
    const text = await res.text();
    tally("api", res.status);
    const body = safeJson(text);
    if (res.status >= 500) fiveXx++, fiveXxSamples.push(`GET ${item.r.url.slice(0, 300)} → ${res.status} ${text.slice(0, 200)}`);
    const problem = apiAnswerProblem(item.r, { status: res.status, contentType: res.headers.get("content-type") ?? "", body });
    if (problem && res.status < 500) badErrors.push(`GET ${item.r.url.slice(0, 300)}: ${problem}`);
    return;
  }
  if (item.kind === "spend") {
    const headers: Record<string, string> = { Authorization: `Bearer ${manageKey}` };
    if (item.s.contentType !== undefined) headers["Content-Type"] = item.s.contentType;
    if (Buffer.isBuffer(item.s.body)) headers["Content-Encoding"] = "gzip";
    const res = await fetch(`${server.url}/api/v1/spend`, { method: "POST", headers, body: asBody(item.s.body) });
    const text = await res.text();
    tally("spend", res.status);
    if (res.status >= 500) fiveXx++, fiveXxSamples.push(`POST spend → ${res.status} ${text.slice(0, 200)}`);
    const problem = spendAnswerProblem({ status: res.status, contentType: res.headers.get("content-type") ?? "", body: safeJson(text) });
    if (problem && res.status < 500) badErrors.push(`POST spend ${String(item.s.body).slice(0, 200)}: ${problem}`);
    return;
  }
  const c = item.c;
  for (const id of c.forbiddenIds) forbidden.add(id);
  let res: Response;
  let text: string;
  for (let attempt = 0; ; attempt++) {
    res = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { Authorization: `Bearer ${writeKey}`, ...c.headers }, body: asBody(c.body) });
    text = await res.text();
    if (res.status !== 429 || attempt >= 50) break;
    retried429++;
    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(res.headers.get("retry-after") ?? 1)));
  }
  tally("ingest", res.status);
  if (res.status >= 500) fiveXx++, fiveXxSamples.push(`POST events → ${res.status} ${text.slice(0, 200)}`);
  if (res.status !== 200) {
    // Refused as a whole: fine for a body bad as a whole; valid events of a readable batch are lost.
    if (c.valid.length > 0) {
      validRefused += c.valid.length;
      lostSamples.push(`batch answered ${res.status}: ${text.slice(0, 200)}`);
    }
    return;
  }
  const answer = z.object({ accepted: z.number(), rejected: z.array(z.object({ index: z.number(), errors: z.array(z.unknown()) })) }).safeParse(safeJson(text));
  if (!answer.success) return void badErrors.push(`ingest 200 with an unreadable body: ${text.slice(0, 200)}`);
  const rejected = new Set(answer.data.rejected.map((r) => r.index));
  if (c.refused) badErrors.push(`a body bad as a whole (${c.family}) was answered 200: ${text.slice(0, 200)}`);
  if (!c.events) {
    // A body bad as a whole that was answered 200: whatever it stored is forbidden (counted below).
    if (answer.data.accepted > 0) badErrors.push(`a bad body was accepted (${answer.data.accepted} events; ${JSON.stringify(c.headers)}): ${String(c.body).slice(0, 200)}`);
    return;
  }
  for (const index of c.valid) {
    if (rejected.has(index)) {
      validRefused++;
      lostSamples.push(`valid event refused: ${JSON.stringify(answer.data.rejected.find((r) => r.index === index))} ${JSON.stringify(c.events[index]).slice(0, 200)}`);
    } else acknowledged.set(idOf(c.events[index]), c.events[index] as Event);
  }
  for (const index of c.invalid) {
    if (!rejected.has(index)) {
      invalidAccepted++;
      if (invalidAccepted <= 10) acceptedSamples.push(JSON.stringify(c.events[index]).slice(0, 300));
    }
  }
}

/** fetch takes bytes as a Uint8Array view; a Buffer's type is wider than its BodyInit. */
const asBody = (body: string | Buffer): string | Uint8Array<ArrayBuffer> => (typeof body === "string" ? body : new Uint8Array(body));

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const started = performance.now();
let next = 0;
let done = 0;
let sendErrors = 0;
const progress = setInterval(() => console.log(`  ${done.toLocaleString("en")} / ${TOTAL.toLocaleString("en")} requests`), 15_000);
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length && !crashed) {
      const item = items[next++]!;
      try {
        await send(item);
      } catch (error) {
        // A connection the server dropped: with the server alive that is a failure too.
        sendErrors++;
        if (sendErrors <= 5) console.error(`request failed: ${String(error)}`);
      }
      done++;
    }
  }),
);
clearInterval(progress);
const seconds = (performance.now() - started) / 1000;
const live = crashed ? 0 : (await fetch(`${server.url}/health/live`).catch(() => undefined))?.status;
if (live !== 200) crashed = true;

stopping = true;
const exitCode = await server.stop();
if (exitCode !== 0) console.error(`server exited with ${exitCode} on SIGTERM`);

// Read back what was stored, with the same engine the server used.
const storage = createStorage(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }));
const db = storage.database;
const StoredRowSchema = z.object({
  event_id: z.string(),
  type: z.string(),
  channel: z.string(),
  bot_id: z.string(),
  user_id: z.string(),
  session_id: z.string(),
  broadcast_id: z.string(),
  ts_ms: z.coerce.number(),
  source_source: z.string(),
  source_medium: z.string(),
  source_campaign: z.string(),
  source_content: z.string(),
  source_term: z.string(),
  source_payload: z.string(),
  revenue: z.string(),
  currency: z.string(),
  properties: z.record(z.string(), z.string()),
});
const result = await storage.client.query({
  query: `SELECT event_id, type, channel, bot_id, user_id, session_id, broadcast_id, toUnixTimestamp64Milli(ts) AS ts_ms,
    source_source, source_medium, source_campaign, source_content, source_term, source_payload,
    toString(revenue) AS revenue, currency, properties
  FROM ${db}.events FINAL WHERE project_id = {projectId:String}`,
  query_params: { projectId: PROJECT },
  format: "JSONEachRow",
  clickhouse_settings: storage.querySettings,
});
const stored = (await result.json<unknown>()).map((row) => StoredRowSchema.parse(row));

/** Why a stored row breaks the contract or differs from what was acknowledged, or undefined. */
function storedProblem(row: z.infer<typeof StoredRowSchema>): string | undefined {
  if (forbidden.has(row.event_id)) return "an event that had to be refused was stored";
  const sent = acknowledged.get(row.event_id);
  if (!sent) return "stored but never acknowledged as a valid event";
  const source = Object.fromEntries(
    (["source", "medium", "campaign", "content", "term", "payload"] as const).map((key) => [key, row[`source_${key}` as const]]).filter(([, value]) => value !== ""),
  );
  const rebuilt: Record<string, unknown> = {
    id: row.event_id,
    type: row.type,
    channel: row.channel,
    botId: row.bot_id,
    userId: row.user_id,
    timestamp: new Date(row.ts_ms).toISOString(),
    ...(row.session_id !== "" ? { sessionId: row.session_id } : {}),
    ...(row.broadcast_id !== "" ? { broadcastId: row.broadcast_id } : {}),
    ...(Object.keys(source).length > 0 ? { source } : {}),
    ...(row.currency !== "" ? { revenue: Number(row.revenue), currency: row.currency } : {}),
    ...(Object.keys(row.properties).length > 0 ? { properties: row.properties } : {}),
  };
  const contract = EventSchema.safeParse(rebuilt);
  if (!contract.success) return `breaks the contract: ${contract.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`).join("; ")}`;
  const text = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
  const expected: Record<string, unknown> = {
    type: sent.type,
    channel: sent.channel,
    botId: sent.botId,
    userId: sent.userId,
    sessionId: sent.sessionId ?? "",
    broadcastId: sent.broadcastId ?? "",
    ts: Date.parse(sent.timestamp),
    source: Object.entries(sent.source ?? {}).filter(([, value]) => value !== "").sort(),
    currency: sent.currency ?? "",
    properties: Object.entries(sent.properties ?? {}).map(([key, value]) => [key, text(value)]).sort(),
  };
  const actual: Record<string, unknown> = {
    type: row.type,
    channel: row.channel,
    botId: row.bot_id,
    userId: row.user_id,
    sessionId: row.session_id,
    broadcastId: row.broadcast_id,
    ts: row.ts_ms,
    source: Object.entries(source).sort(),
    currency: row.currency,
    properties: Object.entries(row.properties).sort(),
  };
  for (const key of Object.keys(expected)) {
    if (JSON.stringify(expected[key]) !== JSON.stringify(actual[key])) return `${key} stored as ${JSON.stringify(actual[key]).slice(0, 120)}, sent ${JSON.stringify(expected[key]).slice(0, 120)}`;
  }
  if (Math.abs(Number(row.revenue) - (sent.revenue ?? 0)) > 1e-4) return `revenue stored as ${row.revenue}, sent ${sent.revenue}`;
  return undefined;
}

let storedInvalid = 0;
const invalidSamples: string[] = [];
const storedIds = new Set<string>();
for (const row of stored) {
  storedIds.add(row.event_id);
  const problem = storedProblem(row);
  if (problem) {
    storedInvalid++;
    if (invalidSamples.length < 10) invalidSamples.push(`${row.event_id}: ${problem}`);
  }
}
const spendCheck = await storage.client.query({
  query: `SELECT count() AS n FROM ${db}.spend FINAL WHERE project_id = {projectId:String}
    AND (date < toDate({min:String}) OR date >= toDate({max:String}) OR amount < 0 OR amount >= {maxAmount:Float64} OR NOT match(currency, '^[A-Z]{3}$'))`,
  query_params: { projectId: PROJECT, min: MIN_RANGE_DATE, max: MAX_RANGE_DATE, maxAmount: MAX_SPEND_AMOUNT },
  format: "JSONEachRow",
  clickhouse_settings: storage.querySettings,
});
const spendInvalid = Number(((await spendCheck.json<{ n: number }>())[0] ?? { n: 0 }).n);
let notStored = 0;
for (const id of acknowledged.keys()) {
  if (!storedIds.has(id)) {
    notStored++;
    if (lostSamples.length < 20) lostSamples.push(`acknowledged, not stored: ${id}`);
  }
}
await storage.close();
fs.rmSync(dataDir, { recursive: true, force: true });

const neighboursLost = validRefused + notStored;
console.log(`\n${TOTAL.toLocaleString("en")} requests (seed ${SEED}, ${CONCURRENCY} at a time) in ${seconds.toFixed(1)} s against the embedded server process`);
console.log(`  answers: ${[...statuses].sort().map(([key, n]) => `${key}: ${n}`).join(", ")}${retried429 ? `; ${retried429} ingest retries after 429` : ""}`);
console.log(`  events: ${acknowledged.size.toLocaleString("en")} valid acknowledged, ${stored.length.toLocaleString("en")} rows stored`);
console.log("");
console.log("| figure | count |");
console.log("|---|---|");
console.log(`| 5xx answers | ${fiveXx} |`);
console.log(`| crashes (server process died or stopped answering) | ${crashed ? 1 : 0} |`);
console.log(`| requests the server dropped without an answer | ${sendErrors} |`);
console.log(`| stored invalid events (contract broken, garbled, or refused-by-construction) | ${storedInvalid} |`);
console.log(`| stored invalid spend rows | ${spendInvalid} |`);
console.log(`| valid neighbours lost (refused, or acknowledged and not stored) | ${neighboursLost} |`);
console.log(`| invalid events accepted | ${invalidAccepted} |`);
console.log(`| 4xx answers not naming the parameter / line and field | ${badErrors.length} |`);
for (const [title, samples] of [["5xx", fiveXxSamples], ["stored invalid", invalidSamples], ["lost", lostSamples], ["invalid accepted", acceptedSamples], ["bad errors", badErrors]] as const) {
  if (samples.length > 0) console.log(`\n${title} (first ${Math.min(samples.length, 10)}):\n${samples.slice(0, 10).map((s) => `  ${s}`).join("\n")}`);
}
const failed = fiveXx + (crashed ? 1 : 0) + sendErrors + storedInvalid + spendInvalid + neighboursLost + invalidAccepted + badErrors.length;
process.exit(failed === 0 ? 0 : 1);
