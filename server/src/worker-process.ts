import express from "express";
import { Gauge } from "prom-client";
import type { Config } from "@chatfunnel/schemas";
import { closeServer, listen, openStorage, createLogger, createMetrics, Readiness, createHealthRouter, errorHandler, runProcess, type ProcessHandle, type StartOptions } from "@chatfunnel/core";
import { createKafka, createWorkerLease, untilBrokerAnswers } from "@chatfunnel/ingest";
import { migrate } from "@chatfunnel/warehouse";
import { createInstrumentedAlertScheduler } from "./alert-scheduling.js";
import { createInstrumentedWebhookScheduler } from "./webhook-delivery.js";
import { createInstrumentedDigestScheduler } from "./digest-delivery.js";

export interface WorkerProcess extends ProcessHandle {
  /** Where /health/live, /health/ready and /metrics answer. */
  url: string;
  /** True while this worker holds the lease and delivers. */
  readonly active: boolean;
}

/**
 * The distributed scheduler (`npm run start:worker`): webhook deliveries, run by exactly one worker at a
 * time — the owner of the lease topic's one partition in the worker group (ingest/src/kafka/worker-lease.ts).
 * Standbys are ready (they are healthy and take over within one rebalance); chatfunnel_worker_active says
 * which one delivers. Storage is the shared ClickHouse (CLICKHOUSE_URL): the outbox the consumers' inserts fill.
 */
export function startWorkerProcess(config: Config, options: StartOptions = {}): Promise<WorkerProcess> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, "worker");
  const metrics = createMetrics();
  const readiness = new Readiness();
  let holdsLease = () => false;
  // Read from the lease at each scrape: it flips the moment the worker decides, before the schedulers have stopped.
  new Gauge({
    name: "chatfunnel_worker_active",
    help: "1 while this worker holds the lease and runs the scheduler",
    registers: [metrics.registry],
    collect() {
      this.set(holdsLease() ? 1 : 0);
    },
  });
  return runProcess({
    logger,
    readiness,
    host: options.host,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    deadlineNote: "attempts in flight are made again by the next active worker (at least once)",
    async start(starter) {
      const app = express();
      app.disable("x-powered-by");
      app.use(createHealthRouter(readiness, metrics));
      app.use(errorHandler(logger));
      const { url } = await starter.part("http", "serve", () => listen(app, config.HOST, config.PORT), ({ server }) => closeServer(server));
      const storage = await starter.part("storage", "close", () => openStorage(config, logger, { migrate }), (opened) => opened.close());
      const { scheduler } = await starter.part(
        "scheduler",
        "drain",
        () => createInstrumentedWebhookScheduler(storage, config, metrics, logger),
        async (started) => {
          started.stopGauge();
          await started.scheduler.stop();
        },
      );
      // Alerts and digests run beside the webhook deliveries, only while this worker holds the lease.
      const alerts = await starter.part("alerts", "drain", () => createInstrumentedAlertScheduler(storage, config, metrics, logger), (started) => started.stop());
      const digests = await starter.part(
        "digests",
        "drain",
        () => createInstrumentedDigestScheduler(storage, config, metrics, logger),
        (scheduler) => scheduler.stop(),
      );
      const lease = createWorkerLease({
        kafka: createKafka(config, logger),
        config,
        logger,
        onAcquire: async () => {
          await scheduler.start();
          await alerts.start();
          digests.start();
        },
        onRelease: async () => {
          await Promise.all([scheduler.stop(), alerts.stop(), digests.stop()]);
        },
        onFatal: (error) => {
          readiness.markNotReady("lease consumer stopped");
          starter.fail(error);
        },
      });
      holdsLease = () => lease.holding;
      readiness.markNotReady("joining the worker group");
      // Stopped in the serve stage, before the scheduler drains: the lease is released (a standby takes
      // over) while this worker finishes the requests it has in flight.
      await starter.part("lease", "serve", () => untilBrokerAnswers(() => lease.start(), logger, starter.signal), () => lease.stop());
      logger.info("worker running", { url, topic: config.KAFKA_WORKER_TOPIC, group: config.KAFKA_WORKER_GROUP_ID });
      return {
        url,
        get active() {
          return lease.holding;
        },
      };
    },
  });
}
