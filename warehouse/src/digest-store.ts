import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { toClickHouseTime } from "@chatfunnel/core";
import {
  DeliverTargetSchema,
  DigestFiltersSchema,
  DigestScheduleSchema,
  DigestSendStateSchema,
  DigestTriggerSchema,
  type DeliverTarget,
  type DigestFilters,
  type DigestSchedule,
  type DigestSendState,
  type DigestTrigger,
} from "@chatfunnel/schemas";
import { DIGEST_TABLES } from "./digest-schema.js";
import { isoUtc } from "./stored-events.js";

/**
 * Every read and write of the digest tables (migration 18). The digest routes and the scheduler
 * (api/src/digests) speak to storage only through here.
 */

/** A digest with what sending needs; the bot token never leaves the server. */
export interface DigestRecord {
  projectId: string;
  id: string;
  name: string;
  schedule: DigestSchedule;
  deliver: DeliverTarget;
  filters: DigestFilters;
  createdAt: string;
}

/** One row of the send log. Periods are local dates in the project's zone at the time of the send. */
export interface DigestSendRecord {
  projectId: string;
  digestId: string;
  trigger: DigestTrigger;
  periodFrom: string;
  periodTo: string;
  state: DigestSendState;
  at: string;
  error: string | null;
  /** The calls made, as JSON text (DigestDeliveryAttempt[]); empty for a claim. */
  deliveries: string;
}

const DigestDbRowSchema = z.object({
  project_id: z.string(),
  id: z.string(),
  name: z.string(),
  schedule: z.string(),
  deliver: z.string(),
  filters: z.string(),
  created_at: z.string(),
});

