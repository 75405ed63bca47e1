import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Debian's Chromium: tests never download a browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DASHBOARD_DIST = path.join(REPO_ROOT, "dashboard/dist");
export const ARTIFACTS_DIR = path.join(REPO_ROOT, "test-artifacts");

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile (its own --user-data-dir, removed on close). */
export async function launchBrowser(options: { locale?: string; timezoneId?: string; viewport?: { width: number; height: number } } = {}): Promise<BrowserSession> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--headless", ...CHROMIUM_FLAGS],
    locale: options.locale ?? "en-US",
    timezoneId: options.timezoneId ?? "UTC",
    viewport: options.viewport ?? { width: 1366, height: 900 },
    acceptDownloads: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the dashboard when dist is missing or older than its sources, so tests never run a stale bundle. */
export function ensureDashboardBuilt(): void {
  const index = path.join(DASHBOARD_DIST, "index.html");
  const sources = Math.max(newestMtimeMs(path.join(REPO_ROOT, "dashboard/src")), fs.statSync(path.join(REPO_ROOT, "dashboard/index.html")).mtimeMs);
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= sources) return;
  execFileSync("npm", ["run", "build", "-w", "dashboard"], { cwd: REPO_ROOT, stdio: "pipe" });
}

/** A full-page screenshot kept under test-artifacts/ (git-ignored) for a human to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS_DIR, "e2e", `${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
