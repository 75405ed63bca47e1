/**
 * Replays a counterexample: fast-check prints the seed of a failing run, and
 * `CHATFUNNEL_PROPERTY_SEED=<seed> npx vitest run <file>` draws the same cases again (with the same run count).
 * Without the variable every run draws a new seed, so coverage adds up across CI runs.
 */
import fc from "fast-check";

const seed = process.env.CHATFUNNEL_PROPERTY_SEED;
if (seed !== undefined && seed !== "") {
  const value = Number(seed);
  if (!Number.isInteger(value)) throw new Error("CHATFUNNEL_PROPERTY_SEED must be an integer");
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: value });
}
