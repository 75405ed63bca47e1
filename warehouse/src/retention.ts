import { z } from "zod";
import { toClickHouseTime, type Storage } from "@chatfunnel/core";
import { spanningRollupSelects } from "./migrations.js";
import { projectsWithRetention } from "./project-settings.js";
import { PEOPLE_TABLES, ROLLUP_TABLES, SLOT_MS } from "./rollup-schema.js";
import { runQuery } from "./run-query.js";

/**
 * The per-project retention period: events older than `retention_days` go, and with them every rollup row
 * they made. One TTL expression cannot differ per project, so a job deletes (lightweight DELETE, as people
 * deletion does); the embedded process runs it at start and on a timer (server/src/embedded.ts).
 *
 * The cut is the retention instant floored to a 15-minute slot: events before it and slot rollup rows of
 * slots before it are exactly the same events, so both paths of every fact keep agreeing. Rollup rows that
 * span slots (a sessionId's, a user's first touch) can hold dropped and kept events at once: they are
 * rebuilt from the events that remain, noted in retention_rebuild before the events go so a run that stops
 * halfway finishes at the next one.
 */

const DAY_MS = 86_400_000;

/** Slot rollups: each row holds one slot's events, so a row of a slot before the cut holds only dropped events. */
const SLOT_ROLLUPS = [ROLLUP_TABLES.userSlots, ROLLUP_TABLES.userOutcomes, ROLLUP_TABLES.conversationSlots] as const;

const DELETE_SETTINGS = { lightweight_deletes_sync: "2" } as const;

/** The instant before which a project's events go: now − days, floored to a slot. */
export function retentionCutMs(retentionDays: number, nowMs: number): number {
  return Math.floor((nowMs - retentionDays * DAY_MS) / SLOT_MS) * SLOT_MS;
}

export interface RetentionRun {
  projectId: string;
  cutMs: number;
  /** Events deleted (physical rows: an unmerged resend counts). */
  events: number;
}

const CountSchema = z.object({ n: z.coerce.number() });
const TableCountSchema = z.object({ table: z.coerce.number().int(), n: z.coerce.number() });
const KindCountSchema = z.object({ kind: z.string(), n: z.coerce.number() });

async function command(storage: Storage, query: string, params: Record<string, unknown>, settings: Storage["querySettings"] = {}): Promise<void> {
  await storage.client.command({ query, query_params: params, clickhouse_settings: { ...storage.querySettings, ...settings } });
}

