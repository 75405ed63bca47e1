import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { loadConfig, type Config, type Event } from "@chatfunnel/schemas";
import { createStorage, ensureProject, generateKey, registerKey, type ProjectKeys, type Storage } from "@chatfunnel/core";
import { migrate, toEventRow } from "@chatfunnel/warehouse";

let engine: Storage | undefined;

/** Settings for tests: quiet, small batches, this process's own chDB directory. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const root = process.env.CHATFUNNEL_TEST_ROOT ?? os.tmpdir();
  const dataDir = path.join(root, `proc-${process.pid}`);
  fs.mkdirSync(dataDir, { recursive: true });
  return loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5", PORT: "0", ...overrides });
}

/** The real ClickHouse engine (chDB) of this test process, shared by its tests. */
export function sharedEngine(): Storage {
  engine ??= createStorage(testConfig());
  return engine;
}

/** A fresh, migrated database on the shared engine: each test gets its own. */
export async function freshDatabase(): Promise<Storage> {
  const base = sharedEngine();
  // Closing a test's database must not close the engine its neighbours share.
  const storage: Storage = { ...base.withDatabase(`t_${randomUUID().replaceAll("-", "")}`), close: async () => {} };
  await migrate(storage);
  return storage;
}

/** A project with a write, a read and a manage key in `storage`. */
export async function createProject(storage: Storage, projectId = `p_${randomUUID().slice(0, 8)}`): Promise<{ projectId: string } & ProjectKeys> {
  await ensureProject(storage, projectId, projectId);
  const keys = { writeKey: generateKey("write"), readKey: generateKey("read"), manageKey: generateKey("manage") };
  await registerKey(storage, keys.writeKey, { projectId, kind: "write" });
  await registerKey(storage, keys.readKey, { projectId, kind: "read" });
  await registerKey(storage, keys.manageKey, { projectId, kind: "manage" });
  return { projectId, ...keys };
}

/** Polls until `check` returns a value that `done` accepts: data may arrive asynchronously. */
export async function waitFor<T>(check: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await check();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    last = await check();
  }
  return last;
}

/**
 * Stores events straight into the events table in two inserts, so a resent event can sit in a
 * different part from its original, where only FINAL (or the query's own dedup) collapses it.
 */
export async function loadEventsInTwoParts(storage: Storage, projectId: string, events: Event[]): Promise<void> {
  const half = Math.ceil(events.length / 2);
  for (const chunk of [events.slice(0, half), events.slice(half)]) {
    if (chunk.length === 0) continue;
    await storage.insertRows("events", chunk.map((event) => toEventRow(projectId, event, Date.now())));
  }
}
