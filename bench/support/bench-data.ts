import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Server } from "node:http";
import { loadConfig } from "@chatfunnel/schemas";
import { KeyStore, Readiness, closeServer, createLogger, createMetrics, createStorage, ensureProject, generateKey, listen, registerKey, type Storage } from "@chatfunnel/core";
import { migrate } from "@chatfunnel/warehouse";
import { createHttpApp } from "@chatfunnel/server";
import { generateDataset } from "./dataset.js";

export const BENCH_PROJECT = "bench";
const DATABASE = "bench";

export interface BenchData {
  storage: Storage;
  range: { from: string; to: string };
  events: number;
  users: number;
  /** Closes the engine; a data directory the bench made for itself (no BENCH_DATA_DIR) is removed. */
  close(): Promise<void>;
}

/**
 * The 10M-event data set (× BENCH_SCALE) in a chDB directory. With BENCH_DATA_DIR set, a data set of
 * the same size left there by an earlier run is reused; otherwise the database is rebuilt from scratch
 * so no rollup keeps rows of an earlier generation.
 */
export async function openBenchData(name: string, env: Record<string, string | undefined>): Promise<BenchData> {
  const scale = Number(env.BENCH_SCALE ?? 1);
  const events = Math.round(10_000_000 * scale);
  const users = Math.max(1, Math.round(200_000 * scale));
  const dataDir = env.BENCH_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), `chatfunnel-${name}-bench-`));
  const config = loadConfig({ DATA_DIR: dataDir, CLICKHOUSE_DATABASE: DATABASE, LOG_LEVEL: "silent", QUERY_MAX_MEMORY_BYTES: env.QUERY_MAX_MEMORY_BYTES ?? defaultMemoryCap(scale) });
  const storage = createStorage(config);
  await migrate(storage);
  const close = async () => {
    await storage.close();
    if (env.BENCH_DATA_DIR === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const rangeFile = path.join(dataDir, "range.json");
  if (env.BENCH_DATA_DIR !== undefined && (await countEvents(storage)) === events && fs.existsSync(rangeFile)) {
    console.log(`reusing ${events.toLocaleString("en")} events in ${dataDir}`);
    return { storage, range: JSON.parse(fs.readFileSync(rangeFile, "utf8")) as BenchData["range"], events, users, close };
  }
  const started = Date.now();
  await storage.client.command({ query: `DROP DATABASE IF EXISTS ${DATABASE} SYNC` });
  await migrate(storage);
  await ensureProject(storage, BENCH_PROJECT, "bench");
  const range = await generateDataset(storage, { projectId: BENCH_PROJECT, events, users, days: 30, seed: 42 });
  fs.writeFileSync(rangeFile, JSON.stringify(range));
  console.log(`generated ${events.toLocaleString("en")} events, ${users.toLocaleString("en")} users, 30 days in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { storage, range, events, users, close };
}

/**
 * The per-query memory cap the figures are quoted under: 2 GiB up to the 10M-event set, 4 GiB above it
 * (the 100M-event run, BENCH_SCALE=10). A query past it fails the bench.
 */
function defaultMemoryCap(scale: number): string {
  return String((scale > 1 ? 4 : 2) * 2 ** 30);
}

async function countEvents(storage: Storage): Promise<number> {
  const result = await storage.client.query({
    query: `SELECT count() AS n FROM ${DATABASE}.events`,
    format: "JSONEachRow",
    clickhouse_settings: storage.querySettings,
  });
  const [row] = await result.json<{ n: number }>();
  return Number(row?.n ?? 0);
}

/** The real API app on 127.0.0.1 with a fresh read key for the bench project. */
export async function serveBenchApi(storage: Storage): Promise<{ url: string; readKey: string; manageKey: string; server: Server; close(): Promise<void> }> {
  await ensureProject(storage, BENCH_PROJECT, "bench");
  const readKey = generateKey("read");
  await registerKey(storage, readKey, { projectId: BENCH_PROJECT, kind: "read" });
  // Editor actions (people deletion) need a manage key since key kinds exist.
  const manageKey = generateKey("manage");
  await registerKey(storage, manageKey, { projectId: BENCH_PROJECT, kind: "manage" });
  const logger = createLogger("silent", "bench");
  const metrics = createMetrics();
  const readiness = new Readiness();
  readiness.markReady();
  const keys = await KeyStore.load(storage);
  const app = createHttpApp({ readiness, metrics, logger, api: { storage, keys, metrics, logger } });
  const { server, url } = await listen(app, "127.0.0.1", 0);
  return {
    url,
    readKey,
    manageKey,
    server,
    close: () => closeServer(server),
  };
}
