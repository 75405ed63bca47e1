import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "@chatfunnel/schemas";
import { startEmbedded, type EmbeddedServer } from "@chatfunnel/server";
import { makeEvent } from "../support/events.js";

/** The embedded default through its start function: ready once up, and HTTP → writer → storage on close. */
describe("embedded lifecycle", () => {
  const dataDir = fs.mkdtempSync(path.join(process.env.CHATFUNNEL_TEST_ROOT ?? os.tmpdir(), "embedded-lifecycle-"));
  let embedded: EmbeddedServer | undefined;
  afterAll(async () => {
    await embedded?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves once ready and stops HTTP, then the webhook scheduler, then the writer, then the outbox buffer, then storage", async () => {
    embedded = await startEmbedded(loadConfig({ DATA_DIR: dataDir, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "silent", BATCH_MAX_WAIT_MS: "5" }), path.join(dataDir, "no-dashboard"));
    const { url, keys } = embedded;
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const posted = await fetch(`${url}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.writeKey}`, "content-type": "application/json" },
      body: JSON.stringify({ events: [makeEvent()] }),
    });
    expect(await posted.json()).toEqual({ accepted: 1, rejected: [] });

    const outcome = await embedded.close();
    embedded = undefined;
    expect(outcome).toMatchObject({ clean: true, exitCode: 0, pending: [] });
    // A retention run, a digest send and an alert evaluation in progress finish (drain) before the writer flushes; then the schedulers' own connection and storage close.
    expect(outcome.steps.map((step) => step.part)).toEqual(["http", "retention", "digests", "alerts", "webhooks", "writer", "webhook outbox buffer", "scheduler storage", "storage"]);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});
