import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Storage } from "@chatfunnel/core";
import { insertDigest, writeAlert } from "@chatfunnel/warehouse";
import { startWorkerProcess, type WorkerProcess } from "@chatfunnel/server";
import { createProject, freshDatabase, testConfig, waitFor } from "../support/engine.js";
import { TEST_BROKER, requireBroker } from "../support/kafka.js";
import { TelegramBotApiStandIn } from "../support/telegram-bot-api-stand-in.js";

/**
 * Distributed mode: the `worker` process holding the lease (real Kafka), not an API process, evaluates a due alert
 * and sends a due digest to the Bot API stand-in. No API is started here: what reaches the stand-in came from the
 * worker. The alert and the digest are written as created in the past, so each is due at the worker's first tick.
 */
describe("worker: alerts and digests to Telegram (real Kafka, real engine)", () => {
  let storage: Storage;
  let project: Awaited<ReturnType<typeof createProject>>;
  const telegram = new TelegramBotApiStandIn();
  let worker: WorkerProcess | undefined;
  const target = { telegram: { botToken: "123456789:AAExampleSecretPartOfTheTokenAbcdEFGH", chatId: -1001234567890 } };

  beforeAll(async () => {
    await requireBroker();
    storage = await freshDatabase();
    project = await createProject(storage);
    await telegram.start();
  });
  afterAll(async () => {
    await worker?.close();
    await telegram.stop();
  });

  it("the active worker fires the due alert and sends the due digest", { timeout: 120_000 }, async () => {
    const longAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
    await writeAlert(storage, { projectId: project.projectId, id: "al_worker", name: "Worker alert", metric: "leads", filters: {}, condition: { op: "below", value: 1e9 }, schedule: "hourly", deliver: target, webhookSecret: "", createdAt: longAgo, updatedAt: longAgo });
    await insertDigest(storage, { projectId: project.projectId, id: "dg_worker", name: "Worker digest", schedule: "daily", deliver: target, filters: {}, createdAt: longAgo });
    const id = randomUUID().slice(0, 8);
    worker = await startWorkerProcess(
      testConfig({
        KAFKA_BROKERS: TEST_BROKER,
        KAFKA_WORKER_TOPIC: `t-tg-worker-${id}`,
        KAFKA_WORKER_GROUP_ID: `g-tg-worker-${id}`,
        KAFKA_SESSION_TIMEOUT_MS: "6000",
        CLICKHOUSE_DATABASE: storage.database,
        CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED: "1",
        TELEGRAM_API_URL: telegram.url,
        TELEGRAM_TIMEOUT_MS: "5000",
      }),
    );
    await waitFor(async () => worker!.active, (yes) => yes, 60_000, 100);
    await waitFor(async () => telegram.callsOf("sendMessage").length + telegram.callsOf("sendPhoto").length, (n) => n >= 2, 60_000, 100);
    const [message] = telegram.callsOf("sendMessage");
    expect(String(message?.fields.text)).toMatch(/^🔔 Worker alert\n/);
    const [photo] = telegram.callsOf("sendPhoto");
    expect(String(photo?.fields.caption)).toContain("<b>Worker digest</b>");
    expect(telegram.calls.every((call) => call.token === target.telegram.botToken)).toBe(true);
  });
});
