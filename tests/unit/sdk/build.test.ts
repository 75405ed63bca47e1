import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildSdk } from "../../../sdk/scripts/build.js";

const sdkDir = path.resolve(import.meta.dirname, "../../../sdk");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("the published SDK package", () => {
  it("has no runtime dependencies and no Node-only imports in its source", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest["dependencies"]).toBeUndefined();
    for (const file of sourceFiles(path.join(sdkDir, "src"))) {
      const code = fs.readFileSync(file, "utf8");
      expect(code, file).not.toMatch(/from "node:|from "zod"|require\(/);
      // Only type imports may name the schemas package: they vanish at build time.
      for (const line of code.split("\n").filter((l) => l.includes('from "@chatfunnel/schemas"'))) expect(line, file).toMatch(/^import type /);
    }
  });

  it("builds a bundle that imports nothing and types that stand alone, and the bundle works", async () => {
    const { distDir } = await buildSdk();
    const manifest = JSON.parse(fs.readFileSync(path.join(distDir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest["dependencies"]).toBeUndefined();
    expect(manifest["private"]).toBeUndefined();
    const types = fs.readFileSync(path.join(distDir, "schemas.d.ts"), "utf8");
    expect(types).toContain("export type EventInput = {");
    expect(types).not.toMatch(/\bimport\b|\bz\.|Zod/);
    const sdk = (await import(path.join(distDir, "index.js"))) as typeof import("@chatfunnel/sdk");
    const bodies: string[] = [];
    const cf = new sdk.Chatfunnel({
      writeKey: "cf_w_x_1234567890123",
      endpoint: "http://127.0.0.1:1",
      channel: "vk",
      botId: "b",
      fetch: async (_url, init) => {
        bodies.push(init.body);
        return { status: 200, headers: { get: () => null }, text: async () => '{"accepted":1,"rejected":[]}' };
      },
    });
    cf.lead({ userId: "u" });
    expect(await cf.flush()).toEqual({ accepted: 1, rejected: [], dropped: 0, droppedByReason: {} });
    expect(JSON.parse(bodies[0]!).events[0]).toMatchObject({ type: "lead", channel: "vk", userId: "u" });
  }, 60_000);
});
