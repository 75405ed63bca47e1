import { z } from "zod";

const intFromEnv = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain identifier (letters, digits, _)");
const commaList = z
  .string()
  .transform((value) => value.split(",").map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.string().min(1)).min(1, "must list at least one host:port"));
const flagFromEnv = z
  .enum(["1", "true", "0", "false"], { message: "must be 1, true, 0 or false" })
  .default("0")
  .transform((value) => value === "1" || value === "true");
const flagDefaultOn = z
  .enum(["1", "true", "0", "false"], { message: "must be 1, true, 0 or false" })
  .default("1")
  .transform((value) => value === "1" || value === "true");

/**
 * Every setting of every process, read once at start from the environment.
 * Unset means: the embedded default (chDB under DATA_DIR, no Kafka).
 */
export const ConfigSchema = z.object({
  HOST: z.string().default("127.0.0.1"),
  PORT: intFromEnv(8080).pipe(z.number().max(65535)),
  DATA_DIR: z.string().min(1).default("./data"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),

  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_USER: z.string().default("default"),
  CLICKHOUSE_PASSWORD: z.string().default(""),
  CLICKHOUSE_DATABASE: identifier.default("chatfunnel"),
  /**
   * Tests and single-process experiments only: lets a distributed consumer or API keep its data in
   * chDB under DATA_DIR. Such a directory belongs to that one process, so nothing else sees it.
   */
  CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED: flagFromEnv,
  /** What an acknowledged insert survives: "default" a process kill, "fsync" also power loss (slower). */
  DURABILITY: z.enum(["default", "fsync"]).default("default"),

  KAFKA_BROKERS: commaList.optional(),
  KAFKA_CLIENT_ID: z.string().default("chatfunnel"),
  KAFKA_TOPIC: z.string().min(1).default("bot-events"),
  KAFKA_DLQ_TOPIC: z.string().min(1).default("bot-events-dlq"),
  KAFKA_GROUP_ID: z.string().min(1).default("chatfunnel-consumer"),
  KAFKA_TOPIC_PARTITIONS: intFromEnv(6, 1),
  /** How long the group waits for a silent consumer before giving its partitions to another (broker min is 6000). */
  KAFKA_SESSION_TIMEOUT_MS: intFromEnv(30_000, 6_000),

  CHATFUNNEL_WRITE_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  CHATFUNNEL_READ_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  /** The embedded default's manage key (read + the editor actions); else generated and kept in DATA_DIR. */
  CHATFUNNEL_MANAGE_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  /** Bearer token of /admin/v1 (projects and keys); else generated and kept in DATA_DIR. Set it when several API processes run. */
  CHATFUNNEL_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  CHATFUNNEL_PROJECT_ID: identifier.default("default"),
  /**
   * Exactly one reverse proxy in front: the client address of login rate limits is the last X-Forwarded-For
   * entry (what the proxy saw) instead of the connection's peer, which would be the proxy for everyone.
   */
  TRUST_PROXY: flagFromEnv,

  /** The batching writer: a batch is inserted when it reaches either bound, or after the wait. */
  BATCH_MAX_ROWS: intFromEnv(20_000, 1),
  BATCH_MAX_BYTES: intFromEnv(16 * 1024 * 1024, 1024),
  BATCH_MAX_WAIT_MS: intFromEnv(50, 0),
  /** Rows waiting for the writer above which the collector answers 429 instead of buffering more. */
  WRITER_MAX_PENDING_ROWS: intFromEnv(200_000, 1),
  /**
   * How long a row handed over now may expect to wait before it is stored (the backlog's oldest row,
   * or pending rows at the recent insert rate); beyond it the collector answers 429 with Retry-After,
   * so acknowledged events stay within ~2 s even when offered more than the engine stores.
   */
  WRITER_MAX_WAIT_MS: intFromEnv(1000, 1),

  QUERY_TIMEOUT_S: intFromEnv(30, 1),
  QUERY_MAX_MEMORY_BYTES: intFromEnv(2 * 1024 * 1024 * 1024, 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: intFromEnv(15_000, 100),

  /**
   * Webhooks (ingest/src/webhooks): self-hosted installs often post to a CRM on their own network, so
   * loopback and private addresses are allowed unless this is false.
   */
  WEBHOOK_ALLOW_PRIVATE: flagDefaultOn,
  /** One delivery request's deadline: a receiver slower than this counts as no answer and is retried. */
  WEBHOOK_TIMEOUT_MS: intFromEnv(10_000, 100),
  /** The first retry's delay; each next one doubles, up to WEBHOOK_RETRY_MAX_MS, with jitter. */
  WEBHOOK_RETRY_BASE_MS: intFromEnv(10_000, 1),
  WEBHOOK_RETRY_MAX_MS: intFromEnv(60 * 60 * 1000, 1),
  /** A delivery not answered with a 2xx this long after its event was stored is given up (failed). */
  WEBHOOK_RETRY_FOR_MS: intFromEnv(24 * 60 * 60 * 1000, 1),
  /** Deliveries in a row given up (no success between) after which the webhook is disabled with the reason. */
  WEBHOOK_DISABLE_AFTER_FAILURES: intFromEnv(20, 1),
  /**
   * How often the scheduler looks for newly stored deliveries (one small read each). In the embedded default it
   * reads only after an insert stored an event some webhook takes, at most this often.
   */
  WEBHOOK_POLL_MS: intFromEnv(1000, 10),
  /** Embedded default: the safety-net read of the outbox when no insert woke the scheduler for this long. */
  WEBHOOK_IDLE_POLL_MS: intFromEnv(60_000, 100),
  /**
   * How often it re-reads every unfinished delivery of the retry window from storage: at start, after
   * its queue overflowed, and at this interval as a safety net (a read of the whole window: not often).
   */
  WEBHOOK_SWEEP_MS: intFromEnv(10 * 60_000, 100),
  /** Requests in flight per webhook: one slow receiver holds at most this many. */
  WEBHOOK_CONCURRENCY: intFromEnv(8, 1),
  /** Unfinished deliveries kept in memory; the rest wait in storage for a later sweep. */
  WEBHOOK_MAX_QUEUED: intFromEnv(100_000, 1),
  /**
   * Alerts and digests to Telegram call `<TELEGRAM_API_URL>/bot<token>/sendMessage` (and sendPhoto); tests
   * and installs behind a proxy point it elsewhere.
   */
  TELEGRAM_API_URL: z.url({ protocol: /^https?$/ }).default("https://api.telegram.org").transform((url) => url.replace(/\/+$/, "")),
  /** One Bot API request's deadline; a slower answer counts as a failure, recorded, never blocking ingest. */
  TELEGRAM_TIMEOUT_MS: intFromEnv(10_000, 100),
  /**
   * Scheduled alerts' and digests' Bot API calls that failed for a passing reason (5xx, 429, no answer) are retried:
   * the first retry after this (or Telegram's retry_after), each next one doubling up to TELEGRAM_RETRY_MAX_MS,
   * half of each delay random.
   */
  TELEGRAM_RETRY_BASE_MS: intFromEnv(10_000, 1),
  TELEGRAM_RETRY_MAX_MS: intFromEnv(600_000, 1),
  /** How often the retry queue looks for sends due while one waits; while none does, every TELEGRAM_RETRY_IDLE_POLL_MS. */
  TELEGRAM_RETRY_POLL_MS: intFromEnv(5_000, 10),
  TELEGRAM_RETRY_IDLE_POLL_MS: intFromEnv(60_000, 10),
  /** How long a scheduled alert's Telegram message is retried from its first attempt (a digest's: until the next period's send time). */
  TELEGRAM_ALERT_RETRY_FOR_MS: intFromEnv(3_600_000, 1),
  /** Distributed worker: the one-partition topic whose owner in the group is the one active worker. */
  KAFKA_WORKER_TOPIC: z.string().min(1).default("chatfunnel-worker-lease"),
  KAFKA_WORKER_GROUP_ID: z.string().min(1).default("chatfunnel-worker"),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment once; a bad value stops the process with the variable named. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset" so `FOO= npm start` falls back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

export type DistributedProcess = "collector" | "consumer" | "api" | "worker";

/**
 * What a distributed process needs besides the shared schema: a chDB directory belongs to one
 * process, so a consumer and an API each on chDB would never see each other's rows (the API would
 * answer zeros) and on one directory the second dies on its lock. The collector writes no rows; it
 * only checks write keys, against ClickHouse when it has one, else against the configured key alone.
 */
export function checkDistributedConfig(config: Config, role: DistributedProcess): void {
  if (config.CLICKHOUSE_URL) return;
  const problem =
    role === "collector"
      ? config.CHATFUNNEL_WRITE_KEY
        ? undefined
        : "the collector checks write keys against ClickHouse's api_keys table; without CLICKHOUSE_URL it can only accept CHATFUNNEL_WRITE_KEY, which is not set either"
      : config.CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED
        ? undefined
        : role === "consumer"
          ? "the consumer stores events for the API processes to read, and a chDB directory belongs to one process, so the API would never see them"
          : role === "worker"
            ? "the worker delivers what the consumers store, and a chDB directory belongs to one process, so it would never see it"
            : "the API reads what the consumers store, and a chDB directory belongs to one process, so it would answer zeros";
  if (problem) {
    throw new ConfigError(
      `invalid configuration for the distributed ${role}:\n  CLICKHOUSE_URL: not set: ${problem}. Set CLICKHOUSE_URL (e.g. http://127.0.0.1:8123), ` +
        `or run the embedded default (npm start) on one machine${role === "collector" ? "" : " (CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED=1 keeps this one process on chDB, for tests)"}`,
    );
  }
}

/** The one place a process reads its environment: called once, at start, by each entry point. */
export function loadConfigFromEnvironment(): Config {
  return loadConfig(process.env);
}
