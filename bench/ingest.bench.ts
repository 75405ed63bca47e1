/**
 * Ingest throughput, end to end: generated events posted over HTTP in batches of 500 by a few
 * concurrent clients, timed from the first POST until the last row is stored (queryable), for
 *   (a) the embedded default (`server/src/bin/embedded.ts`, chDB), and
 *   (b) the distributed path (`server/src/bin/collector.ts` → real Kafka → `server/src/bin/consumer.ts`, chDB),
 * each beside the floor: the same rows bulk-inserted straight into the same engine.
 *
 *   npx tsx bench/ingest.bench.ts                 1,000,000 events (needs `npm run kafka:start`)
 *   BENCH_SCALE=0.01 npx tsx bench/ingest.bench.ts
 * A collector serves many bots at once, so 32 concurrent senders is the default; each waits for
 * its 200 before sending the next batch, so concurrency is what lets the writer batch.
 * Env: BENCH_CLIENTS (default 32), BENCH_PATHS (default "embedded,kafka"); the processes' own settings
 * (BATCH_MAX_ROWS, BATCH_MAX_WAIT_MS, BATCH_MAX_BYTES, KAFKA_TOPIC_PARTITIONS) pass through to them.
 * BENCH_DURABILITY=fsync adds a row: the embedded path again with DURABILITY=fsync (every inserted
 * part fsynced), so the price of surviving power loss is measured beside the default.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { loadConfig, type Event } from "@chatfunnel/schemas";
import { createStorage } from "@chatfunnel/core";
import { migrate, toEventRow, type EventRow } from "@chatfunnel/warehouse";
import {
  countStoredEvents,
  counterValue,
  deleteTopics,
  requireBroker,
  spawnTs,
  stopChild,
  testKafka,
  uniqueKafkaNames,
  TEST_BROKER,
  type Child,
} from "../tests/support/kafka.js";

const SCALE = Number(process.env.BENCH_SCALE ?? "1");
const BATCH = 500;
const TOTAL = Math.max(BATCH, Math.round((1_000_000 * SCALE) / BATCH) * BATCH);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? "32");
const PATHS = (process.env.BENCH_PATHS ?? "embedded,kafka").split(",");
const DURABILITY_ROW = process.env.BENCH_DURABILITY === "fsync";
const USERS = Math.max(100, Math.round(TOTAL / 20));
const FLOOR_CHUNK_ROWS = 20_000; // BATCH_MAX_ROWS' default: the writer's own insert size
const WRITE_KEY = `cf_w_${randomBytes(16).toString("hex")}`;
const READ_KEY = `cf_r_${randomBytes(16).toString("hex")}`;
const PROJECT = "bench";
const root = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-ingest-bench-"));

// ---- data: event i is a pure function of i, so every path and the floor get the same rows ----
const CHANNELS = ["telegram", "whatsapp", "vk"] as const;
const TYPES = ["message_received", "message_sent", "button_clicked", "message_received", "bot_started", "lead", "message_sent", "order"] as const;
const idPrefix = randomBytes(4).toString("hex");
const baseMs = Date.now() - 30 * 86_400_000;

function benchEvent(i: number): Event {
  const user = (i * 7919) % USERS;
  const channel = CHANNELS[user % CHANNELS.length]!;
  const type = TYPES[i % TYPES.length]!;
  return {
    id: `${idPrefix}-0000-4000-8000-${i.toString(16).padStart(12, "0")}`,
    type,
    channel,
    botId: `bot-${channel}`,
    userId: `u${user}`,
    ...(channel === "whatsapp" ? { sessionId: `s${user}-${Math.floor(i / 50_000)}` } : {}),
    timestamp: new Date(baseMs + Math.floor((i / TOTAL) * 29 * 86_400_000)).toISOString(),
    ...(i % 5 === 0 ? { source: { source: "telegram_ads", medium: "cpc", campaign: `campaign_${user % 4}` } } : {}),
    ...(type === "order" ? { revenue: 990 + (i % 10) * 100, currency: "RUB" } : {}),
    properties: { step: i % 10, plan: i % 3 ? "pro" : "basic" },
  };
}

function requestBodies(): string[] {
  const bodies: string[] = [];
  for (let start = 0; start < TOTAL; start += BATCH) {
    bodies.push(JSON.stringify({ events: Array.from({ length: BATCH }, (_, k) => benchEvent(start + k)) }));
  }
  return bodies;
}

// ---- measuring ----
interface PathResult {
  name: string;
  acceptedSeconds: number;
  storedSeconds: number;
  retries: number;
  peakRss: Record<string, number>;
  cpu: Record<string, number>;
  stored: number;
}

async function postAll(url: string, bodies: string[]): Promise<{ seconds: number; retries: number }> {
  let next = 0;
  let retries = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        for (;;) {
          const res = await fetch(`${url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json" }, body });
          const text = await res.text();
          if (res.status === 200) break;
          if (res.status !== 429 && res.status !== 503) throw new Error(`POST /v1/events answered ${res.status}: ${text}`);
          retries++;
          await sleep(Number(res.headers.get("retry-after") ?? "1") * 100);
        }
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, retries };
}

async function waitForRows(metricsUrl: string, rows: number, timeoutMs = 30 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (counterValue(await (await fetch(`${metricsUrl}/metrics`)).text(), "chatfunnel_rows_written_total") < rows) {
    if (Date.now() > deadline) throw new Error(`rows not stored within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** CPU seconds (user + system) a live process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** The local broker's JVM (scripts/kafka/start.sh keeps its pid), to account for its CPU too. */
