import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "@chatfunnel/schemas";
import { startApiProcess, type ApiProcess } from "@chatfunnel/server";
import { spawnTs, stopChild, type Child } from "../support/kafka.js";

const keyPair = () => ({ readKey: `cf_r_${randomBytes(16).toString("hex")}`, writeKey: `cf_w_${randomBytes(16).toString("hex")}` });
const tempDir = () => fs.mkdtempSync(path.join(process.env.CHATFUNNEL_TEST_ROOT ?? os.tmpdir(), "api-process-"));

/**
 * The distributed deployment's API process (`npm run start:api`): API and dashboard on ClickHouse
 * (chDB here), no collector; it registers the default project's keys that collectors then accept.
 */
describe("distributed API process", () => {
  let api: ApiProcess | undefined;
  let child: Child | undefined;
  afterAll(async () => {
    await api?.close();
    if (child) await stopChild(child);
  });

  it("serves the API with the configured keys, no collector, and closes cleanly", async () => {
    const { readKey, writeKey } = keyPair();
    api = await startApiProcess(
      loadConfig({ DATA_DIR: tempDir(), HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", CHATFUNNEL_READ_KEY: readKey, CHATFUNNEL_WRITE_KEY: writeKey }),
    );
    const url = api.url;
    expect(api.keys).toMatchObject({ readKey, writeKey });

    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    // The key check runs before routing: an unknown endpoint answers 404 only to a registered read key.
    // (Metric answers themselves are the API tests' business.)
    const withKey = (key: string) => fetch(`${url}/api/v1/no-such-metric`, { headers: { authorization: `Bearer ${key}` } });
    expect((await withKey(readKey)).status).toBe(404);
    expect((await withKey(writeKey)).status).toBe(401);
    expect((await withKey(`cf_r_${randomBytes(16).toString("hex")}`)).status).toBe(401);
    const ingest = await fetch(`${url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${writeKey}` }, body: "{}" });
    expect(ingest.status).toBe(404);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);

    const outcome = await api.close();
    expect(outcome).toMatchObject({ clean: true, exitCode: 0, pending: [] });
    expect(outcome.steps.map((step) => step.part)).toEqual(["http", "storage"]);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    api = undefined;
  });

  it("as a real process prints its keys and exits 0 on SIGTERM", async () => {
    const { readKey, writeKey } = keyPair();
    child = spawnTs("server/src/bin/api.ts", {
      DATA_DIR: tempDir(),
      // Alone on its chDB directory (no consumer feeds it): allowed explicitly, for this test only.
      CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED: "1",
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "warn",
      CHATFUNNEL_READ_KEY: readKey,
      CHATFUNNEL_WRITE_KEY: writeKey,
    });
    const url = await child.waitForOutput(/Dashboard:\s+(http:\/\/[^/\s]+)/);
    expect(child.output()).toContain(`Read key:   ${readKey}`);
    expect(child.output()).toContain(`Write key:  ${writeKey}`);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    expect(await stopChild(child)).toEqual({ code: 0, signal: null });
  });
});
