/**
 * Latency of every analytics endpoint on a generated data set in the embedded engine (chDB):
 * 10M events, 200k users, 3 channels, 30 days by default; BENCH_SCALE multiplies events and users.
 * Each endpoint is called over HTTP (the real app on 127.0.0.1) a few times after one warm-up;
 * p50/p95 are over those calls. chDB keeps no query_log, so memory is bounded instead: every query
 * runs under max_memory_usage = QUERY_MAX_MEMORY_BYTES (default 2 GiB, 4 GiB at BENCH_SCALE > 1; set it
 * lower to find the peak) and would fail the bench past it. Targets on a 2-core machine: overview, channels
 * and engagement p50 ≤ 300 ms, no query > 2 GiB; broadcasts, support, surveys and paths p50 ≤ 500 ms, paths at
 * depth 5 ≤ 1 s; at BENCH_SCALE=10 (100M events, generated in the engine like every scale) overview p50 ≤ 1.5 s,
 * no query > 4 GiB.
 *
 *   npx tsx bench/api.bench.ts                     # full size
 *   BENCH_SCALE=0.01 npx tsx bench/api.bench.ts    # quick check
 *   BENCH_SCALE=10 BENCH_DATA_DIR=/tmp/b100 …      # 100M events (~7 GB on disk; delete the dir after)
 *   BENCH_CALLS=10 BENCH_DATA_DIR=/tmp/x …         # more calls; keep the data between runs
 *   BENCH_ONLY=overview,channels …                 # a subset, by name prefix
 *   BENCH_ONLY=broadcast,support,surveys,paths …   # issue 12's endpoints
 *   BENCH_ONLY=retention …                         # issue 14's retention (8 weekly; 24 monthly by campaign)
 */
import os from "node:os";
import { openBenchData, serveBenchApi } from "./support/bench-data.js";

const calls = Number(process.env.BENCH_CALLS ?? 7);
const { storage, range, events, users, close } = await openBenchData("api", process.env);
const { url, readKey, close: closeApi } = await serveBenchApi(storage);

const week = { from: new Date(Date.parse(range.to) - 7 * 86_400_000).toISOString().slice(0, 10), to: range.to };
const endpoints: { name: string; path: string }[] = [
  { name: "overview 30d", path: `overview?from=${range.from}&to=${range.to}` },
  { name: "overview 7d", path: `overview?from=${week.from}&to=${week.to}` },
  { name: "channels 30d", path: `channels?from=${range.from}&to=${range.to}` },
  { name: "costs by channel", path: `costs?by=channel&from=${range.from}&to=${range.to}` },
  { name: "costs by campaign", path: `costs?by=campaign&from=${range.from}&to=${range.to}` },
  { name: "repeat", path: `repeat?from=${range.from}&to=${range.to}` },
  { name: "engagement", path: `engagement?from=${range.from}&to=${range.to}` },
  ...["users", "new_users", "sessions", "leads", "orders", "revenue", "spend", "resolution_rate"].map((metric) => ({
    name: `timeseries ${metric}`,
    path: `timeseries?metric=${metric}&interval=day&from=${range.from}&to=${range.to}`,
  })),
  { name: "overview 30d, campaign", path: `overview?from=${range.from}&to=${range.to}&campaign=spring_sale` },
  { name: "overview 30d, telegram", path: `overview?from=${range.from}&to=${range.to}&channel=telegram` },
  // Issue 12's endpoints (targets: p50 ≤ 500 ms, paths at depth 5 ≤ 1 s). The broadcast and the node asked
  // for are picked from the answers (the widest broadcast, the biggest node past the start), see below.
  { name: "broadcasts list", path: `broadcasts?from=${range.from}&to=${range.to}` },
  { name: "broadcast detail", path: "" },
  { name: "support by day", path: `support?interval=day&from=${range.from}&to=${range.to}` },
  { name: "surveys", path: `surveys?from=${range.from}&to=${range.to}` },
  { name: "paths depth 5", path: `paths?depth=5&from=${range.from}&to=${range.to}` },
  { name: "paths depth 10", path: `paths?depth=10&from=${range.from}&to=${range.to}` },
  { name: "paths users of a node", path: "" },
  // Issue 14 (targets on the 10M set: 8 weekly periods p50 ≤ 1 s, 24 monthly with a campaign breakdown ≤ 2 s, ≤ 2 GiB).
  { name: "retention 8 weekly", path: `retention?interval=week&periods=8&from=${range.from}&to=${range.to}` },
  { name: "retention 24 monthly by campaign", path: `retention?interval=month&periods=24&breakdown=campaign&from=${range.from}&to=${range.to}` },
];

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function call(pathAndQuery: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/api/v1/${pathAndQuery}`, { headers: { Authorization: `Bearer ${readKey}` } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${pathAndQuery}: ${res.status} ${body.slice(0, 300)}`);
  return performance.now() - started;
}

