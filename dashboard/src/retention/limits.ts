import { BOT_SIDE_EVENT_TYPES } from "@chatfunnel/contract";
import type { RetentionBreakdown, RetentionCohort } from "@chatfunnel/schemas";

/**
 * The retention query's choices, bounds and defaults as the page offers them. They are schemas/src/api/retention.ts's
 * (importing values from there would ship zod to the browser); tests/unit/dashboard/retention.test.tsx holds them equal.
 */
export const RETENTION_COHORT_OPTIONS = ["first_seen", "first_lead", "first_order"] as const satisfies readonly RetentionCohort[];
export const RETENTION_BREAKDOWN_OPTIONS = ["channel", "campaign", "source"] as const satisfies readonly RetentionBreakdown[];
export const RETURN_ANY = "any";
/** What `any` leaves out, named in its label (the contract's list, plain: no zod). */
export const RETURN_ANY_EXCLUDED = BOT_SIDE_EVENT_TYPES.join(", ");
export const DEFAULT_PERIODS = 8;
export const MAX_PERIODS = 24;
/** The API's default bucket: a week is the classic cohort (a day is noisy, a month needs a long range). */
export const DEFAULT_RETENTION_INTERVAL = "week";
/** One page of a cell's users in the list; the CSV asks for the API's most. */
export const RETENTION_USERS_PAGE = 100;
export const MAX_RETENTION_USERS_LIMIT = 10_000;
/** The periods the picker offers; any other count the API takes stays usable through the URL. */
export const PERIOD_CHOICES = [4, 6, 8, 12, 16, 24] as const;
