/**
 * The digest tables (migration 18), shared by the migration that builds them and the store that reads and
 * writes them (warehouse/src/digest-store.ts). Dependency-free on purpose, like webhook-schema.ts.
 */
export const DIGEST_TABLES = {
  /** One row per change of a digest (create, delete), the latest version wins (FINAL). */
  digests: "digests",
  /**
   * One row per step of a send: the scheduler's claim of a period before it sends (so a restart never
   * sends that period again), then the outcome; a send now writes its outcome only.
   */
  sends: "digest_sends",
} as const;

/** How long the send log is kept; the scheduler only looks at the last weeks. */
export const DIGEST_LOG_DAYS = 180;
