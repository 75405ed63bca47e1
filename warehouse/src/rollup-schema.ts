/**
 * The rollup contract, shared by the migrations that build the rollups and the facts that read them.
 * Dependency-free on purpose (but for the equally plain webhook-schema.ts): warehouse/src/migrations.ts
 * imports it, and the API imports it.
 */
import { WEBHOOK_TABLES } from "./webhook-schema.js";

/** Rollups are per user and 15-minute slot: exact for ranges whose bounds fall on a slot boundary. */
export const SLOT_MINUTES = 15;
export const SLOT_MS = SLOT_MINUTES * 60 * 1000;

/** SQL for the slot of a DateTime64 column (must stay SLOT_MINUTES wide). */
export const slotOf = (column: string): string => `toStartOfFifteenMinutes(${column})`;

/** "No such event in this slot/session": later than any real timestamp, so min() ignores it. */
export const ROLLUP_NONE = "toDateTime64('2200-01-01 00:00:00', 3, 'UTC')";

/** Table names of the rollups (and their materialized views, `<name>_mv`). */
export const ROLLUP_TABLES = {
  /** Per user, bot and slot: first event, and the loose (no sessionId) first/last/request/resolved/handoff. */
  userSlots: "user_slots",
  /** Per sessionId and bot: start, first request, resolution, handoff. */
  idSessions: "id_sessions",
  /** Per user, bot and slot: the set of (event id, type, revenue, currency) of lead/order/payment events. */
  userOutcomes: "user_outcomes",
  /** Per user: argMin state of the first campaign. */
  userFirstTouch: "user_first_touch",
  /** Per user, bot, sessionId and slot: first and last event, first request/resolved/handoff, reply instants (engagement). */
  engagementSlots: "engagement_slots",
  /** Per user, bot, sessionId and slot: engagement_slots' figures plus last resolved, flags, bot and operator reply instants, CSAT answers (support, engagement). */
  conversationSlots: "conversation_slots",
} as const;

/** Tables of people deletion and retention (migration 15): the audit log, the tombstones the events writer consults, retention's notes. */
export const PEOPLE_TABLES = {
  deletions: "people_deletions",
  tombstones: "people_tombstones",
  /** The spanning rollup rows (sessionIds, first touches) a retention run rebuilds. */
  retentionRebuild: "retention_rebuild",
} as const;

/**
 * Every table holding rows of one person (project_id, channel, user_id): the events, each rollup and the
 * webhook outbox. No rollup row mixes users (each one's sorting key starts with the user), so deleting a person is
 * deleting their rows here and recomputing nothing. A new table with a user_id column must be listed here:
 * tests/integration/people-deletion.test.ts fails on any table with user_id that is not.
 */
export const PERSON_TABLES = [
  "events",
  ROLLUP_TABLES.userSlots,
  ROLLUP_TABLES.idSessions,
  ROLLUP_TABLES.userOutcomes,
  ROLLUP_TABLES.userFirstTouch,
  ROLLUP_TABLES.conversationSlots,
  // The webhook outbox keeps a copy of each delivered event (user id, properties): a deletion clears it too.
  WEBHOOK_TABLES.outbox,
] as const;

/** True when [from, to) can be answered from the slot rollups: both bounds on slot boundaries. */
export const onSlotBounds = (fromMs: number, toMs: number): boolean => fromMs % SLOT_MS === 0 && toMs % SLOT_MS === 0;

/** Which implementation of a fact answers: the events themselves, or the rollups built from them. */
export type FactPath = "events" | "rollup";
