/**
 * Funnel latency on the generated data set in the embedded engine (chDB): 10M events, 200k users, 3 channels,
 * 30 days by default; BENCH_SCALE multiplies events and users. Each funnel is called over HTTP (the real app on
 * 127.0.0.1) BENCH_CALLS times after one warm-up; p50/p95 over those calls. The floor is one hand-written
 * windowFunnel query over the same events and steps (levels only: no times, no tie rules, no dedup), run the
 * same way; the ratio is funnel p50 / floor p50. Memory: see peakRss below. Target on a 2-core machine: the default funnel p50 ≤ 500 ms, no query above 2 GiB; at
 * BENCH_SCALE=10 (100M events) p50 ≤ 3 s, no query above 4 GiB (the cap bench-data.ts sets at that scale).
 *
 *   npx tsx bench/funnel.bench.ts                     # full size
 *   BENCH_SCALE=0.01 npx tsx bench/funnel.bench.ts    # quick check
 *   BENCH_CALLS=15 BENCH_DATA_DIR=/tmp/x …            # more calls; keep the data between runs
 *   BENCH_ONLY='ordered, per-step;dropoff' …          # a subset of the funnels, by name prefix, prefixes
 *                                                     # separated by ';' (names hold commas and '|'; the floor always runs)
 */
import os from "node:os";
import { BENCH_PROJECT, openBenchData, serveBenchApi } from "./support/bench-data.js";

const calls = Number(process.env.BENCH_CALLS ?? 9);
const projectId = BENCH_PROJECT;
const { storage, range, events, users, close } = await openBenchData("funnel", process.env);
const db = storage.database;
const { url, readKey, close: closeApi } = await serveBenchApi(storage);

