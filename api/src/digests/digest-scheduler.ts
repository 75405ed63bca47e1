import type { Logger, Storage } from "@chatfunnel/core";
import type { DigestSendResult } from "@chatfunnel/schemas";
import { liveDigests, recordDigestSend, scheduledDigestPeriods, type DigestRecord } from "@chatfunnel/warehouse";
import { projectTimeZone } from "../metrics/project-settings.js";
import { addDays, latestDuePeriod, localDateOf, sendTimeMs } from "./periods.js";
import type { TelegramOutbox, TelegramRetryPolicy } from "../notify/telegram-outbox.js";
import { sendDigestWithRetries } from "./send-digest.js";
import type { DigestDeliveryConfig } from "./deliver-digest.js";
import { createDigestOutbox, type DigestRetrySettled } from "./digest-outbox.js";

/** How often the scheduler looks for periods due: a digest goes out within a minute of its send time. */
export const DIGEST_TICK_MS = 60_000;

export interface DigestSchedulerHooks {
  /** The clock; tests move it instead of waiting for 09:00. */
  now?: () => number;
  /** A send's first outcome (sent, or refused for good); a send waiting for a retry is reported by onRetrySettled instead. */
  onSent?: (digest: DigestRecord, result: DigestSendResult) => void;
  onFailed?: (digest: DigestRecord, error: unknown) => void;
  /** The final outcome of a send that waited for one or more Bot API retries (each such send once). */
  onRetrySettled?: DigestRetrySettled;
  /** The backoff of Telegram retries through an outage (each retried until the next period's send time). */
  retryPolicy?: TelegramRetryPolicy;
}

/**
 * Sends each digest once per period, at DIGEST_SEND_HOUR (09:00) in the project's zone on the day after
 * the period ends (daily), or on the Monday after the ISO week (weekly).
 *
 * At most once: before sending a period the scheduler writes a claim row to the send log, and a period with
 * any scheduled row is never sent again, so a restart does not repeat it. Nothing skipped: a process that was
 * down at the send time sends the latest due period when it is back (older missed periods are not sent late:
 * yesterday's figures are news, last week's daily digest is not). A crash between the claim and the outcome
 * loses that one period (the list shows it as `claimed`), the price of never sending it twice. A digest
 * created after a period's send time starts with the next period.
 */
export class DigestScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<unknown> | undefined;
  private running = false;
  /** Set by stop(): a tick in progress finishes the digest it is sending and leaves the rest to the next start. */
  private stopping = false;
  /** The scheduled sends waiting for another Bot API attempt, retried while the scheduler runs. */
  readonly outbox: TelegramOutbox;

  constructor(
    private readonly storage: Storage,
    private readonly config: DigestDeliveryConfig,
    private readonly logger: Logger,
    private readonly hooks: DigestSchedulerHooks = {},
    private readonly tickMs = DIGEST_TICK_MS,
  ) {
    this.outbox = createDigestOutbox(storage, config, logger, hooks.retryPolicy, hooks.onRetrySettled);
  }

  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    const loop = () => {
      if (!this.running) return;
      this.ticking = this.tick()
        .catch((error: unknown) => this.logger.warn("digest tick failed; tried again at the next one", { error }))
        .finally(() => {
          this.ticking = undefined;
          if (this.running) {
            this.timer = setTimeout(loop, this.tickMs);
            this.timer.unref();
          }
        });
    };
    loop();
    this.outbox.start();
  }

  /** Lets a send in flight finish (and be recorded) before it resolves. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([this.ticking, this.outbox.stop()]);
  }

  /** One pass: every digest's latest due period that no scheduled row has taken yet. Answers what it sent. */
  async tick(): Promise<DigestSendResult[]> {
    const nowMs = this.hooks.now?.() ?? Date.now();
    const digests = await liveDigests(this.storage);
    if (digests.length === 0) return [];
    // A due period started at most 14 days ago (a weekly one, before its send time); 3 weeks covers every zone.
    const taken = await scheduledDigestPeriods(this.storage, addDays(localDateOf(nowMs, "UTC"), -21));
    const zones = new Map<string, string>();
    const sent: DigestSendResult[] = [];
    // One digest at a time: a project's many digests never burst at the Bot API's per-bot limits.
    for (const digest of digests) {
      // A stop waits for one send (one Bot API deadline), not for every digest of the tick.
      if (this.stopping) break;
      let tz = zones.get(digest.projectId);
      if (tz === undefined) {
        tz = await projectTimeZone(this.storage, digest.projectId);
        zones.set(digest.projectId, tz);
      }
      const period = latestDuePeriod(digest.schedule, nowMs, tz);
      if (sendTimeMs(period, tz) < Date.parse(digest.createdAt)) continue;
      if (taken.has(`${digest.id}|${period.from}`)) continue;
      await recordDigestSend(this.storage, {
        projectId: digest.projectId,
        digestId: digest.id,
        trigger: "schedule",
        periodFrom: period.from,
        periodTo: period.to,
        state: "claimed",
        // Log times are real times (the clock hook only moves periods), so a claim never sorts after its outcome.
        at: new Date().toISOString(),
        error: null,
        deliveries: "",
      });
      try {
        const { result, waiting } = await sendDigestWithRetries(this.storage, this.config, digest, { trigger: "schedule", period, nowMs, outbox: this.outbox });
        sent.push(result);
        if (waiting) {
          this.logger.info("digest waits for a Bot API retry", { projectId: digest.projectId, digestId: digest.id, period: period.from, error: result.error });
          continue;
        }
        if (result.ok) this.logger.info("digest sent", { projectId: digest.projectId, digestId: digest.id, period: period.from });
        else this.logger.warn("digest not delivered", { projectId: digest.projectId, digestId: digest.id, period: period.from, error: result.error });
        this.hooks.onSent?.(digest, result);
      } catch (error) {
        // The figures could not be read (storage): recorded as failed, not retried (at most once per period).
        this.logger.warn("digest could not be built", { projectId: digest.projectId, digestId: digest.id, period: period.from, error });
        await recordDigestSend(this.storage, {
          projectId: digest.projectId,
          digestId: digest.id,
          trigger: "schedule",
          periodFrom: period.from,
          periodTo: period.to,
          state: "failed",
          at: new Date().toISOString(),
          error: error instanceof Error ? error.message : String(error),
          deliveries: "[]",
        }).catch(() => undefined);
        this.hooks.onFailed?.(digest, error);
      }
    }
    return sent;
  }
}
