/**
 * Login latency over HTTP against the embedded default (chDB, argon2id at PASSWORD_HASH_COST): p50/p99 of
 * BENCH_LOGINS good logins one after another and 4 at a time, and of refusals (wrong password, unknown email;
 * each from its own address so the rate limit stays out of it). Target: p99 ≤ 300 ms on the 2-core machine.
 *
 *   npx tsx bench/login.bench.ts
 *   BENCH_LOGINS=50 npx tsx bench/login.bench.ts
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PASSWORD_HASH_COST } from "@chatfunnel/core";
import { loadConfig } from "@chatfunnel/schemas";
import { startEmbedded } from "@chatfunnel/server";

const logins = Number(process.env.BENCH_LOGINS ?? 200);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-bench-login-"));
const server = await startEmbedded(loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent", TRUST_PROXY: "1" }), path.join(dataDir, "no-dashboard"));
const admin = { Authorization: `Bearer ${server.adminToken}`, "Content-Type": "application/json" };

const project = (await (await fetch(`${server.url}/admin/v1/projects`, { method: "POST", headers: admin, body: JSON.stringify({ name: "bench" }) })).json()) as { id: string };
const email = "bench@shop.example";
const password = "a bench password";
const created = await fetch(`${server.url}/admin/v1/users`, { method: "POST", headers: admin, body: JSON.stringify({ email, password, roles: [{ project: project.id, role: "viewer" }] }) });
if (created.status !== 201) throw new Error(`user: ${created.status} ${await created.text()}`);

let address = 0;
async function login(body: { email: string; password: string }, expected: number): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/auth/v1/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-For": `10.${(++address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}` },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  if (res.status !== expected) throw new Error(`login answered ${res.status}, expected ${expected}`);
  return performance.now() - started;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
const report = (name: string, ms: number[]) => console.log(`${name.padEnd(44)} n=${String(ms.length).padStart(4)}  p50 ${quantile(ms, 0.5).toFixed(1).padStart(6)} ms  p99 ${quantile(ms, 0.99).toFixed(1).padStart(6)} ms`);

console.log(`argon2id m=${PASSWORD_HASH_COST.memoryCost} KiB t=${PASSWORD_HASH_COST.timeCost} p=${PASSWORD_HASH_COST.parallelism}; ${os.cpus().length} CPUs`);
for (let i = 0; i < 5; i++) await login({ email, password }, 200); // warm-up: the dummy hash, the first queries

const sequential: number[] = [];
for (let i = 0; i < logins; i++) sequential.push(await login({ email, password }, 200));
report("good login, one at a time", sequential);

const concurrent: number[] = [];
for (let i = 0; i < logins; i += 4) concurrent.push(...(await Promise.all([0, 1, 2, 3].map(() => login({ email, password }, 200)))));
report("good login, 4 at a time", concurrent);

const wrong: number[] = [];
const unknown: number[] = [];
// Each account takes 4 failures before its limit; the bench's own user takes them in turns with fresh ones.
for (let i = 0; i < Math.min(logins, 100); i++) {
  const user = `wrong${i}@shop.example`;
  if (i % 4 === 0) await fetch(`${server.url}/admin/v1/users`, { method: "POST", headers: admin, body: JSON.stringify({ email: user, password, roles: [] }) });
  wrong.push(await login({ email: `wrong${i - (i % 4)}@shop.example`, password: "not it" }, 401));
  unknown.push(await login({ email: `nobody${i}@shop.example`, password: "not it" }, 401));
}
report("wrong password", wrong);
report("unknown email", unknown);

await server.close();
fs.rmSync(dataDir, { recursive: true, force: true });
