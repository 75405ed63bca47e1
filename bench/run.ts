import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `npm run bench`: every bench/*.bench.ts in turn, each in its own process (chDB is one engine
 * per process, and one bench's memory must not blur another's figures). Pass names to run a
 * subset: `npm run bench -- funnel api`.
 */
const benchDir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = fs
  .readdirSync(benchDir)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => wanted.length === 0 || wanted.includes(name.replace(/\.bench\.ts$/, "")))
  .sort();

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(benchDir, file)], { stdio: "inherit" });
  if (result.status !== 0) failed++;
  console.log(`--- ${file}: ${result.status === 0 ? "done" : `failed (exit ${result.status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
process.exit(failed === 0 ? 0 : 1);
