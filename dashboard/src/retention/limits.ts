import { BOT_SIDE_EVENT_TYPES } from "@chatfunnel/contract";

/** The retention query's choices, bounds and defaults: the API's own, from contract/ (no zod in the bundle). */
export {
  DEFAULT_RETENTION_INTERVAL,
  DEFAULT_RETENTION_PERIODS,
  INTERVALS,
  MAX_RETENTION_PERIODS,
  MAX_RETENTION_USERS_LIMIT,
  RETENTION_BREAKDOWNS,
  RETENTION_COHORTS,
  RETURN_ANY,
} from "@chatfunnel/contract";
/** What `any` leaves out, named in its label. */
export const RETURN_ANY_EXCLUDED = BOT_SIDE_EVENT_TYPES.join(", ");
/** One page of a cell's users in the list; the CSV asks for the API's most. */
export const RETENTION_USERS_PAGE = 100;
/** The periods the picker offers; any other count the API takes stays usable through the URL. */
export const PERIOD_CHOICES = [4, 6, 8, 12, 16, 24] as const;
