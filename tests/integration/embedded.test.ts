import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeEvent } from "../support/events.js";
import { startEmbeddedProcess, type EmbeddedProcess } from "../support/embedded-process.js";

const WRITE_KEY = "cf_w_embedded_test_key_0001";
const READ_KEY = "cf_r_embedded_test_key_0001";

describe("the embedded default as a process", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-embedded-"));
  let running: EmbeddedProcess | undefined;
  afterAll(async () => {
    await running?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const overview = async (url: string) => {
    const res = await fetch(`${url}/api/v1/overview?from=2026-05-01&to=2026-05-08&tz=Europe/Moscow`, {
      headers: { Authorization: `Bearer ${READ_KEY}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { current: Record<string, unknown> };
  };

  it("serves ingest, overview and health; keeps the data across a restart", async () => {
    running = await startEmbeddedProcess({ DATA_DIR: dataDir, CHATFUNNEL_WRITE_KEY: WRITE_KEY, CHATFUNNEL_READ_KEY: READ_KEY });
    expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);

    const events = [
      makeEvent({ userId: "u1", type: "bot_started", timestamp: "2026-05-02T10:00:00+03:00", source: { campaign: "spring" } }),
      makeEvent({ userId: "u1", type: "lead", timestamp: "2026-05-02T10:05:00+03:00" }),
      makeEvent({ userId: "u1", type: "order", timestamp: "2026-05-02T10:06:00+03:00", revenue: 1500, currency: "RUB" }),
      // Over 30 minutes later: a second session of the same user.
      makeEvent({ userId: "u1", type: "message_received", timestamp: "2026-05-02T11:00:00+03:00" }),
      makeEvent({ userId: "u2", channel: "vk", type: "message_received", timestamp: "2026-05-03T00:30:00+03:00" }),
    ];
    const posted = await fetch(`${running.url}/v1/events`, {
      method: "POST",
      headers: { Authorization: `Bearer ${WRITE_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ events }),
    });
    expect(posted.status).toBe(200);
    expect(await posted.json()).toEqual({ accepted: 5, rejected: [] });

    const expected = { users: 2, newUsers: 2, sessions: 3, leads: 1, orders: 1, revenue: { amount: 1500, currency: "RUB" } };
    expect((await overview(running.url)).current).toMatchObject(expected);

    const dashboard = await fetch(`${running.url}/`);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('<div id="root">');

    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toContain("chatfunnel_events_accepted_total 5");

    expect(await running.stop()).toBe(0);
    running = await startEmbeddedProcess({ DATA_DIR: dataDir, CHATFUNNEL_WRITE_KEY: WRITE_KEY, CHATFUNNEL_READ_KEY: READ_KEY });
    expect((await overview(running.url)).current).toMatchObject(expected);
  });

  it("generates keys once, keeps them in DATA_DIR and prints them", async () => {
    await running?.stop();
    const ownDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-keys-"));
    try {
      running = await startEmbeddedProcess({ DATA_DIR: ownDir });
      const printedRead = /Read key:\s+(\S+)/.exec(running.output())?.[1];
      const stored = JSON.parse(fs.readFileSync(path.join(ownDir, "keys.json"), "utf8")) as { readKey: string };
      expect(printedRead).toBe(stored.readKey);
      expect(running.output()).toContain(`#key=${stored.readKey}`);
      await running.stop();
      running = await startEmbeddedProcess({ DATA_DIR: ownDir });
      expect(/Read key:\s+(\S+)/.exec(running.output())?.[1]).toBe(stored.readKey);
      const res = await fetch(`${running.url}/api/v1/overview?from=2026-05-01&to=2026-05-02`, { headers: { Authorization: `Bearer ${stored.readKey}` } });
      expect(res.status).toBe(200);
    } finally {
      await running?.stop();
      running = undefined;
      fs.rmSync(ownDir, { recursive: true, force: true });
    }
  });
});
