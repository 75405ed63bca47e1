import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@chatfunnel/schemas";
import { KeyStore, ensureAdminToken, ensureDefaultProject, generateKey, hashKey, keyIdOf, registerKey, revokeKey } from "@chatfunnel/core";
import { freshDatabase } from "../support/engine.js";

type Row = { key_hash: string; project_id: string; kind: "write" | "read" | "manage" };

describe("the key cache", () => {
  it("reloads a known key once its cache is a second old, so a removal counts; within the second it reads nothing", async () => {
    const key = generateKey("read");
    let rows: Row[] = [{ key_hash: hashKey(key), project_id: "p1", kind: "read" }];
    let reads = 0;
    const store = new KeyStore(async () => {
      reads++;
      return rows;
    }, 200);
    expect(await store.resolve(key)).toEqual({ projectId: "p1", kind: "read" });
    for (let i = 0; i < 20; i++) await store.resolve(key);
    expect(reads).toBe(1);
    rows = [];
    expect(await store.resolve(key)).toEqual({ projectId: "p1", kind: "read" });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await store.resolve(key)).toBeUndefined();
    expect(reads).toBe(2);
  });

  it("keeps the keys of its last good load while storage is down, retrying once per interval; unknown keys then fail", async () => {
    const key = generateKey("write");
    let down = false;
    let reads = 0;
    const store = new KeyStore(async () => {
      reads++;
      if (down) throw new Error("ClickHouse is down");
      return [{ key_hash: hashKey(key), project_id: "p1", kind: "write" }];
    }, 100);
    await store.resolve(key);
    down = true;
    await new Promise((resolve) => setTimeout(resolve, 120));
    const answers = await Promise.all(Array.from({ length: 10 }, () => store.resolve(key)));
    expect(answers.every((owner) => owner?.projectId === "p1")).toBe(true);
    await expect(store.resolve(generateKey("write"))).rejects.toThrow("ClickHouse is down");
    // One failed reload for all of them, not one per request.
    expect(reads).toBe(2);
  });
});

describe("keys in storage", () => {
  it("a revoked key stays revoked when a start registers it again (a configured CHATFUNNEL_READ_KEY)", async () => {
    const storage = await freshDatabase();
    const key = generateKey("read");
    await registerKey(storage, key, { projectId: "p1", kind: "read" });
    expect(await revokeKey(storage, keyIdOf(hashKey(key)))).toBe(true);
    await registerKey(storage, key, { projectId: "p1", kind: "read" });
    expect(await (await KeyStore.load(storage)).resolve(key)).toBeUndefined();
    expect(await revokeKey(storage, "key_not-an-id")).toBe(false);
  });

  it("the embedded default gets a manage key and an admin token, kept in DATA_DIR; a keys.json without a manage key gets one", async () => {
    const storage = await freshDatabase();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keys-embedded-"));
    try {
      const old = { writeKey: generateKey("write"), readKey: generateKey("read") };
      fs.writeFileSync(path.join(dataDir, "keys.json"), JSON.stringify(old));
      const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent" });
      const keys = await ensureDefaultProject(config, storage);
      expect(keys).toMatchObject(old);
      expect(keys.manageKey).toMatch(/^cf_m_[0-9a-f]{40}$/);
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, "keys.json"), "utf8"))).toEqual(keys);
      expect(await ensureDefaultProject(config, storage)).toEqual(keys);
      expect(await (await KeyStore.load(storage)).resolve(keys.manageKey)).toEqual({ projectId: "default", kind: "manage" });

      const token = ensureAdminToken(config);
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(ensureAdminToken(config)).toBe(token);
      expect(ensureAdminToken(loadConfig({ DATA_DIR: dataDir, CHATFUNNEL_ADMIN_TOKEN: "given-token-0123456789" }))).toBe("given-token-0123456789");
      const configured = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", CHATFUNNEL_MANAGE_KEY: "configured-manage-key-0123" });
      expect((await ensureDefaultProject(configured, storage)).manageKey).toBe("configured-manage-key-0123");
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
