import { Router } from "express";
import type { Metrics } from "./metrics.js";

/** Readiness of one process: false while starting (migrations) and once shutdown begins. */
export class Readiness {
  private ready = false;
  private reason = "starting";
  markReady(): void {
    this.ready = true;
    this.reason = "ready";
  }
  markNotReady(reason: string): void {
    this.ready = false;
    this.reason = reason;
  }
  get state(): { ready: boolean; reason: string } {
    return { ready: this.ready, reason: this.reason };
  }
}

export function createHealthRouter(readiness: Readiness, metrics: Metrics): Router {
  const router = Router();
  router.get("/health/live", (_req, res) => {
    res.json({ live: true });
  });
  router.get("/health/ready", (_req, res) => {
    const state = readiness.state;
    res.status(state.ready ? 200 : 503).json(state);
  });
  router.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
