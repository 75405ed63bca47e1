import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { Event } from "@chatfunnel/schemas";
import { startEmbeddedProcess, type EmbeddedProcess } from "../support/embedded-process.js";
import { makeEvent } from "../support/events.js";
import { countStoredEvents } from "../support/kafka.js";

const WRITE_KEY = `cf_w_${randomUUID().replaceAll("-", "")}`;

/**
 * The embedded default as a process, SIGKILLed while senders stream batches: every batch answered
 * 200 before the kill is stored after a restart on the same directory, and resending what was
 * never answered makes every event count exactly once.
 */
describe("embedded default killed mid-stream", () => {
  const dataDir = fs.mkdtempSync(path.join(process.env.CHATFUNNEL_TEST_ROOT ?? os.tmpdir(), "embedded-crash-"));
  let running: EmbeddedProcess | undefined;
  afterAll(async () => {
    await running?.stop();
  });

  it("keeps every acknowledged event across a SIGKILL and counts resends once", { timeout: 120_000 }, async () => {
    const batches = Array.from({ length: 40 }, (_, b) => Array.from({ length: 250 }, (_, i) => makeEvent({ userId: `user-${(b * 11 + i) % 90}` })));
    const acknowledged = new Set<string>();
    const unanswered: Event[][] = [];
    running = await startEmbeddedProcess({ DATA_DIR: dataDir, CHATFUNNEL_WRITE_KEY: WRITE_KEY, BATCH_MAX_WAIT_MS: "10" });
    const url = running.url;
    let next = 0;
    let killed = false;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          const events = batches[next++]!;
          if (killed) {
            unanswered.push(events);
            continue;
          }
          const res = await fetch(`${url}/v1/events`, {
            method: "POST",
            headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json" },
            body: JSON.stringify({ events }),
          }).catch(() => undefined);
          if (res?.status === 200) for (const event of events) acknowledged.add(event.id);
          else unanswered.push(events);
          if (next === 20 && !killed) {
            killed = true;
            running!.child.kill("SIGKILL");
          }
        }
      }),
    );
    await new Promise<void>((resolve) => (running!.child.exitCode !== null || running!.child.signalCode !== null ? resolve() : running!.child.once("exit", () => resolve())));
    expect(running.child.signalCode).toBe("SIGKILL");
    expect(acknowledged.size).toBeGreaterThan(0);

    const afterKill = await countStoredEvents(dataDir);
    // Everything answered 200 is there; batches in flight at the kill may be stored too (unanswered).
    expect(afterKill.ids).toBeGreaterThanOrEqual(acknowledged.size);

    running = await startEmbeddedProcess({ DATA_DIR: dataDir, CHATFUNNEL_WRITE_KEY: WRITE_KEY });
    for (const events of unanswered) {
      const res = await fetch(`${running.url}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${WRITE_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ events }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }
    expect(await running.stop()).toBe(0);
    running = undefined;
    const stored = await countStoredEvents(dataDir);
    expect(stored.ids).toBe(40 * 250);
    expect(stored.final).toBe(40 * 250);
  });
});