async function getJson(pathAndQuery: string): Promise<unknown> {
  const res = await fetch(`${url}/api/v1/${pathAndQuery}`, { headers: { Authorization: `Bearer ${readKey}` } });
  if (res.status !== 200) throw new Error(`${pathAndQuery}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res.json();
}

/** The detail entries ask for what the lists answer, so they need no knowledge of the data set's ids. */
async function resolveDetailPaths(selected: { name: string; path: string }[]): Promise<void> {
  const detail = selected.find((endpoint) => endpoint.name === "broadcast detail");
  if (detail) {
    const list = (await getJson(`broadcasts?from=${range.from}&to=${range.to}`)) as { broadcasts: { broadcastId: string; sent: number }[] };
    const widest = [...list.broadcasts].sort((a, b) => b.sent - a.sent)[0];
    if (!widest) throw new Error("the data set has no broadcast in range");
    detail.path = `broadcasts/${encodeURIComponent(widest.broadcastId)}?from=${range.from}&to=${range.to}`;
    detail.name += ` (${widest.broadcastId}, ${widest.sent.toLocaleString("en")} sent)`;
  }
  const nodeUsers = selected.find((endpoint) => endpoint.name === "paths users of a node");
  if (nodeUsers) {
    const answer = (await getJson(`paths?depth=5&from=${range.from}&to=${range.to}`)) as { nodes: { step: number; kind: string; label: string; users: number }[] };
    // Nodes come by step then most users: the first past the start is step 2's biggest.
    const node = answer.nodes.find((candidate) => candidate.step > 1);
    if (!node) throw new Error("the paths answer has no node past the start");
    nodeUsers.path = `paths/users?depth=5&step=${node.step}&kind=${node.kind}&label=${encodeURIComponent(node.label)}&from=${range.from}&to=${range.to}`;
    nodeUsers.name += ` (step ${node.step} ${node.kind} ${node.label}, ${node.users.toLocaleString("en")} users)`;
  }
}

/** BENCH_ONLY=overview,channels measures only endpoints whose name starts with one of these. */
const only = process.env.BENCH_ONLY?.split(",").filter(Boolean);
const selected = endpoints.filter((candidate) => !only || only.some((prefix) => candidate.name.startsWith(prefix)));
await resolveDetailPaths(selected);
const rows: string[][] = [];
for (const endpoint of selected) {
  await call(endpoint.path); // warm-up: first-call caches, mark loading
  const times: number[] = [];
  for (let i = 0; i < calls; i++) times.push(await call(endpoint.path));
  times.sort((a, b) => a - b);
  rows.push([endpoint.name, percentile(times, 50).toFixed(0), percentile(times, 95).toFixed(0), (times[0] ?? NaN).toFixed(0)]);
  console.log(`  ${endpoint.name}: p50 ${percentile(times, 50).toFixed(0)} ms`);
}

const header = ["endpoint", "p50 ms", "p95 ms", "min ms"];
const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
const line = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join("  ");
console.log(`\nload average while measuring: ${os.loadavg().map((load) => load.toFixed(1)).join(" ")} on ${os.cpus().length} cores (other processes share this machine)`);
console.log(`api: ${events.toLocaleString("en")} events, ${users.toLocaleString("en")} users, range ${range.from} → ${range.to}, ${calls} calls per endpoint after a warm-up`);
console.log(`every query ran under max_memory_usage = ${(Number(storage.querySettings.max_memory_usage) / 2 ** 20).toFixed(0)} MiB`);
console.log(line(header));
for (const row of rows) console.log(line(row));

await closeApi();
await close();
