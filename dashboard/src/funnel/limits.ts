/**
 * Mirrors of limits in schemas/src/api/funnel.ts. Importing them would pull zod into the
 * browser bundle; tests/unit/dashboard/funnel-steps.test.ts checks they stay equal.
 */
export const MAX_DROPOFF_LIMIT = 10_000;
export const MIN_FUNNEL_STEPS = 2;
export const MAX_FUNNEL_STEPS = 20;
export const MAX_STEP_FILTERS = 8;
export const DEFAULT_FUNNEL_WINDOW = "7d";
