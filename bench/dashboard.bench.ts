/**
 * The dashboard's two budgets:
 *   1. production bundle: JS gzip ≤ 350 KB (all chunks), and what the first paint of the overview needs;
 *   2. time to a rendered overview in headless Chromium on the embedded default holding 1M events ≤ 1.5 s.
 *
 *   npx tsx bench/dashboard.bench.ts                  # 1M events
 *   BENCH_SCALE=0.01 npx tsx bench/dashboard.bench.ts # 10k events, a quick check
 *
 * "Rendered" is measured in the page (performance.now() from navigation start) at two moments: all eleven
 * KPI cards showing figures, and additionally all four trend charts drawn. Cold = first visit of a fresh
 * profile (bundle fetched); warm = reloads (bundle cached, every API query asked again).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { loadConfig } from "@chatfunnel/schemas";
import { startEmbedded } from "@chatfunnel/server";
import { createStorage } from "@chatfunnel/core";
import { DASHBOARD_DIST, REPO_ROOT, launchBrowser } from "../tests/support/browser.js";
import { generateDataset } from "./support/dataset.js";

const SCALE = Number(process.env.BENCH_SCALE ?? "1");
const EVENTS = Math.max(1000, Math.round(1_000_000 * SCALE));
const USERS = Math.max(50, Math.round(EVENTS / 20));
const DAYS = 90;
const WARM_RUNS = 7;
const BUNDLE_BUDGET_KB = 350;
const RENDER_BUDGET_MS = 1500;

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function measureBundle(): { rows: Array<Record<string, string>>; totalGzip: number; initialGzip: number } {
  execFileSync("npm", ["run", "build", "-w", "dashboard"], { cwd: REPO_ROOT, stdio: "pipe" });
  const assets = path.join(DASHBOARD_DIST, "assets");
  const html = fs.readFileSync(path.join(DASHBOARD_DIST, "index.html"), "utf8");
  // What index.html loads up front: the entry script and its modulepreloads; the rest is lazy.
  const initial = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]!));
  let totalGzip = 0;
  let initialGzip = 0;
  const rows = fs
    .readdirSync(assets)
    .filter((name) => name.endsWith(".js"))
    .map((name) => {
      const raw = fs.readFileSync(path.join(assets, name));
      const gzip = zlib.gzipSync(raw, { level: 9 }).length;
      totalGzip += gzip;
      if (initial.has(name)) initialGzip += gzip;
      return { chunk: name, loaded: initial.has(name) ? "initially" : "lazily", raw_kb: kb(raw.length), gzip_kb: kb(gzip), gzip };
    })
    .sort((a, b) => b.gzip - a.gzip)
    .map(({ gzip: _gzip, ...row }) => row);
  return { rows, totalGzip, initialGzip };
}

async function main(): Promise<void> {
  console.log(`dashboard bench: ${EVENTS.toLocaleString("en")} events, ${USERS.toLocaleString("en")} users over ${DAYS} days (BENCH_SCALE=${SCALE})`);
  const bundle = measureBundle();
  console.log("\nProduction bundle (vite build, gzip -9):");
  console.table(bundle.rows);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-dashboard-bench-"));
  const config = loadConfig({ DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "silent" });
  const server = await startEmbedded(config);
  const browser = await launchBrowser({ locale: "en-US", timezoneId: "UTC" });
  try {
    // A second client on the same chDB engine fills the embedded default's database directly.
    const storage = createStorage(config);
    const loadStarted = Date.now();
    const range = await generateDataset(storage, { projectId: config.CHATFUNNEL_PROJECT_ID, events: EVENTS, users: USERS, days: DAYS, seed: 42 });
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    const lastDay = new Date(Date.parse(`${range.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const url = `${server.url}/?from=${range.from}&to=${lastDay}&tz=UTC`;

    // Where the time goes: each query the overview page makes, alone, from node.
    const timed = async (pathAndQuery: string) => {
      const started = performance.now();
      const response = await fetch(`${server.url}/api/v1/${pathAndQuery}`, { headers: { Authorization: `Bearer ${server.keys.readKey}` } });
      const body: unknown = await response.json();
      if (!response.ok) throw new Error(`${pathAndQuery}: HTTP ${response.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - started, body };
    };
    const common = `from=${range.from}&to=${range.to}&tz=UTC`;
    const overviewCall = await timed(`overview?${common}`);
    const overview = overviewCall.body as { current: { users: number } };
    const apiRows = [{ query: "overview (current + previous period)", ms: Math.round(overviewCall.ms) }];
    for (const metric of ["users", "sessions", "leads", "revenue"]) {
      apiRows.push({ query: `timeseries metric=${metric} interval=day`, ms: Math.round((await timed(`timeseries?${common}&metric=${metric}&interval=day`)).ms) });
    }
    const apiMs = overviewCall.ms;
    console.log(`\nData: ${EVENTS.toLocaleString("en")} events loaded in ${loadSeconds.toFixed(1)} s.`);
    console.log("The API queries of the overview page one at a time, from node (the page asks the overview first, then the four trends together):");
    console.table(apiRows);

    // Each visit is a new tab: a real navigation (same-URL gotos would be fragment-only), with the
    // profile's HTTP cache and remembered key shared as for a returning user.
    const visit = async (target: string): Promise<{ kpis: number; charts: number; users: string }> => {
      const page = await browser.context.newPage();
      await page.goto(target, { waitUntil: "commit" });
      const kpis = (await (
        await page.waitForFunction(
          () => {
            const values = [...document.querySelectorAll('[data-testid="overview"] [data-metric]')];
            const alert = document.querySelector('[role="alert"]');
            if (alert) return { error: alert.textContent ?? "error" };
            return values.length === 11 && values.every((v) => (v.textContent ?? "") !== "") ? performance.now() : false;
          },
          undefined,
          { polling: "raf", timeout: 120_000 },
        )
      ).jsonValue()) as number | { error: string };
      if (typeof kpis !== "number") throw new Error(`the overview showed an error instead of figures: ${kpis.error}`);
      const charts = (await (
        await page.waitForFunction(() => (document.querySelectorAll(".chart .recharts-line-curve").length === 4 ? performance.now() : false), undefined, { polling: "raf", timeout: 120_000 })
      ).jsonValue()) as number;
      const users = (await page.locator('[data-metric="users"]').innerText()).trim();
      await page.close();
      return { kpis, charts, users };
    };
    const cold = await visit(`${url}#key=${server.keys.readKey}`);
    const warm: Array<{ kpis: number; charts: number }> = [];
    for (let i = 0; i < WARM_RUNS; i++) warm.push(await visit(url));

    console.log(`\nThe overview shows ${cold.users} users (API: ${overview.current.users}).`);
    console.log("\nTime to a rendered overview in headless Chromium (ms from navigation start):");
    console.table([
      { visit: "cold (fresh profile)", kpi_cards_ms: Math.round(cold.kpis), with_trend_charts_ms: Math.round(cold.charts) },
      { visit: `warm, median of ${WARM_RUNS}`, kpi_cards_ms: Math.round(median(warm.map((w) => w.kpis))), with_trend_charts_ms: Math.round(median(warm.map((w) => w.charts))) },
      { visit: `warm, best of ${WARM_RUNS}`, kpi_cards_ms: Math.round(Math.min(...warm.map((w) => w.kpis))), with_trend_charts_ms: Math.round(Math.min(...warm.map((w) => w.charts))) },
    ]);
    console.log(`Dashboard overhead over the overview query (warm median KPI cards − overview alone): ${Math.round(median(warm.map((w) => w.kpis)) - apiMs)} ms`);

    const renderMs = median(warm.map((w) => w.charts));
    const kpiMs = median(warm.map((w) => w.kpis));
    console.log("\nBudgets:");
    console.table([
      { budget: "JS gzip, all chunks", target: `≤ ${BUNDLE_BUDGET_KB} KB`, measured: `${kb(bundle.totalGzip)} KB`, met: bundle.totalGzip <= BUNDLE_BUDGET_KB * 1024 ? "yes" : "NO" },
      { budget: "JS gzip, loaded initially", target: "(info)", measured: `${kb(bundle.initialGzip)} KB`, met: "" },
      { budget: `overview KPI cards rendered (warm median), ${EVENTS.toLocaleString("en")} events`, target: `≤ ${RENDER_BUDGET_MS} ms`, measured: `${Math.round(kpiMs)} ms`, met: kpiMs <= RENDER_BUDGET_MS ? "yes" : "NO" },
      { budget: `overview KPIs + 4 trend charts rendered (warm median)`, target: `≤ ${RENDER_BUDGET_MS} ms`, measured: `${Math.round(renderMs)} ms`, met: renderMs <= RENDER_BUDGET_MS ? "yes" : "NO" },
    ]);
    await storage.close().catch(() => {});
  } finally {
    await browser.close();
    await server.shutdown();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
