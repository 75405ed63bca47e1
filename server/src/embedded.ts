import path from "node:path";
import { createRequire } from "node:module";
import type { Config } from "@chatfunnel/schemas";
import { KeyStore, Readiness, ensureAdminToken, closeServer, createLogger, createMetrics, createStorage, ensureDefaultProject, listen, openStorage, runProcess, type ProcessHandle, type ProjectKeys, type ShutdownOutcome, type StartOptions } from "@chatfunnel/core";
import { createDirectSink, createInstrumentedEventWriter, type EventSink } from "@chatfunnel/ingest";
import { createInstrumentedAlertScheduler } from "./alert-scheduling.js";
import { createHttpApp } from "./http-app.js";
import { createInstrumentedWebhookScheduler } from "./webhook-delivery.js";
import { createInstrumentedDigestScheduler } from "./digest-delivery.js";
import { flushOutbox, migrate, scheduleRetention } from "@chatfunnel/warehouse";

// Found through the dashboard workspace, wherever the package manager put it, not by a path out of this one.
export const DEFAULT_DASHBOARD_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve("@chatfunnel/dashboard/package.json")), "dist");

export interface EmbeddedServer extends ProcessHandle {
  url: string;
  keys: ProjectKeys;
  /** The admin API token (CHATFUNNEL_ADMIN_TOKEN or the one kept in DATA_DIR). */
  adminToken: string;
  /** close() under its former name, which bench/dashboard.bench.ts and bench/sdk.bench.ts still call. */
  shutdown(): Promise<ShutdownOutcome>;
}

/**
 * The embedded default: collector, API and dashboard in one process on chDB. With no Kafka the
 * collector hands batches to the same writer the consumer uses and answers after the insert.
 */
export async function startEmbedded(config: Config, dashboardDir = DEFAULT_DASHBOARD_DIR, options: StartOptions = {}): Promise<EmbeddedServer> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, "embedded");
  const metrics = createMetrics();
  const readiness = new Readiness();
  const running = await runProcess({
    logger,
    readiness,
    host: options.host,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    deadlineNote: "unanswered senders will retry; rows not yet inserted were never acknowledged",
    async start(starter) {
      const storage = await starter.part("storage", "close", () => openStorage(config, logger, { migrate, applyDurability: true }), (opened) => opened.close());
      // Not ready while inserts fail for storage's own reasons (a full disk): a balancer sends elsewhere.
      readiness.addCheck(storage.writeHealth.check);
      // Closed after the writer (parts close in reverse): chDB drops what the webhook outbox's Buffer holds when its
      // session closes, so its rows are written into the outbox once the last events insert is done. A crash
      // skips this; the scheduler's start re-derives those rows from the stored events.
      await starter.part("webhook outbox buffer", "flush", () => undefined, () => flushOutbox(storage));
      const keys = await ensureDefaultProject(config, storage);
      const keyStore = await KeyStore.load(storage);
      const adminToken = ensureAdminToken(config);
      const { writer } = await starter.part(
        "writer",
        "flush",
        () => createInstrumentedEventWriter(storage, config, metrics, logger),
        async (started) => {
          started.stopGauge();
          await started.writer.close();
        },
      );
      // The schedulers' own connection to the same chDB directory. chDB runs one statement at a time per
      // connection (two connections side by side), so on the writer's connection every outbox poll, attempt insert
      // and retry-queue check would hold up the next events insert for its duration (README "Decisions"). Against
      // a ClickHouse server statements run side by side anyway: the one client is shared.
      const background = await starter.part(
        "scheduler storage",
        "close",
        () => (storage.mode === "chdb" ? createStorage(config) : storage),
        (opened) => (opened === storage ? undefined : opened.close()),
      );
      // In the embedded default the webhook scheduler runs in-process; stopping it lets requests in flight
      // finish and records them, before the writer flushes and storage closes. Every event is written by the
      // writer above, so the sink wakes the scheduler after each insert instead of it polling the outbox.
      const webhooks = await starter.part(
        "webhooks",
        "drain",
        async () => {
          const started = createInstrumentedWebhookScheduler(background, config, metrics, logger);
          started.scheduler.wakeOnStored();
          await started.scheduler.start();
          return started;
        },
        async (started) => {
          started.stopGauge();
          await started.scheduler.stop();
        },
      );
      // Alerts are evaluated in-process too, after each hour and day ends; stopping waits for the evaluation in
      // flight, whose run is then recorded (README "Alerts").
      await starter.part(
        "alerts",
        "drain",
        async () => {
          const scheduler = createInstrumentedAlertScheduler(background, config, metrics, logger);
          await scheduler.start();
          return scheduler;
        },
        (scheduler) => scheduler.stop(),
      );
      // Daily and weekly digests, in-process like webhook deliveries; stopping lets a send in flight finish and
      // be recorded, so the period is neither sent twice nor lost by a clean stop.
      await starter.part(
        "digests",
        "drain",
        async () => {
          const scheduler = createInstrumentedDigestScheduler(background, config, metrics, logger);
          scheduler.start();
          return scheduler;
        },
        (scheduler) => scheduler.stop(),
      );
      // Per-project retention periods, at start and hourly, in the background: a long first run on a large
      // database must not hold up serving, and a failed one (a full disk) is retried at the next tick.
      await starter.part(
        "retention",
        "drain",
        () =>
          scheduleRetention(storage, {
            onRun: (runs) => {
              for (const run of runs) if (run.events > 0) logger.info("retention applied", { projectId: run.projectId, before: new Date(run.cutMs).toISOString(), events: run.events });
            },
            onError: (error) => logger.warn("retention run failed; retried at the next tick", { error }),
          }),
        (schedule) => schedule.stop(),
      );
      const app = createHttpApp({
        readiness,
        metrics,
        logger,
        collector: { keys: keyStore, sink: wakingSink(createDirectSink(writer, config.WRITER_MAX_PENDING_ROWS, config.WRITER_MAX_WAIT_MS), (projectId, types) => webhooks.scheduler.eventsStored(projectId, types)), metrics, logger },
        api: { storage, keys: keyStore, metrics, logger, webhooks: config, telegram: config },
        admin: { storage, adminToken, logger },
        trustProxy: config.TRUST_PROXY,
        dashboardDir,
      });
      const { url } = await starter.part("http", "serve", () => listen(app, config.HOST, config.PORT), ({ server }) => closeServer(server));
      storage.writeHealth.probeNow();
      return { url, keys, adminToken };
    },
  });
  return { ...running, shutdown: running.close };
}

/** The sink, telling `stored` which event types of a project each resolved send stored (its outbox rows are written by then). */
function wakingSink(sink: EventSink, stored: (projectId: string, types: Set<string>) => void): EventSink {
  return {
    send: async (projectId, events, receivedAt) => {
      const outcome = await sink.send(projectId, events, receivedAt);
      stored(projectId, new Set(events.map((event) => event.type)));
      return outcome;
    },
    overloaded: () => sink.overloaded(),
  };
}
