import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel, type IHeaders, type KafkaMessage } from "kafkajs";

/** The broker `npm run kafka:start` runs (scripts/kafka/start.sh). */
export const TEST_BROKER = "127.0.0.1:9092";
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function testKafka(): Kafka {
  return new Kafka({
    clientId: "chatfunnel-tests",
    brokers: [TEST_BROKER],
    connectionTimeout: 2000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  });
}

/** Tests that need Kafka fail (never skip) without it, saying how to start it. */
export async function requireBroker(): Promise<void> {
  const admin = testKafka().admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (error) {
    throw new Error(`no Kafka broker on ${TEST_BROKER} (${(error as Error).message}): run \`npm run kafka:start\` first`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** A topic, DLQ and group of this test alone, so tests never see each other's messages. */
export function uniqueKafkaNames(label: string): { KAFKA_TOPIC: string; KAFKA_DLQ_TOPIC: string; KAFKA_GROUP_ID: string } {
  const id = `${label}-${randomUUID().slice(0, 8)}`;
  return { KAFKA_TOPIC: `t-${id}`, KAFKA_DLQ_TOPIC: `t-${id}-dlq`, KAFKA_GROUP_ID: `g-${id}` };
}

/** Messages not yet committed by the group, summed over the topic's partitions. */
export async function consumerLag(kafka: Kafka, topic: string, groupId: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((lag, end) => lag + Number(end.high) - Math.max(0, done.get(end.partition) ?? 0), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Reads `count` messages of a topic from the beginning with a throwaway group. */
export async function readMessages(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, sessionTimeout: 6000, heartbeatInterval: 1000 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${messages.length} of ${count} messages on ${topic} within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[0] : value)?.toString();
}

export interface Child {
  process: ChildProcess;
  /** Everything written so far, for assertions and for failure messages. */
  output(): string;
  /** Resolves with the first stdout/stderr match of `pattern` (its first group), or rejects on exit/timeout. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A TypeScript entry point as a single child process (`node --import tsx`, no tsx wrapper process,
 * so the pid is the program itself and a SIGKILL really kills it).
 */
export function spawnTs(file: string, env: Record<string, string>, args: string[] = []): Child {
  const child = spawn(process.execPath, ["--import", "tsx", ...(file === "-e" ? ["--input-type=module", "-e"] : [file]), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      for (const listener of listeners) listener();
    }),
  );
  return {
    process: child,
    output: () => text,
    exited,
    waitForOutput(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) return finish(() => resolve(match[1] ?? match[0]));
          if (child.exitCode !== null || child.signalCode !== null) {
            finish(() => reject(new Error(`child exited before printing ${pattern}; output:\n${text.slice(-3000)}`)));
          }
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${text.slice(-3000)}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Sends SIGTERM and waits; SIGKILL only if the process ignores the deadline. */
export async function stopChild(child: Child, timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return child.exited;
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), timeoutMs);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A Prometheus counter's value from a /metrics text (summing its labelled series). */
export function counterValue(metricsText: string, name: string): number {
  let total = 0;
  for (const line of metricsText.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

export interface StoredCounts {
  /** Rows as the metrics see them (FINAL: one per event id). */
  final: number;
  /** Distinct event ids. */
  ids: number;
  /** Physical rows, redeliveries included until merges collapse them. */
  raw: number;
}

const COUNT_EVENTS_SCRIPT = `
import { loadConfig } from "@chatfunnel/schemas";
import { createStorage } from "@chatfunnel/core";
const storage = createStorage(loadConfig(process.env));
const db = storage.database;
const result = await storage.client.query({
  query: "SELECT (SELECT count() FROM " + db + ".events FINAL) AS final, (SELECT uniqExact(event_id) FROM " + db + ".events) AS ids, (SELECT count() FROM " + db + ".events) AS raw",
  format: "JSONEachRow",
  clickhouse_settings: storage.querySettings,
});
const [row] = await result.json();
process.stdout.write("counts " + JSON.stringify({ final: Number(row.final), ids: Number(row.ids), raw: Number(row.raw) }) + "\\n");
await storage.close();
`;

/**
 * Counts the events table in another process's chDB data directory. chDB allows one process per
 * directory, so this runs as its own short process after the owner stopped.
 */
export async function countStoredEvents(dataDir: string): Promise<StoredCounts> {
  const child = spawnTs("-e", { DATA_DIR: dataDir, LOG_LEVEL: "silent" }, [COUNT_EVENTS_SCRIPT]);
  const line = await child.waitForOutput(/counts (\{.*\})/);
  await child.exited;
  return JSON.parse(line) as StoredCounts;
}

/** Removes a test's topics so runs do not pile up partitions on the local broker. */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

/** A free TCP port on 127.0.0.1 right now (the kernel's pick; closed again before it is returned). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateBroker {
  /** host:port for KAFKA_BROKERS */
  brokers: string;
  kafka: Kafka;
  /** scripts/kafka/start.sh for this broker's own dir and ports; resolves once the port is open. */
  start(): Promise<void>;
  /** SIGKILL the broker JVM: no flush, no clean shutdown, like a power cut of the process. */
  kill(): Promise<void>;
  /** scripts/kafka/stop.sh for this broker (SIGTERM, clean). */
  stop(): Promise<void>;
}

/**
 * A broker of one test alone, with its own data directory and ports, for tests that kill or stop
 * the broker: the shared one on 9092 serves every other test and is never touched. The jars are the
 * shared broker's (scripts/kafka/start.sh, KAFKA_LIBS), so nothing is downloaded.
 */
export async function privateBroker(dir: string): Promise<PrivateBroker> {
  const port = await freePort();
  const controllerPort = await freePort();
  const env = { ...process.env, KAFKA_DIR: dir, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_HEAP_OPTS: "-Xmx384m -Xms128m" };
  const script = (name: string) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn("bash", [path.join(REPO_ROOT, "scripts/kafka", name)], { env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`scripts/kafka/${name} exited with ${code}:\n${output}`))));
    });
  const brokers = `127.0.0.1:${port}`;
  return {
    brokers,
    kafka: new Kafka({ clientId: "chatfunnel-tests", brokers: [brokers], connectionTimeout: 2000, retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2000 }, logLevel: logLevel.NOTHING }),
    start: () => script("start.sh"),
    stop: () => script("stop.sh"),
    async kill() {
      const { readFileSync } = await import("node:fs");
      const pid = Number(readFileSync(path.join(dir, "kafka.pid"), "utf8").trim());
      process.kill(pid, "SIGKILL");
      // Gone only when the kernel says so: a restart must not find the old JVM still holding the port.
      while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