const FUNNEL_STEPS = ["bot_started", "message_received", "button_clicked", "lead", "order"];
const steps = (list: string[]) => list.map((step) => `steps=${encodeURIComponent(step)}`).join("&");
const base = `from=${range.from}&to=${range.to}`;
const cases: { name: string; path: string }[] = [
  { name: "ordered, 5 steps (default)", path: `funnel?${base}&${steps(FUNNEL_STEPS)}` },
  { name: "strict, 5 steps", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&mode=strict` },
  { name: "any order, 5 steps", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&mode=any` },
  { name: "ordered, filters plan=pro", path: `funnel?${base}&${steps(["bot_started", "button_clicked[plan=pro]", "lead", "order[plan=pro]"])}` },
  { name: "ordered, by channel", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&breakdown=channel` },
  { name: "ordered, by channel+campaign", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&breakdown=channel&breakdown=campaign` },
  { name: "ordered, 1 day window", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&window=1d` },
  { name: "ordered, telegram only", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&channel=telegram` },
  { name: "message_received first", path: `funnel?${base}&${steps(["message_received", "button_clicked", "lead"])}` },
  // Issue 13: each new feature against the default funnel (target ≤ 1.5 × its p50).
  { name: "ordered, operators (plan!=basic, text~, utm?)", path: `funnel?${base}&${steps(["bot_started", "message_received[text~цена]|message_received[node?]", "button_clicked[plan!=basic]", "lead[form?]", "order[plan!=basic]"])}` },
  { name: "ordered, numeric > on a property", path: `funnel?${base}&${steps(["bot_started", "message_received", "button_clicked", "lead", `{"type":"order","filters":[{"property":"amount","op":">","value":"100"}]}`])}` },
  { name: "ordered, any-of step lead|order", path: `funnel?${base}&${steps(["bot_started", "message_received", "button_clicked", "lead|order", "order"])}` },
  { name: "ordered, bins=20", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&bins=20` },
  { name: "ordered, by properties.plan first touch", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&breakdown=properties.plan` },
  { name: "ordered, by properties.plan at step 3", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&breakdown=properties.plan&breakdownAttribution=step:3` },
  { name: "ordered, by channel+campaign, limit 5 (other)", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&breakdown=channel&breakdown=campaign&breakdownLimit=5` },
  { name: "ordered, per-step windows", path: `funnel?${base}&${steps(["bot_started", "message_received<=1h", "button_clicked<=1h", "lead<=1d", "order<=3d"])}` },
  { name: "strict, per-step windows", path: `funnel?${base}&${steps(["bot_started", "message_received<=1h", "button_clicked<=1h", "lead<=1d", "order<=3d"])}&mode=strict` },
  { name: "ordered, exclude handoff:2-4", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&exclude=handoff:2-4` },
  // Issue 13, remaining parts: optional steps, hold, and the 20-step per-step-window target (≤ 1.5 s).
  { name: "ordered, optional step 2 (?message_received)", path: `funnel?${base}&${steps(["bot_started", "?message_received", "button_clicked", "lead", "order"])}` },
  { name: "any order, optional step 2 (?message_received)", path: `funnel?${base}&${steps(["bot_started", "?message_received", "button_clicked", "lead", "order"])}&mode=any` },
  { name: "strict, optional step 2 (?message_received)", path: `funnel?${base}&${steps(["bot_started", "?message_received", "button_clicked", "lead", "order"])}&mode=strict` },
  { name: "ordered, optional first and last (?bot_started … ?order)", path: `funnel?${base}&${steps(["?bot_started", "message_received", "button_clicked", "lead", "?order"])}` },
  { name: "ordered, optional step + per-step windows", path: `funnel?${base}&${steps(["bot_started", "?message_received<=1h", "button_clicked<=1h", "lead<=1d", "order<=3d"])}` },
  { name: "ordered, optional step + exclude handoff:2-4", path: `funnel?${base}&${steps(["bot_started", "?message_received", "button_clicked", "lead", "order"])}&exclude=handoff:2-4` },
  // bot_started carries no node: every start is a part of its own, the costliest split.
  { name: "ordered, hold=node", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&hold=node` },
  { name: "strict, hold=node", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&mode=strict&hold=node` },
  { name: "any order, hold=node", path: `funnel?${base}&${steps(FUNNEL_STEPS)}&mode=any&hold=node` },
  {
    name: "ordered, 20 steps with per-step windows",
    path: `funnel?${base}&${steps(Array.from({ length: 20 }, (_, k) => `${FUNNEL_STEPS[k % FUNNEL_STEPS.length]}${k === 0 ? "" : k % 2 === 0 ? "<=1d" : "<=3d"}`))}`,
  },
  { name: "dropoff step 4, JSON", path: `funnel/dropoff?${base}&${steps(FUNNEL_STEPS)}&step=4` },
  { name: "dropoff step 4, CSV", path: `funnel/dropoff?${base}&${steps(FUNNEL_STEPS)}&step=4&format=csv` },
];

/** The floor: ClickHouse's own windowFunnel over the same steps, grouped by user. */
const floorSql = `
SELECT level, count() AS users FROM (
  SELECT channel, user_id,
    windowFunnel(604800000)(toUInt64(toUnixTimestamp64Milli(ts)), ${FUNNEL_STEPS.map((_, k) => `type = {s${k}:String}`).join(", ")}) AS level
  FROM ${db}.events
  WHERE project_id = {projectId:String} AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')} + INTERVAL 7 DAY
    AND type IN {types:Array(String)}
  GROUP BY channel, user_id
) GROUP BY level ORDER BY level`;
const floorParams = {
  projectId,
  from: `${range.from} 00:00:00`,
  to: `${range.to} 00:00:00`,
  types: FUNNEL_STEPS,
  ...Object.fromEntries(FUNNEL_STEPS.map((type, k) => [`s${k}`, type])),
};

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function callApi(pathAndQuery: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/api/v1/${pathAndQuery}`, { headers: { Authorization: `Bearer ${readKey}` } });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${pathAndQuery}: ${res.status} ${body.slice(0, 300)}`);
  return performance.now() - started;
}

async function callFloor(): Promise<number> {
  const started = performance.now();
  const result = await storage.client.query({ query: floorSql, query_params: floorParams, format: "JSONEachRow", clickhouse_settings: storage.querySettings });
  await result.json();
  return performance.now() - started;
}

/**
 * chDB keeps no system.query_log, so per-query peaks are not available. Every query runs with
 * max_memory_usage = QUERY_MAX_MEMORY_BYTES (2 GiB, 4 GiB above BENCH_SCALE=1): one needing more fails and stops this bench. Beside that
 * the table shows the process's peak RSS so far (engine + Node), an upper bound of any single query.
 */
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

async function measure(run: () => Promise<number>): Promise<{ times: number[]; peak: number }> {
  await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < calls; i++) times.push(await run());
  times.sort((a, b) => a - b);
  return { times, peak: peakRss() };
}

const floor = await measure(callFloor);
const floorP50 = percentile(floor.times, 50);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const rows: string[][] = [["floor: windowFunnel, 5 steps", floorP50.toFixed(0), percentile(floor.times, 95).toFixed(0), (floor.times[0] ?? NaN).toFixed(0), "1.00", mib(floor.peak)]];
console.log(`  floor: p50 ${floorP50.toFixed(0)} ms`);
/** BENCH_ONLY='ordered, per-step;dropoff' measures only funnels whose name starts with one of these ';'-separated prefixes. */
const ONLY_SEPARATOR = ";";
if (cases.some((entry) => entry.name.includes(ONLY_SEPARATOR))) throw new Error(`a funnel case name holds BENCH_ONLY's separator '${ONLY_SEPARATOR}'`);
const only = process.env.BENCH_ONLY?.split(ONLY_SEPARATOR).filter(Boolean);
for (const entry of cases.filter((candidate) => !only || only.some((prefix) => candidate.name.startsWith(prefix)))) {
  const { times, peak } = await measure(() => callApi(entry.path));
  const p50 = percentile(times, 50);
  rows.push([entry.name, p50.toFixed(0), percentile(times, 95).toFixed(0), (times[0] ?? NaN).toFixed(0), (p50 / floorP50).toFixed(2), mib(peak)]);
  console.log(`  ${entry.name}: p50 ${p50.toFixed(0)} ms`);
}

const header = ["funnel", "p50 ms", "p95 ms", "min ms", "× floor", "RSS MiB"];
const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
const line = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join("  ");
console.log(`\nfunnel: ${events.toLocaleString("en")} events, ${users.toLocaleString("en")} users, range ${range.from} → ${range.to}, ${calls} calls each after a warm-up, ${os.cpus().length} cores`);
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log(`every query capped at max_memory_usage ${mib(Number(storage.querySettings.max_memory_usage))} MiB; RSS = the process's peak so far (engine + Node)`);

await closeApi();
await close();
