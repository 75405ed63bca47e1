/**
 * Replays a counterexample: fast-check prints the seed of a failing run, and
 * `CHATFUNNEL_PROPERTY_SEED=<seed> npx vitest run <file>` draws the same cases again (with the same run count).
 * Without the variable every run draws a new seed, so coverage adds up across CI runs.
 * CHATFUNNEL_PROPERTY_NO_SHRINK=1 reports the first failing case as drawn, with its seed, instead of shrinking it
 * (shrinking a slow property can outlast the test's timeout and hide the seed).
 */
import fc from "fast-check";

const seed = process.env.CHATFUNNEL_PROPERTY_SEED;
if (seed !== undefined && seed !== "") {
  const value = Number(seed);
  if (!Number.isInteger(value)) throw new Error("CHATFUNNEL_PROPERTY_SEED must be an integer");
  // CHATFUNNEL_PROPERTY_PATH (the `path` fast-check prints beside the seed) starts at the failing case itself.
  const path = process.env.CHATFUNNEL_PROPERTY_PATH;
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: value, ...(path ? { path } : {}) });
}

if (process.env.CHATFUNNEL_PROPERTY_NO_SHRINK === "1") fc.configureGlobal({ ...fc.readConfigureGlobal(), endOnFailure: true });
