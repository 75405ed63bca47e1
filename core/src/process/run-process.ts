import { performance } from "node:perf_hooks";
import type { Readiness } from "../observability/health.js";
import type { Logger } from "../observability/logger.js";

/**
 * When a part stops, whatever order it started in (DESIGN, "How the code should feel" 9): first
 * nothing new comes in (`serve`: HTTP), then input already taken is finished and acknowledged
 * (`drain`: a consumer commits), then buffered output is written out (`flush`: writers, producers),
 * then connections close (`close`: storage and other clients). A process whose health endpoint
 * listens before its storage opens still stops HTTP first.
 */
export const STOP_STAGES = ["serve", "drain", "flush", "close"] as const;
export type StopStage = (typeof STOP_STAGES)[number];

/** What a start function gets: parts start through it, one after the other. */
export interface Starter {
  /** Starts one part now and registers how it stops; a start that throws stops the parts before it. */
  part<T>(name: string, stage: StopStage, start: () => Promise<T> | T, stop: (started: T) => Promise<void> | void): Promise<T>;
  /** Aborted when shutdown is asked for while still starting, so a part waiting (for a broker) gives up. */
  readonly signal: AbortSignal;
  /** A started part died for good (kafkajs gave up on its group): shut down and end non-zero. */
  fail(error: unknown): void;
}

/** Where signals come from and how a program ends: the real process for an entry point, a stand-in in tests. */
export interface ProgramHost {
  /** Calls `handler` on the first SIGINT or SIGTERM; returns how to stop listening. */
  onStopSignal(handler: (signal: StopSignal) => void): () => void;
  exit(code: number): void;
}

export type StopSignal = "SIGINT" | "SIGTERM";

/**
 * The real process. Each signal is heard once: a second SIGTERM or Ctrl-C during a slow shutdown
 * gets Node's default action and ends the process at once.
 */
export const nodeProgram: ProgramHost = {
  onStopSignal(handler) {
    const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
      const listener = () => handler(signal);
      process.once(signal, listener);
      return () => process.off(signal, listener);
    });
    return () => listeners.forEach((off) => off());
  },
  exit: (code) => process.exit(code),
};

export interface StepRecord {
  part: string;
  stage: StopStage;
  durationMs: number;
  error?: unknown;
}

export interface ShutdownOutcome {
  /** Every part stopped without error before the deadline. */
  clean: boolean;
  /** 0 for a clean shutdown that nobody asked for by failing; 1 otherwise (deadline, a stop threw, a part failed). */
  exitCode: 0 | 1;
  /** The parts that finished stopping, in the order they did. */
  steps: StepRecord[];
  /** Parts still stopping when the deadline passed, or never stopped. */
  pending: string[];
}

/** What every process's start function returns besides its own fields (url, keys). */
export interface ProcessHandle {
  /** Shuts down once, in stage order, within the deadline; later calls get the same outcome. */
  close(): Promise<ShutdownOutcome>;
}

/** What every process's start function takes besides its config. */
export interface StartOptions {
  logger?: Logger;
  /** An entry point passes nodeProgram: SIGINT/SIGTERM shut it down and end it with the outcome's exit code. */
  host?: ProgramHost;
}

export interface RunProcessOptions<T> {
  logger: Logger;
  readiness: Readiness;
  /** From asking to stop until giving up on the parts still stopping. */
  shutdownTimeoutMs: number;
  /** Logged when the deadline passes: what becomes of the work left unfinished. */
  deadlineNote?: string;
  /** Signals and exit for an entry point; left out, nothing but close() stops the process. */
  host?: ProgramHost;
  start: (starter: Starter) => Promise<T>;
}

/** Thrown by start when shutdown was asked for before the process was up. */
export class StoppedWhileStartingError extends Error {
  constructor() {
    super("stopped while starting");
    this.name = "StoppedWhileStartingError";
  }
}

const elapsedMs = (since: number) => Math.round(performance.now() - since);

/**
 * One lifecycle for every process: parts start in order, readiness is marked once all are up, and
 * shutdown (close(), SIGINT/SIGTERM, or a part failing) marks the process not ready and stops the
 * parts stage by stage — within a stage the last started first — each step logged with its duration.
 * Past the deadline the outcome (and an entry point's exit code) is non-zero: what was still
 * stopping is abandoned, which the owners of those parts make safe (uncommitted offsets are
 * redelivered, unanswered senders retry).
 */
