import { Router } from "express";
import type { Metrics } from "./metrics.js";

/** A condition that keeps a started process out of rotation: the reason, or undefined when fine. */
export type ReadinessCheck = () => string | undefined;

/**
 * Readiness of one process: false while starting (migrations) and once shutdown begins, and
 * while any added check names a reason (storage refusing writes, the broker unreachable).
 */
export class Readiness {
  private ready = false;
  private reason = "starting";
  private readonly checks: ReadinessCheck[] = [];
  markReady(): void {
    this.ready = true;
    this.reason = "ready";
  }
  markNotReady(reason: string): void {
    this.ready = false;
    this.reason = reason;
  }
  addCheck(check: ReadinessCheck): void {
    this.checks.push(check);
  }
  get state(): { ready: boolean; reason: string } {
    if (!this.ready) return { ready: false, reason: this.reason };
    for (const check of this.checks) {
      const reason = check();
      if (reason !== undefined) return { ready: false, reason };
    }
    return { ready: true, reason: "ready" };
  }
}

/**
 * Whether storage accepts writes, as the last insert found out. An insert failing for a reason
 * that is not its rows (a full disk, too many parts, the server gone) makes the process not ready;
 * the next insert or probe that succeeds makes it ready again. While refusing, a probe runs every
 * `probeEveryMs`: a load balancer that stops sending traffic to a not-ready process would otherwise
 * leave no insert to find out that space was freed.
 */
export class WriteHealth {
  private refusal: { message: string; since: Date } | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(
    private readonly probe?: () => Promise<void>,
    private readonly probeEveryMs = 1000,
  ) {}

  succeeded(): void {
    this.refusal = undefined;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.refusal = { message, since: this.refusal?.since ?? new Date() };
    if (this.probe && !this.probeTimer) {
      this.probeTimer = setInterval(() => this.runProbe(), this.probeEveryMs);
      this.probeTimer.unref();
    }
  }

  /** The readiness check: why storage counts as refusing writes, or undefined while it accepts them. */
  readonly check: ReadinessCheck = () =>
    this.refusal && `storage refuses writes since ${this.refusal.since.toISOString()}: ${this.refusal.message.trim().slice(0, 300)}`;

  /**
   * One probe now, its outcome only reported: a process started on a full disk is not ready from
   * its first moment instead of after the first refused insert. Never throws, never blocks start-up.
   */
  probeNow(): void {
    this.runProbe();
  }

  stop(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private runProbe(): void {
    if (this.probing || !this.probe) return;
    this.probing = true;
    // The probe's own outcome reaches succeeded()/failed() through the storage it writes with.
    this.probe()
      .catch(() => {})
      .finally(() => {
        this.probing = false;
      });
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
