import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CHANNELS, MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from "@chatfunnel/contract";
import { buildSdk } from "../../../sdk/scripts/build.js";

// Installed under a temp directory, outside the monorepo: nothing there can resolve @chatfunnel/contract or
// @chatfunnel/schemas, so whatever the package needs at runtime or for its types must be inside it.
const home = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-sdk-"));
const packageDir = path.join(home, "node_modules", "@chatfunnel", "sdk");
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const filesOf = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesOf(path.join(dir, e.name)) : [path.join(dir, e.name)]));

const script = (body: string) => `
const sdk = SDK;
const bodies = [];
const cf = new sdk.Chatfunnel({ writeKey: "cf_w_x_1234567890123", endpoint: "http://127.0.0.1:1", channel: "vk", botId: "b",
  fetch: async (_url, init) => { bodies.push(init.body); return { status: 200, headers: { get: () => null }, text: async () => '{"accepted":1,"rejected":[]}' }; } });
let refused = "";
try { new sdk.Chatfunnel({ writeKey: "cf_w_x_1234567890123", endpoint: "http://127.0.0.1:1", channel: "icq" }); } catch (error) { refused = error.message; }
cf.lead({ userId: "u" });
${body}`;

describe("the published SDK, installed on its own", () => {
  it("runs as ESM and CommonJS with the contract bundled in, and its types name nothing outside it", async () => {
    await buildSdk(packageDir);
    for (const file of filesOf(packageDir)) {
      expect(fs.readFileSync(file, "utf8"), path.relative(packageDir, file)).not.toMatch(/["']@chatfunnel\/(contract|schemas)["']|from "zod"/);
    }
    const report = "const result = await cf.flush(); console.log(JSON.stringify({ result, refused, limits: [sdk.MAX_BATCH_EVENTS, sdk.MAX_BATCH_BYTES], event: JSON.parse(bodies[0]).events[0] }));";
    fs.writeFileSync(path.join(home, "esm.mjs"), script(report).replace("SDK", 'await import("@chatfunnel/sdk")'));
    fs.writeFileSync(path.join(home, "cjs.cjs"), `(async () => {${script(report).replace("SDK", 'require("@chatfunnel/sdk")')}})();`);
    for (const file of ["esm.mjs", "cjs.cjs"]) {
      const out = JSON.parse(execFileSync(process.execPath, [file], { cwd: home, encoding: "utf8" })) as Record<string, unknown>;
      expect(out, file).toMatchObject({
        result: { accepted: 1, rejected: [], dropped: 0 },
        refused: `Chatfunnel: channel must be one of ${CHANNELS.join(", ")}, got "icq"`,
        limits: [MAX_BATCH_EVENTS, MAX_BATCH_BYTES],
        event: { type: "lead", channel: "vk", userId: "u", botId: "b" },
      });
    }
  }, 60_000);
});