/** A row whose stored JSON no longer parses (a schema change) is left out rather than failing every list. */
function toRecord(row: z.infer<typeof DigestDbRowSchema>): DigestRecord | undefined {
  const schedule = DigestScheduleSchema.safeParse(row.schedule);
  const deliver = DeliverTargetSchema.safeParse(parseJson(row.deliver));
  const filters = DigestFiltersSchema.safeParse(parseJson(row.filters));
  if (!schedule.success || !deliver.success || !filters.success) return undefined;
  return { projectId: row.project_id, id: row.id, name: row.name, schedule: schedule.data, deliver: deliver.data, filters: filters.data, createdAt: isoUtc(row.created_at) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function select<S extends z.ZodType>(storage: Storage, query: string, params: Record<string, unknown>, schema: S): Promise<z.infer<S>[]> {
  const result = await storage.client.query({ query, query_params: params, format: "JSONEachRow", clickhouse_settings: storage.querySettings });
  return (await result.json<unknown>()).map((row) => schema.parse(row));
}

const DIGEST_COLUMNS = "project_id, id, name, schedule, deliver, filters, created_at";

/** Versions of one digest must grow even within a millisecond (create then delete in a test). */
let lastVersionMs = 0;
function nextVersion(): string {
  lastVersionMs = Math.max(Date.now(), lastVersionMs + 1);
  return toClickHouseTime(lastVersionMs);
}

const present = (records: Array<DigestRecord | undefined>): DigestRecord[] => records.filter((record): record is DigestRecord => record !== undefined);

/** The project's digests that are not deleted, oldest first. */
export async function projectDigests(storage: Storage, projectId: string): Promise<DigestRecord[]> {
  const rows = await select(
    storage,
    `SELECT ${DIGEST_COLUMNS} FROM ${storage.database}.${DIGEST_TABLES.digests} FINAL WHERE project_id = {projectId:String} AND deleted = 0 ORDER BY created_at, id`,
    { projectId },
    DigestDbRowSchema,
  );
  return present(rows.map(toRecord));
}

export async function findDigest(storage: Storage, projectId: string, id: string): Promise<DigestRecord | undefined> {
  return (await projectDigests(storage, projectId)).find((digest) => digest.id === id);
}

/** Every digest of every project that is not deleted: what the scheduler sends. */
export async function liveDigests(storage: Storage): Promise<DigestRecord[]> {
  const rows = await select(storage, `SELECT ${DIGEST_COLUMNS} FROM ${storage.database}.${DIGEST_TABLES.digests} FINAL WHERE deleted = 0`, {}, DigestDbRowSchema);
  return present(rows.map(toRecord));
}

function digestRow(digest: DigestRecord, deleted: 0 | 1): Record<string, unknown> {
  return {
    project_id: digest.projectId,
    id: digest.id,
    name: digest.name,
    schedule: digest.schedule,
    deliver: JSON.stringify(digest.deliver),
    filters: JSON.stringify(digest.filters),
    created_at: toClickHouseTime(digest.createdAt),
    deleted,
    version: nextVersion(),
  };
}

export async function insertDigest(storage: Storage, digest: DigestRecord): Promise<void> {
  await storage.insertRows(DIGEST_TABLES.digests, [digestRow(digest, 0)]);
}

/** Writes the digest again as deleted; false when the project has no such digest. */
export async function deleteDigest(storage: Storage, projectId: string, id: string): Promise<boolean> {
  const digest = await findDigest(storage, projectId, id);
  if (!digest) return false;
  await storage.insertRows(DIGEST_TABLES.digests, [digestRow(digest, 1)]);
  return true;
}

export async function recordDigestSend(storage: Storage, send: DigestSendRecord): Promise<void> {
  await storage.insertRows(DIGEST_TABLES.sends, [
    {
      project_id: send.projectId,
      digest_id: send.digestId,
      trigger: send.trigger,
      period_from: send.periodFrom,
      period_to: send.periodTo,
      state: send.state,
      at: toClickHouseTime(send.at),
      error: send.error ?? "",
      deliveries: send.deliveries,
    },
  ]);
}

const SendDbRowSchema = z.object({
  project_id: z.string(),
  digest_id: z.string(),
  trigger: DigestTriggerSchema,
  period_from: z.string(),
  period_to: z.string(),
  state: DigestSendStateSchema,
  at: z.string(),
  error: z.string(),
  deliveries: z.string(),
});

const toSend = (row: z.infer<typeof SendDbRowSchema>): DigestSendRecord => ({
  projectId: row.project_id,
  digestId: row.digest_id,
  trigger: row.trigger,
  periodFrom: row.period_from,
  periodTo: row.period_to,
  state: row.state,
  at: isoUtc(row.at),
  error: row.error === "" ? null : row.error,
  deliveries: row.deliveries,
});

/**
 * The latest row of each of these digests' logs. A claim and its outcome share a period; the outcome is
 * written after the claim, so it is the later row (ties go to the outcome: state sorts claimed first).
 */
export async function lastDigestSends(storage: Storage, projectId: string, digestIds: string[]): Promise<Map<string, DigestSendRecord>> {
  if (digestIds.length === 0) return new Map();
  const rows = await select(
    storage,
    `SELECT project_id, digest_id, trigger, toString(period_from) AS period_from, toString(period_to) AS period_to, state, at, error, deliveries
     FROM ${storage.database}.${DIGEST_TABLES.sends}
     WHERE project_id = {projectId:String} AND digest_id IN {ids:Array(String)}
     ORDER BY at DESC, state DESC
     LIMIT 1 BY digest_id`,
    { projectId, ids: digestIds },
    SendDbRowSchema,
  );
  return new Map(rows.map((row) => [row.digest_id, toSend(row)]));
}

/**
 * The periods the scheduler already took (any scheduled row: claimed, sent or failed), as
 * `<digest id>|<period from>`, among periods starting on or after `sinceDate`.
 */
export async function scheduledDigestPeriods(storage: Storage, sinceDate: string): Promise<Set<string>> {
  const rows = await select(
    storage,
    `SELECT DISTINCT digest_id, toString(period_from) AS period FROM ${storage.database}.${DIGEST_TABLES.sends}
     WHERE trigger = 'schedule' AND period_from >= toDate({since:String})`,
    { since: sinceDate },
    z.object({ digest_id: z.string(), period: z.string() }),
  );
  return new Set(rows.map((row) => `${row.digest_id}|${row.period}`));
}
