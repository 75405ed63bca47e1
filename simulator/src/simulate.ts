import { z } from "zod";
import { SpendImportResponseSchema, type SpendRow } from "@chatfunnel/schemas";
import { Chatfunnel } from "@chatfunnel/sdk";
import { generateSpend, generateTraffic, type TrafficOptions } from "./generate.js";


export interface SimulateProgress {
  /** Events handed to the SDK so far. */
  tracked: number;
  /** Events the collector has confirmed. */
  accepted: number;
  total: number;
  /** 0–100, by confirmed events. */
  percent: number;
  eventsPerSecond: number;
  elapsedMs: number;
}

export interface SimulateOptions extends TrafficOptions {
  /** The collector/API base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  writeKey: string;
  /** Needed for the spend import; without it spend is skipped (and said so in the result). */
  manageKey?: string;
  /** Called about every `progressIntervalMs` and once at the end. */
  onProgress?: (progress: SimulateProgress) => void;
  progressIntervalMs?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
}

export interface SimulateResult {
  events: { generated: number; accepted: number; rejected: number; dropped: number };
  /** Sample of the collector's reasons, when it refused anything (at most 5). */
  rejectionSamples: string[];
  spend: { rows: number; imported: number; error?: string };
  durationMs: number;
  eventsPerSecond: number;
}

/** Queue bounds: generation pauses above HIGH until the SDK drained below LOW (bounded memory). */
const QUEUE_HIGH = 20_000;
const QUEUE_LOW = 10_000;
const SPEND_CHUNK_ROWS = 10_000;

/**
 * Imports the spend of the simulated traffic, then sends the traffic through the SDK to a running
 * collector. A spend import failure is reported in the result, not thrown: the events still count.
 */
export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  const started = Date.now();
  const now = options.now ?? started;
  const traffic: TrafficOptions = { days: options.days, seed: options.seed, events: options.events, now };
  const rejectionSamples: string[] = [];
  const cf = new Chatfunnel({
    writeKey: options.writeKey,
    endpoint: options.url,
    maxBatchEvents: 1000,
    maxQueueSize: QUEUE_HIGH * 2,
    overflow: "drop-newest",
    concurrency: options.concurrency ?? 4,
    flushIntervalMs: 200,
    maxRetries: 20,
    requestTimeoutMs: 60_000,
    onRejected: (rejected) => {
      for (const r of rejected) if (rejectionSamples.length < 5) rejectionSamples.push(`${r.event.type}: ${r.errors.map((e) => `${e.path} ${e.message}`).join("; ")}`);
    },
  });
  const progress = (): SimulateProgress => {
    const stats = cf.stats();
    const elapsedMs = Date.now() - started;
    return {
      tracked: stats.tracked,
      accepted: stats.accepted,
      total: options.events,
      percent: options.events === 0 ? 100 : Math.min(100, (100 * (stats.accepted + stats.rejected + stats.dropped)) / options.events),
      eventsPerSecond: elapsedMs > 0 ? Math.round((stats.accepted * 1000) / elapsedMs) : 0,
      elapsedMs,
    };
  };
  // Spend first: it depends only on the traffic's options, and imported before the events the dashboard shows
  // real costs (CPL falling as leads arrive) from the first minute instead of ₽0.00 until the end.
  const spend = options.manageKey
    ? await importSpend(options.url, options.manageKey, generateSpend(traffic))
    : { rows: 0, imported: 0, error: "no read key given: spend not imported" };
  const ticker = setInterval(() => options.onProgress?.(progress()), options.progressIntervalMs ?? 500);
  try {
    for (const event of generateTraffic(traffic)) {
      cf.track(event);
      if (cf.stats().queued >= QUEUE_HIGH) await cf.whenQueueBelow(QUEUE_LOW);
    }
    await cf.shutdown(10 * 60_000);
  } finally {
    clearInterval(ticker);
  }
  options.onProgress?.(progress());
  const stats = cf.stats();
  const durationMs = Date.now() - started;
  return {
    events: { generated: stats.tracked, accepted: stats.accepted, rejected: stats.rejected, dropped: stats.dropped },
    rejectionSamples,
    spend,
    durationMs,
    eventsPerSecond: durationMs > 0 ? Math.round((stats.accepted * 1000) / durationMs) : 0,
  };
}

const ApiErrorBody = z.object({ error: z.object({ message: z.string() }) });

/** POST /api/v1/spend in chunks; stops at the first failure and says why. */
export async function importSpend(url: string, manageKey: string, rows: SpendRow[]): Promise<SimulateResult["spend"]> {
  let imported = 0;
  for (let offset = 0; offset < rows.length; offset += SPEND_CHUNK_ROWS) {
    const chunk = rows.slice(offset, offset + SPEND_CHUNK_ROWS);
    let res: Response;
    try {
      res = await fetch(new URL("/api/v1/spend", url), {
        method: "POST",
        headers: { authorization: `Bearer ${manageKey}`, "content-type": "application/json" },
        body: JSON.stringify({ rows: chunk }),
      });
    } catch (error) {
      return { rows: rows.length, imported, error: `spend import failed: ${(error as Error).message}` };
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const parsed = ApiErrorBody.safeParse(body);
      return { rows: rows.length, imported, error: `spend import answered ${res.status}: ${parsed.success ? parsed.data.error.message : "no error body"}` };
    }
    const parsed = SpendImportResponseSchema.safeParse(body);
    imported += parsed.success ? parsed.data.imported : chunk.length;
  }
  return { rows: rows.length, imported };
}
