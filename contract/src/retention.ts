/** The interval grammar of bucketed answers (timeseries, support, retention, funnel trends); weeks start Monday. */
export const INTERVALS = ["day", "week", "month"] as const;
export type Interval = (typeof INTERVALS)[number];

/** Retention's choices and bounds: schemas/src/api/retention.ts validates with them, the dashboard offers them. */
export const RETENTION_COHORTS = ["first_seen", "first_lead", "first_order"] as const;
export const RETENTION_BREAKDOWNS = ["channel", "campaign", "source"] as const;
/** `return=any`: any event the user did returns them (not BOT_SIDE_EVENT_TYPES); a custom type cannot be named "any". */
export const RETURN_ANY = "any";
/** A week is the classic cohort: a day is noisy, a month needs a long range. */
export const DEFAULT_RETENTION_INTERVAL = "week" satisfies Interval;
export const DEFAULT_RETENTION_PERIODS = 8;
export const MAX_RETENTION_PERIODS = 24;
/** Interval buckets a range may hold (each a cohort): a year of days, longer ranges by week or month. */
export const MAX_RETENTION_COHORTS = 366;
/** Groups beyond this many (largest first) are left out of an answer with a breakdown. */
export const MAX_RETENTION_GROUPS = 100;
export const DEFAULT_RETENTION_USERS_LIMIT = 1000;
export const MAX_RETENTION_USERS_LIMIT = 10_000;
