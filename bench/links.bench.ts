/**
 * Latency of the events explorer, the event-type list and the tracked-links report on the 10M-event
 * data set (bench/support/dataset.ts; × BENCH_SCALE), over HTTP against the real app, p50/p95 of
 * BENCH_CALLS calls after a warm-up. The data set's Telegram users start with payload c_<campaign>;
 * four links carry those codes (so each has tens of thousands of users at full scale) beside 60
 * links nobody used, as a project with a history of ads has.
 * Targets on a 2-core machine: explorer p50 ≤ 100 ms, links report p50 ≤ 300 ms.
 *
 *   npx tsx bench/links.bench.ts
 *   BENCH_SCALE=0.1 npx tsx bench/links.bench.ts
 *   BENCH_DATA_DIR=/tmp/x …   keep and reuse the data set between runs (shared with api.bench.ts)
 */
import os from "node:os";
import { randomUUID } from "node:crypto";
import { toClickHouseTime } from "@chatfunnel/core";
import { BENCH_PROJECT, openBenchData, serveBenchApi } from "./support/bench-data.js";

const calls = Number(process.env.BENCH_CALLS ?? 7);
const { storage, range, events, users, close } = await openBenchData("links", process.env);
const { url, readKey, close: closeApi } = await serveBenchApi(storage);

// Links: the data set's payloads c_<campaign> as codes, and unused ones. Written as the API writes them.
await storage.client.command({ query: `TRUNCATE TABLE IF EXISTS ${storage.database}.links` });
const now = toClickHouseTime(Date.now());
const link = (code: string, campaign: string) => ({
  project_id: BENCH_PROJECT,
  id: randomUUID(),
  code,
  channel: "telegram",
  target: "shop_bot",
  campaign,
  source: "telegram_ads",
  medium: "cpc",
  content: "",
  term: "",
  name: "",
  ad_id: "",
  created_at: now,
  deleted: 0,
  version: now,
});
await storage.insertRows("links", [
  ...["spring_sale", "blogger_anna", "lookalike_q2", "promo_code"].map((campaign) => link(`c_${campaign}`, campaign)),
  ...Array.from({ length: 60 }, (_, i) => link(`unused${i}`, `old_campaign_${i % 12}`)),
]);

const lastDay = { from: new Date(Date.parse(range.to) - 86_400_000).toISOString(), to: new Date(Date.parse(range.to)).toISOString() };
const enc = encodeURIComponent;

async function call(pathAndQuery: string): Promise<{ ms: number; body: unknown }> {
  const started = performance.now();
  const res = await fetch(`${url}/api/v1/${pathAndQuery}`, { headers: { Authorization: `Bearer ${readKey}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${pathAndQuery}: ${res.status} ${text.slice(0, 300)}`);
  return { ms: performance.now() - started, body: JSON.parse(text) };
}

// A cursor five pages deep into the last day, to time a page that is not the first.
let deepCursor = "";
{
  let next: string | null = null;
  for (let page = 0; page < 5; page++) {
    const { body } = await call(`events?from=${enc(lastDay.from)}&to=${enc(lastDay.to)}&limit=100${next ? `&cursor=${enc(next)}` : ""}`);
    next = (body as { next: string | null }).next;
    if (!next) break;
  }
  deepCursor = next ?? "";
}
const someUser = ((await call(`events?from=${enc(lastDay.from)}&to=${enc(lastDay.to)}&limit=1`)).body as { events: Array<{ userId: string }> }).events[0]?.userId ?? "tg1";

const endpoints: { name: string; path: string; target?: number }[] = [
  { name: "events, default (last 24 h to now)", path: "events", target: 100 },
  { name: "events, last day of data, 100", path: `events?from=${enc(lastDay.from)}&to=${enc(lastDay.to)}`, target: 100 },
  { name: "events, last day, page 6", path: `events?from=${enc(lastDay.from)}&to=${enc(lastDay.to)}&cursor=${enc(deepCursor)}`, target: 100 },
  { name: "events, 30 d, 100", path: `events?from=${range.from}&to=${range.to}`, target: 100 },
  { name: "events, 30 d, 1000", path: `events?from=${range.from}&to=${range.to}&limit=1000`, target: 100 },
  { name: "events, 30 d, type=lead", path: `events?from=${range.from}&to=${range.to}&type=lead`, target: 100 },
  { name: "events, 30 d, one user", path: `events?from=${range.from}&to=${range.to}&userId=${enc(someUser)}`, target: 100 },
  { name: "event-types, 30 d", path: `event-types?from=${range.from}&to=${range.to}` },
  { name: "links report, 30 d", path: `links?from=${range.from}&to=${range.to}`, target: 300 },
  { name: "links report, 7 d", path: `links?from=${new Date(Date.parse(range.to) - 7 * 86_400_000).toISOString().slice(0, 10)}&to=${range.to}`, target: 300 },
];

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const only = process.env.BENCH_ONLY?.split(",").filter(Boolean);
const rows: string[][] = [];
for (const endpoint of endpoints.filter((candidate) => !only || only.some((prefix) => candidate.name.startsWith(prefix)))) {
  await call(endpoint.path);
  const times: number[] = [];
  for (let i = 0; i < calls; i++) times.push((await call(endpoint.path)).ms);
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  rows.push([endpoint.name, p50.toFixed(0), percentile(times, 95).toFixed(0), (times[0] ?? NaN).toFixed(0), endpoint.target ? `${endpoint.target} ${p50 <= endpoint.target ? "met" : "MISSED"}` : "-"]);
  console.log(`  ${endpoint.name}: p50 ${p50.toFixed(0)} ms`);
}
const report = (await call(`links?from=${range.from}&to=${range.to}`)).body as { links: Array<{ code: string; users: number; leads: number; cpl: unknown }> };

const header = ["endpoint", "p50 ms", "p95 ms", "min ms", "target p50 ms"];
const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
const line = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join("  ");
console.log(`\nload average while measuring: ${os.loadavg().map((load) => load.toFixed(1)).join(" ")} on ${os.cpus().length} cores (other processes share this machine)`);
console.log(`links: ${events.toLocaleString("en")} events, ${users.toLocaleString("en")} users, range ${range.from} → ${range.to}, 64 links, ${calls} calls per endpoint after a warm-up`);
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log(`links with users: ${report.links.filter((row) => row.users > 0).map((row) => `${row.code} ${row.users} users, ${row.leads} leads`).join("; ")}`);

await closeApi();
await close();