export async function runProcess<T extends object>(options: RunProcessOptions<T>): Promise<T & ProcessHandle> {
  const { logger, readiness, host } = options;
  const started: Array<{ name: string; stage: StopStage; stop: () => Promise<void> | void }> = [];
  const abort = new AbortController();
  const steps: StepRecord[] = [];
  let failed = false;
  let stopping: Promise<ShutdownOutcome> | undefined;
  let startup: Promise<unknown> = Promise.resolve();

  const stopParts = async (): Promise<void> => {
    for (const stage of STOP_STAGES) {
      for (const part of started.filter((p) => p.stage === stage).reverse()) {
        const since = performance.now();
        try {
          await part.stop();
          steps.push({ part: part.name, stage, durationMs: elapsedMs(since) });
          logger.info("stopped", { part: part.name, stage, durationMs: elapsedMs(since) });
        } catch (error) {
          // The next parts still stop: a producer that failed to flush must not keep storage open.
          steps.push({ part: part.name, stage, durationMs: elapsedMs(since), error });
          logger.error("stop failed", { part: part.name, stage, durationMs: elapsedMs(since), error });
        }
      }
    }
  };

  const shutdown = (reason: string): Promise<ShutdownOutcome> => {
    stopping ??= (async () => {
      const since = performance.now();
      readiness.markNotReady("stopping");
      abort.abort();
      logger.info("shutting down", { reason });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"deadline">((resolve) => {
        timer = setTimeout(() => resolve("deadline"), options.shutdownTimeoutMs);
      });
      // A start still under way finishes (or gives up on the abort) first: its parts stop with the rest.
      const ordered = startup.then(stopParts, stopParts);
      const result = await Promise.race([ordered, deadline]);
      clearTimeout(timer);
      const stopped = new Set(steps.map((step) => step.part));
      const pending = started.map((part) => part.name).filter((name) => !stopped.has(name));
      if (result === "deadline") {
        logger.warn("shutdown deadline passed", { timeoutMs: options.shutdownTimeoutMs, pending, ...(options.deadlineNote ? { note: options.deadlineNote } : {}) });
      }
      const clean = result !== "deadline" && steps.every((step) => step.error === undefined);
      const outcome: ShutdownOutcome = { clean, exitCode: clean && !failed ? 0 : 1, steps: [...steps], pending };
      logger.info("shut down", { durationMs: elapsedMs(since), clean, exitCode: outcome.exitCode });
      stopListening?.();
      host?.exit(outcome.exitCode);
      return outcome;
    })();
    return stopping;
  };

  const stopListening = host?.onStopSignal((signal) => void shutdown(signal));

  const starter: Starter = {
    signal: abort.signal,
    async part(name, stage, start, stop) {
      if (abort.signal.aborted) throw new StoppedWhileStartingError();
      const since = performance.now();
      const value = await start();
      started.push({ name, stage, stop: () => stop(value) });
      logger.info("started", { part: name, durationMs: elapsedMs(since) });
      return value;
    },
    fail(error) {
      failed = true;
      logger.error("a part failed for good; shutting down", { error });
      void shutdown("failed");
    },
  };

  const since = performance.now();
  const starting = options.start(starter);
  startup = starting;
  let value: T;
  try {
    value = await starting;
  } catch (error) {
    if (stopping) {
      // Asked to stop while starting: the parts already up are stopped by that shutdown.
      await stopping;
      throw new StoppedWhileStartingError();
    }
    logger.error("start failed; stopping the parts already started", { error, durationMs: elapsedMs(since) });
    stopListening?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopParts(), new Promise((resolve) => (timer = setTimeout(resolve, options.shutdownTimeoutMs)))]);
    clearTimeout(timer);
    throw error;
  }
  if (stopping) {
    await stopping;
    throw new StoppedWhileStartingError();
  }
  readiness.markReady();
  logger.info("ready", { durationMs: elapsedMs(since) });
  // Assigned onto the value, not spread into a copy: a spread reads each getter once, so a live state such as
  // a worker's `active` would be frozen at its value when the process became ready.
  return Object.assign(value, { close: () => shutdown("closed") });
}

/** Sleeps `ms`, or less when `signal` aborts (then throws), so a retry loop ends with the process. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new StoppedWhileStartingError());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new StoppedWhileStartingError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