function brokerPid(): number | undefined {
  try {
    return Number(fs.readFileSync(path.resolve(".local/kafka/kafka.pid"), "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set of a live process (kernel high-water mark), in MiB. */
function peakRssMiB(pid: number | undefined): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const tuning = Object.fromEntries(
  ["BATCH_MAX_ROWS", "BATCH_MAX_WAIT_MS", "BATCH_MAX_BYTES", "KAFKA_TOPIC_PARTITIONS"].flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])),
);
const baseEnv = { ...tuning, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", CHATFUNNEL_PROJECT_ID: PROJECT, CHATFUNNEL_WRITE_KEY: WRITE_KEY, CHATFUNNEL_READ_KEY: READ_KEY };

async function runEmbedded(bodies: string[], durability: "default" | "fsync" = "default"): Promise<PathResult> {
  const dataDir = path.join(root, `embedded-${durability}`);
  const child = spawnTs("server/src/bin/embedded.ts", { ...baseEnv, DATA_DIR: dataDir, DURABILITY: durability });
  try {
    const url = await child.waitForOutput(/Dashboard:\s+(http:\/\/[^/\s]+)/);
    const cpuBefore = cpuSeconds(child.process.pid);
    const benchCpuBefore = process.cpuUsage();
    const started = performance.now();
    const sent = await postAll(url, bodies);
    await waitForRows(url, TOTAL);
    const storedSeconds = (performance.now() - started) / 1000;
    const peakRss = { embedded: peakRssMiB(child.process.pid) };
    const cpu = { embedded: cpuSeconds(child.process.pid) - cpuBefore, "bench clients": benchCpu(benchCpuBefore) };
    await stopOrThrow(child);
    const stored = (await countStoredEvents(dataDir)).final;
    const name = durability === "fsync" ? "embedded, DURABILITY=fsync" : "embedded (HTTP → writer → chDB)";
    return { name, acceptedSeconds: sent.seconds, storedSeconds, retries: sent.retries, peakRss, cpu, stored };
  } finally {
    await stopChild(child);
  }
}

async function runKafka(bodies: string[]): Promise<PathResult> {
  await requireBroker();
  const names = uniqueKafkaNames("bench");
  const env = { ...baseEnv, ...names, KAFKA_BROKERS: TEST_BROKER };
  const consumerDir = path.join(root, "consumer");
  const collector = spawnTs("server/src/bin/collector.ts", { ...env, DATA_DIR: path.join(root, "collector") });
  // One process on storage (the bench counts the consumer's directory itself): chDB is allowed here.
  const consumer = spawnTs("server/src/bin/consumer.ts", { ...env, DATA_DIR: consumerDir, CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED: "1" });
  try {
    const collectorUrl = await collector.waitForOutput(/collector: (http:\/\/\S+)\/v1\/events/);
    const consumerUrl = await consumer.waitForOutput(/health at (http:\/\/\S+)/);
    const broker = brokerPid();
    const cpuBefore = { collector: cpuSeconds(collector.process.pid), consumer: cpuSeconds(consumer.process.pid), broker: broker ? cpuSeconds(broker) : 0 };
    const benchCpuBefore = process.cpuUsage();
    const started = performance.now();
    const sent = await postAll(collectorUrl, bodies);
    await waitForRows(consumerUrl, TOTAL);
    const storedSeconds = (performance.now() - started) / 1000;
    const peakRss = { collector: peakRssMiB(collector.process.pid), consumer: peakRssMiB(consumer.process.pid) };
    const cpu = {
      collector: cpuSeconds(collector.process.pid) - cpuBefore.collector,
      consumer: cpuSeconds(consumer.process.pid) - cpuBefore.consumer,
      ...(broker ? { broker: cpuSeconds(broker) - cpuBefore.broker } : {}),
      "bench clients": benchCpu(benchCpuBefore),
    };
    await stopOrThrow(collector);
    await stopOrThrow(consumer);
    const stored = (await countStoredEvents(consumerDir)).final;
    return { name: "kafka (HTTP → collector → Kafka → consumer → chDB)", acceptedSeconds: sent.seconds, storedSeconds, retries: sent.retries, peakRss, cpu, stored };
  } finally {
    await Promise.all([stopChild(collector), stopChild(consumer)]);
    await deleteTopics(testKafka(), [names.KAFKA_TOPIC, names.KAFKA_DLQ_TOPIC]);
  }
}

/** The engine's floor: the same rows, already built, inserted directly in writer-sized chunks. */
async function runFloor(): Promise<{ seconds: number; cpuSeconds: number; stored: number }> {
  const storage = createStorage(loadConfig({ DATA_DIR: path.join(root, "floor"), LOG_LEVEL: "silent" }));
  await migrate(storage);
  const receivedAt = new Date();
  let seconds = 0;
  let cpu = 0;
  for (let start = 0; start < TOTAL; start += FLOOR_CHUNK_ROWS) {
    const rows: EventRow[] = [];
    for (let i = start; i < Math.min(TOTAL, start + FLOOR_CHUNK_ROWS); i++) rows.push(toEventRow(PROJECT, benchEvent(i), receivedAt));
    const began = performance.now();
    const cpuBefore = process.cpuUsage();
    await storage.insertRows("events", rows);
    seconds += (performance.now() - began) / 1000;
    cpu += benchCpu(cpuBefore);
  }
  const result = await storage.client.query({ query: `SELECT count() AS n FROM ${storage.database}.events FINAL`, format: "JSONEachRow", clickhouse_settings: storage.querySettings });
  const [row] = await result.json<{ n: number }>();
  await storage.close();
  return { seconds, cpuSeconds: cpu, stored: Number(row?.n) };
}

async function stopOrThrow(child: Child): Promise<void> {
  const exit = await stopChild(child);
  if (exit.code !== 0) throw new Error(`child exited with ${JSON.stringify(exit)}; output:\n${child.output().slice(-3000)}`);
}

function benchCpu(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- run ----
console.log(`ingest bench: ${TOTAL.toLocaleString("en")} events, batches of ${BATCH}, ${CLIENTS} concurrent clients, ${USERS.toLocaleString("en")} users; data in ${root}`);
if (Object.keys(tuning).length > 0) console.log(`settings passed to the processes: ${JSON.stringify(tuning)}`);
console.log(`load average before: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} on ${os.cpus().length} CPUs`);
const bodies = requestBodies();
const results: PathResult[] = [];
try {
  if (PATHS.includes("embedded")) results.push(await runEmbedded(bodies));
  if (DURABILITY_ROW) results.push(await runEmbedded(bodies, "fsync"));
  if (PATHS.includes("kafka")) results.push(await runKafka(bodies));
  const floor = await runFloor();
  const floorRate = TOTAL / floor.seconds;
  const rate = (seconds: number) => Math.round(TOTAL / seconds).toLocaleString("en");
  console.table([
    ...results.map((r) => ({
      path: r.name,
      "events/s (stored)": rate(r.storedSeconds),
      "events/s (HTTP 200)": rate(r.acceptedSeconds),
      "seconds to stored": r.storedSeconds.toFixed(2),
      "ratio to floor": (TOTAL / r.storedSeconds / floorRate).toFixed(2),
      "429/503 retries": r.retries,
      "peak RSS MiB": Object.entries(r.peakRss).map(([proc, mib]) => `${proc} ${mib.toFixed(0)}`).join(", "),
      "CPU s": Object.entries(r.cpu).map(([proc, s]) => `${proc} ${s.toFixed(1)}`).join(", "),
      // Independent of how busy the machine is: what one event costs, summed over every process involved.
      "CPU µs/event": ((Object.values(r.cpu).reduce((a, b) => a + b, 0) / TOTAL) * 1e6).toFixed(0),
      "stored (FINAL)": r.stored,
    })),
    {
      path: `floor (direct insert, ${FLOOR_CHUNK_ROWS.toLocaleString("en")}-row chunks)`,
      "events/s (stored)": rate(floor.seconds),
      "events/s (HTTP 200)": "-",
      "seconds to stored": floor.seconds.toFixed(2),
      "ratio to floor": "1.00",
      "429/503 retries": 0,
      "peak RSS MiB": `bench ${peakRssMiB(process.pid).toFixed(0)}`,
      "CPU s": `engine + encoding ${floor.cpuSeconds.toFixed(1)}`,
      "CPU µs/event": ((floor.cpuSeconds / TOTAL) * 1e6).toFixed(0),
      "stored (FINAL)": floor.stored,
    },
  ]);
  for (const r of [...results.map((r) => r.stored), await Promise.resolve(TOTAL)]) {
    if (r !== TOTAL) throw new Error(`stored ${r} rows, expected ${TOTAL}`);
  }
  console.log("targets: embedded ≥ 50,000 events/s, kafka ≥ 25,000 events/s (stored)");
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