/** Applies one project's retention at `cutMs`; nothing is written when nothing is older. */
export async function applyProjectRetention(storage: Storage, projectId: string, cutMs: number): Promise<RetentionRun> {
  const db = storage.database;
  const params = { projectId, cut: toClickHouseTime(cutMs) };
  const old = `project_id = {projectId:String} AND ts < {cut:DateTime64(3, 'UTC')}`;
  const [events] = await runQuery(storage, `SELECT count() AS n FROM ${db}.events WHERE ${old}`, params, CountSchema);
  // Per table, so the statements below run only where there is something to delete: each lightweight DELETE
  // is a synchronous mutation, and chDB runs one statement at a time (every request waits behind it).
  const slotRows = await runQuery(
    storage,
    SLOT_ROLLUPS.map((table, index) => `SELECT ${index} AS table, count() AS n FROM ${db}.${table} WHERE project_id = {projectId:String} AND slot < {cut:DateTime64(3, 'UTC')}`).join(" UNION ALL "),
    params,
    TableCountSchema,
  );
  const slotTables = SLOT_ROLLUPS.filter((_table, index) => slotRows.some((row) => row.table === index && row.n > 0));
  const rebuild = PEOPLE_TABLES.retentionRebuild;
  const pendingKinds = async () =>
    new Map(
      (await runQuery(storage, `SELECT kind, count() AS n FROM ${db}.${rebuild} WHERE project_id = {projectId:String} GROUP BY kind`, params, KindCountSchema)).map((row) => [row.kind, row.n]),
    );
  const deletedEvents = events?.n ?? 0;
  if (deletedEvents === 0 && slotTables.length === 0 && (await pendingKinds()).size === 0) return { projectId, cutMs, events: 0 };

  if (deletedEvents > 0) {
    await command(
      storage,
      `INSERT INTO ${db}.${rebuild} SELECT DISTINCT project_id, 'session', channel, user_id, bot_id, session_id FROM ${db}.events WHERE ${old} AND session_id != ''`,
      params,
    );
    await command(
      storage,
      `INSERT INTO ${db}.${rebuild} SELECT DISTINCT project_id, 'first_touch', channel, user_id, '', '' FROM ${db}.events WHERE ${old} AND source_campaign != ''`,
      params,
    );
    await command(storage, `DELETE FROM ${db}.events WHERE ${old}`, params, DELETE_SETTINGS);
  }
  for (const table of slotTables) {
    await command(storage, `DELETE FROM ${db}.${table} WHERE project_id = {projectId:String} AND slot < {cut:DateTime64(3, 'UTC')}`, params, DELETE_SETTINGS);
  }
  // What this run noted, or an earlier run stopped before rebuilding.
  const pending = await pendingKinds();
  const sessions = `(channel, user_id, bot_id, session_id) IN (SELECT channel, user_id, bot_id, session_id FROM ${db}.${rebuild} WHERE project_id = {projectId:String} AND kind = 'session')`;
  const touches = `(channel, user_id) IN (SELECT channel, user_id FROM ${db}.${rebuild} WHERE project_id = {projectId:String} AND kind = 'first_touch')`;
  if ((pending.get("session") ?? 0) > 0) {
    await command(storage, `DELETE FROM ${db}.${ROLLUP_TABLES.idSessions} WHERE project_id = {projectId:String} AND ${sessions}`, params, DELETE_SETTINGS);
    await command(storage, `INSERT INTO ${db}.${ROLLUP_TABLES.idSessions} ${spanningRollupSelects.idSessions(db, `project_id = {projectId:String} AND ${sessions}`)}`, params);
  }
  if ((pending.get("first_touch") ?? 0) > 0) {
    await command(storage, `DELETE FROM ${db}.${ROLLUP_TABLES.userFirstTouch} WHERE project_id = {projectId:String} AND ${touches}`, params, DELETE_SETTINGS);
    await command(storage, `INSERT INTO ${db}.${ROLLUP_TABLES.userFirstTouch} ${spanningRollupSelects.firstTouch(db, `project_id = {projectId:String} AND ${touches}`)}`, params);
  }
  if (pending.size > 0) await command(storage, `DELETE FROM ${db}.${rebuild} WHERE project_id = {projectId:String}`, params, DELETE_SETTINGS);
  return { projectId, cutMs, events: deletedEvents };
}

/** Applies every project's retention period as of `nowMs`. */
export async function applyRetention(storage: Storage, nowMs = Date.now()): Promise<RetentionRun[]> {
  const runs: RetentionRun[] = [];
  for (const project of await projectsWithRetention(storage)) {
    if (project.retentionDays === null) continue;
    runs.push(await applyProjectRetention(storage, project.projectId, retentionCutMs(project.retentionDays, nowMs)));
  }
  return runs;
}

/** How often the embedded process applies retention periods; a run with nothing older costs three counts per project. */
export const RETENTION_INTERVAL_MS = 3_600_000;

export interface RetentionSchedule {
  /** Resolves once no run is in progress, for an ordered shutdown. */
  stop(): Promise<void>;
}

/**
 * Applies retention now and then every `intervalMs`, one run at a time; a failed run (storage refusing
 * writes, a full disk) is reported and retried at the next tick rather than stopping the process.
 */
export function scheduleRetention(
  storage: Storage,
  hooks: { onRun?: (runs: RetentionRun[]) => void; onError?: (error: unknown) => void } = {},
  intervalMs = RETENTION_INTERVAL_MS,
): RetentionSchedule {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = applyRetention(storage)
      .then((runs) => hooks.onRun?.(runs), (error: unknown) => hooks.onError?.(error))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
