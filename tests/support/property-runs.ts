/**
 * How many random cases a property or fuzz test tries. The defaults are sized so the whole suite fits CI's
 * 15 minutes on 2 cores; every CI run draws new seeds, so coverage adds up across runs. A deeper run scales
 * them all at once (`CHATFUNNEL_PROPERTY_SCALE=4 npm test`), and a test's own variable (e.g.
 * `API_REFERENCE_RUNS=100`) sets that one test exactly, for replaying or hunting a counterexample.
 */
export function propertyRuns(variable: string, ciDefault: number): number {
  const exact = process.env[variable];
  if (exact !== undefined && exact !== "") return positive(variable, Number(exact));
  const scale = Number(process.env.CHATFUNNEL_PROPERTY_SCALE ?? 1);
  return Math.max(1, Math.round(ciDefault * positive("CHATFUNNEL_PROPERTY_SCALE", scale)));
}

function positive(variable: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${variable} must be a positive number`);
  return value;
}
