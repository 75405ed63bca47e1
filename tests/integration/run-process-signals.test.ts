import { describe, expect, it } from "vitest";
import { spawnTs } from "../support/kafka.js";

/**
 * runProcess in a real process with the real signal host: SIGTERM stops the parts and ends the
 * process with the outcome's exit code. `stopMs` is how long the one part takes to stop.
 */
const program = (stopMs: number, shutdownTimeoutMs: number) => `
import { runProcess, nodeProgram } from "./core/src/process/run-process.ts";
import { Readiness } from "./core/src/observability/health.ts";
import { createLogger } from "./core/src/observability/logger.ts";
await runProcess({
  logger: createLogger("info", "signals-test"),
  readiness: new Readiness(),
  shutdownTimeoutMs: ${shutdownTimeoutMs},
  host: nodeProgram,
  async start(starter) {
    // Stands in for a listening server: something that keeps the process alive until stopped.
    await starter.part("ticker", "serve", () => setInterval(() => {}, 1000), (timer) => clearInterval(timer));
    await starter.part("slow part", "drain", () => {}, () => new Promise((resolve) => setTimeout(resolve, ${stopMs})));
    return {};
  },
});
process.stdout.write("up\\n");
`;

describe("runProcess as a real process", () => {
  it("SIGTERM: the part stops, the step is logged with its duration, exit code 0", async () => {
    const child = spawnTs("-e", {}, [program(50, 5000)]);
    await child.waitForOutput(/^up$/m);
    child.process.kill("SIGTERM");
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.output()).toMatch(/"message":"stopped","part":"slow part","stage":"drain","durationMs":\d+/);
  });

  it("SIGTERM with a part still stopping at the deadline: exit code 1, long before the part would finish", async () => {
    const child = spawnTs("-e", {}, [program(60_000, 200)]);
    await child.waitForOutput(/^up$/m);
    const since = Date.now();
    child.process.kill("SIGTERM");
    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - since).toBeLessThan(10_000);
    expect(child.output()).toMatch(/shutdown deadline passed.*"pending":\["slow part"\]/);
  });
});
