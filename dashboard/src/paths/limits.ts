/**
 * The paths query's bounds and defaults as the page offers them. They are schemas/src/api/paths.ts's (importing
 * values from there would ship zod to the browser); tests/unit/dashboard/surveys-paths.test.tsx holds them equal.
 */
export const PATHS_DEPTHS = [2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
export const DEFAULT_DEPTH = 5;
export const DEFAULT_START = "bot_started";
/** Start types the selector offers; any other in the URL is kept as it is. */
export const START_OPTIONS = ["bot_started", "message_received", "button_clicked", "broadcast_clicked"] as const;
