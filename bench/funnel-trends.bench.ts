/**
 * Funnel trends latency (issue 13: by day over 30 days ≤ 1 s on 10M events) on the generated data set in the
 * embedded engine (chDB): 10M events, 200k users, 3 channels, 30 days by default; BENCH_SCALE multiplies events
 * and users. Each case is called over HTTP (the real app on 127.0.0.1) BENCH_CALLS times after one warm-up;
 * p50/p95 over those calls. The plain funnel of the same steps runs beside it: trends add only a bucket per user
 * to the funnel's per-user query, so the two should be close.
 *
 *   npx tsx bench/funnel-trends.bench.ts                     # full size
 *   BENCH_SCALE=0.01 npx tsx bench/funnel-trends.bench.ts    # quick check
 *   BENCH_CALLS=15 BENCH_DATA_DIR=/tmp/x …                   # more calls; keep the data between runs (shared with funnel.bench.ts)
 */
import os from "node:os";
import { openBenchData, serveBenchApi } from "./support/bench-data.js";

const calls = Number(process.env.BENCH_CALLS ?? 9);
const { storage, range, events, users, close } = await openBenchData("funnel-trends", process.env);
const { url, readKey, close: closeApi } = await serveBenchApi(storage);

const FUNNEL_STEPS = ["bot_started", "message_received", "button_clicked", "lead", "order"];
const steps = FUNNEL_STEPS.map((step) => `steps=${encodeURIComponent(step)}`).join("&");
const base = `from=${range.from}&to=${range.to}&${steps}`;
const cases: { name: string; path: string; targetMs?: number }[] = [
  { name: "funnel trends by day, 30 days", path: `funnel/trends?${base}&interval=day`, targetMs: 1000 },
  { name: "funnel trends by day, 30 days, Europe/Berlin", path: `funnel/trends?${base}&interval=day&tz=Europe/Berlin` },
  { name: "funnel trends by week, 30 days", path: `funnel/trends?${base}&interval=week` },
  { name: "funnel trends by day, strict", path: `funnel/trends?${base}&interval=day&mode=strict` },
  { name: "funnel (same steps, for comparison)", path: `funnel?${base}` },
];

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function call(pathAndQuery: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/api/v1/${pathAndQuery}`, { headers: { Authorization: `Bearer ${readKey}` } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${pathAndQuery}: ${res.status} ${body.slice(0, 300)}`);
  return performance.now() - started;
}

const rows: string[][] = [];
for (const entry of cases) {
  await call(entry.path); // warm-up
  const times: number[] = [];
  for (let i = 0; i < calls; i++) times.push(await call(entry.path));
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  const verdict = entry.targetMs === undefined ? "" : `p50 ≤ ${entry.targetMs} — ${p50 <= entry.targetMs ? "met" : "missed"}`;
  rows.push([entry.name, p50.toFixed(0), percentile(times, 95).toFixed(0), verdict]);
  console.log(`  ${entry.name}: p50 ${p50.toFixed(0)} ms`);
}

const header = ["case", "p50 ms", "p95 ms", "target"];
const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
const line = (cells: string[]) => cells.map((cell, index) => (index === 0 || index === 3 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join("  ");
console.log(`\nfunnel trends: ${events.toLocaleString("en")} events, ${users.toLocaleString("en")} users, range ${range.from} → ${range.to}, ${calls} calls each after a warm-up, ${os.cpus().length} cores`);
console.log(line(header));
for (const row of rows) console.log(line(row));

await closeApi();
await close();
