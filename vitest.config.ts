import { defineConfig } from "vitest/config";

// One config for every suite. Each test file runs in its own process (forks): chDB is one
// engine per process, so files never share an engine, and each test uses its own database.
const reportFile = process.env.CHATFUNNEL_TEST_REPORT;

export default defineConfig({
  test: {
    // .ci/run asks for a JSON report to print one plain "N passed, N failed" line.
    reporters: reportFile ? ["default", ["json", { outputFile: reportFile }]] : ["default"],
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["tests/support/global-setup.ts"],
    // CHATFUNNEL_PROPERTY_SEED replays a property test's counterexample (see the file).
    setupFiles: ["tests/support/property-seed.ts"],
  },
});
