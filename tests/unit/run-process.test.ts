import { describe, expect, it } from "vitest";
import { Readiness, type Logger } from "@chatfunnel/core";
import { StoppedWhileStartingError, abortableDelay, runProcess, type ProgramHost, type StopSignal } from "../../core/src/process/run-process.js";

/** Collects what the lifecycle logs, to check each step is logged with its duration. */
function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> } {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, fields: Record<string, unknown> = {}) => void lines.push({ level, message, fields });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A host whose signals the test sends and whose exit code the test reads. */
function fakeHost(): ProgramHost & { send(signal: StopSignal): void; exited: Promise<number>; listening: () => boolean } {
  let handler: ((signal: StopSignal) => void) | undefined;
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  return {
    onStopSignal(h) {
      handler = h;
      return () => (handler = undefined);
    },
    exit: (code) => exit(code),
    send: (signal) => handler?.(signal),
    exited,
    listening: () => handler !== undefined,
  };
}

const never = () => new Promise<void>(() => {});

describe("runProcess", () => {
  it("starts parts in order, is ready only once all are up, and stops HTTP, consumer, writer, clients in that order", async () => {
    const order: string[] = [];
    const readiness = new Readiness();
    const logger = recordingLogger();
    const readyDuringStart: boolean[] = [];
    const running = await runProcess({
      logger,
      readiness,
      shutdownTimeoutMs: 1000,
      async start(starter) {
        // Started in the consumer process's order: health HTTP first, storage, writer, then the consumer.
        await starter.part("http", "serve", () => order.push("start http"), () => void order.push("stop http"));
        readyDuringStart.push(readiness.state.ready);
        await starter.part("storage", "close", () => order.push("start storage"), () => void order.push("stop storage"));
        await starter.part("writer", "flush", () => order.push("start writer"), () => void order.push("stop writer"));
        await starter.part("producer", "flush", () => order.push("start producer"), () => void order.push("stop producer"));
        await starter.part("consumer", "drain", () => order.push("start consumer"), () => void order.push("stop consumer"));
        readyDuringStart.push(readiness.state.ready);
        return { url: "http://x" };
      },
    });
    expect(readyDuringStart).toEqual([false, false]);
    expect(readiness.state.ready).toBe(true);
    expect(running.url).toBe("http://x");

    const outcome = await running.close();
    expect(order).toEqual([
      "start http",
      "start storage",
      "start writer",
      "start producer",
      "start consumer",
      "stop http",
      "stop consumer",
      // Within a stage the last started stops first.
      "stop producer",
      "stop writer",
      "stop storage",
    ]);
    expect(outcome).toMatchObject({ clean: true, exitCode: 0, pending: [] });
    expect(readiness.state).toEqual({ ready: false, reason: "stopping" });
    expect(await running.close()).toBe(outcome);
    const stopped = logger.lines.filter((line) => line.message === "stopped");
    expect(stopped.map((line) => line.fields.part)).toEqual(["http", "consumer", "producer", "writer", "storage"]);
    for (const line of [...stopped, ...logger.lines.filter((l) => l.message === "started" || l.message === "ready")]) {
      expect(typeof line.fields.durationMs, line.message).toBe("number");
    }
  });

  it("keeps the started value's getters live (a worker's `active` changes after it is ready)", async () => {
    let active = false;
    const running = await runProcess({
      logger: recordingLogger(),
      readiness: new Readiness(),
      shutdownTimeoutMs: 1000,
      start: async () => ({
        get active() {
          return active;
        },
      }),
    });
    expect(running.active).toBe(false);
    active = true;
    expect(running.active).toBe(true);
    await running.close();
  });

  it("gives up on a part still stopping at the deadline: not clean, exit code 1, the part named", async () => {
    const order: string[] = [];
    const logger = recordingLogger();
    const running = await runProcess({
      logger,
      readiness: new Readiness(),
      shutdownTimeoutMs: 150,
      deadlineNote: "uncommitted batches will be redelivered",
      async start(starter) {
        await starter.part("storage", "close", () => {}, () => void order.push("stop storage"));
        await starter.part("consumer", "drain", () => {}, never);
        return {};
      },
    });
    const since = Date.now();
    const outcome = await running.close();
    expect(Date.now() - since).toBeGreaterThanOrEqual(140);
    expect(Date.now() - since).toBeLessThan(2000);
    expect(outcome).toMatchObject({ clean: false, exitCode: 1, pending: ["storage", "consumer"] });
    expect(order).toEqual([]);
    const warning = logger.lines.find((line) => line.message === "shutdown deadline passed");
    expect(warning?.fields).toMatchObject({ timeoutMs: 150, pending: ["storage", "consumer"], note: "uncommitted batches will be redelivered" });
  });

  it("a stop that throws makes the outcome non-zero but the later parts still stop", async () => {
    const order: string[] = [];
    const running = await runProcess({
      logger: recordingLogger(),
      readiness: new Readiness(),
      shutdownTimeoutMs: 1000,
      async start(starter) {
        await starter.part("storage", "close", () => {}, () => void order.push("stop storage"));
        await starter.part("producer", "flush", () => {}, () => Promise.reject(new Error("broker gone")));
        return {};
      },
    });
    const outcome = await running.close();
    expect(order).toEqual(["stop storage"]);
    expect(outcome.clean).toBe(false);
    expect(outcome.exitCode).toBe(1);
  });

  it("a part failing to start stops the ones already started, in stage order, and start rejects with its error", async () => {
    const order: string[] = [];
    const readiness = new Readiness();
    const failure = new Error("port in use");
    const run = runProcess({
      logger: recordingLogger(),
      readiness,
      shutdownTimeoutMs: 1000,
      async start(starter) {
        await starter.part("storage", "close", () => {}, () => void order.push("stop storage"));
        await starter.part("writer", "flush", () => {}, () => void order.push("stop writer"));
        await starter.part("http", "serve", () => Promise.reject(failure), () => void order.push("stop http"));
        order.push("after http");
        return {};
      },
    });
    await expect(run).rejects.toBe(failure);
    expect(order).toEqual(["stop writer", "stop storage"]);
    expect(readiness.state.ready).toBe(false);
  });

  it("SIGTERM shuts down in order and exits 0; the signal is no longer listened to afterwards", async () => {
    const host = fakeHost();
    const order: string[] = [];
    await runProcess({
      logger: recordingLogger(),
      readiness: new Readiness(),
      shutdownTimeoutMs: 1000,
      host,
      async start(starter) {
        await starter.part("storage", "close", () => {}, () => void order.push("stop storage"));
        await starter.part("http", "serve", () => {}, () => void order.push("stop http"));
        return {};
      },
    });
    expect(host.listening()).toBe(true);
    host.send("SIGTERM");
    expect(await host.exited).toBe(0);
    expect(order).toEqual(["stop http", "stop storage"]);
    expect(host.listening()).toBe(false);
  });

  it("SIGINT past the deadline exits 1", async () => {
    const host = fakeHost();
    await runProcess({
      logger: recordingLogger(),
      readiness: new Readiness(),
      shutdownTimeoutMs: 100,
      host,
      async start(starter) {
        await starter.part("http", "serve", () => {}, never);
        return {};
      },
    });
    host.send("SIGINT");
    expect(await host.exited).toBe(1);
  });

  it("a signal while a part waits (for its broker) aborts the wait, stops what started and exits 0", async () => {
    const host = fakeHost();
    const order: string[] = [];
    let waiting!: () => void;
    const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const run = runProcess({
      logger: recordingLogger(),
      readiness: new Readiness(),
      shutdownTimeoutMs: 1000,
      host,
      async start(starter) {
        await starter.part("http", "serve", () => {}, () => void order.push("stop http"));
        await starter.part("storage", "close", () => {}, () => void order.push("stop storage"));
        waiting();
        await abortableDelay(60_000, starter.signal);
        await starter.part("consumer", "drain", () => order.push("start consumer"), () => void order.push("stop consumer"));
        return {};
      },
    });
    await isWaiting;
    host.send("SIGTERM");
    expect(await host.exited).toBe(0);
    await expect(run).rejects.toBeInstanceOf(StoppedWhileStartingError);
    expect(order).toEqual(["stop http", "stop storage"]);
  });

  it("a part failing for good after start shuts the process down with exit code 1", async () => {
    const host = fakeHost();
    const order: string[] = [];
    let fail!: (error: unknown) => void;
    await runProcess({
      logger: recordingLogger(),
      readiness: new Readiness(),
      shutdownTimeoutMs: 1000,
      host,
      async start(starter) {
        fail = starter.fail;
        await starter.part("consumer", "drain", () => {}, () => void order.push("stop consumer"));
        return {};
      },
    });
    fail(new Error("group coordinator gave up"));
    expect(await host.exited).toBe(1);
    expect(order).toEqual(["stop consumer"]);
  });
});
