import { z } from "zod";
import { toClickHouseTime, type Storage } from "@chatfunnel/core";
import type { EventRow } from "./event-rows.js";
import { PEOPLE_TABLES, PERSON_TABLES } from "./rollup-schema.js";
import { runQuery } from "./run-query.js";
import { flushOutbox } from "./webhook-store.js";

/**
 * People deletion (152-FZ, GDPR): a person is (channel, userId) in a project. Their rows go from the
 * events and from every rollup (PERSON_TABLES), an audit row records it, and a tombstone keeps a resend of
 * an event sent before the deletion from storing them again (PeopleTombstones, consulted by the writer).
 */
export interface PersonKey {
  projectId: string;
  channel: string;
  userId: string;
}

export type PersonTable = (typeof PERSON_TABLES)[number];
export type DeletedRows = Record<PersonTable, number>;

/**
 * Lightweight deletes (`DELETE FROM`) mark rows with a mask instead of rewriting parts: on the 10M-event
 * bench set one person's deletion from all six tables takes well under the 5 s target (bench/people.bench.ts),
 * where `ALTER TABLE … DELETE` rewrites every part holding the person. Synchronous: the statement returns
 * once the rows are gone from every read (2 also waits for replicas on a replicated server).
 */
const DELETE_SETTINGS = { lightweight_deletes_sync: "2" } as const;

const CountRowSchema = z.object({ table: z.coerce.number().int().min(0).max(PERSON_TABLES.length - 1), rows: z.coerce.number() });

const personWhere = "project_id = {projectId:String} AND channel = {channel:String} AND user_id = {userId:String}";

/** How many rows of the person each table holds (physical rows: a resend not merged yet counts). */
export async function personRowCounts(storage: Storage, person: PersonKey): Promise<DeletedRows> {
  const db = storage.database;
  // Each count names its table by its position in PERSON_TABLES (an allow-listed identifier, never a value in the SQL).
  const sql = PERSON_TABLES.map((table, index) => `SELECT ${index} AS table, count() AS rows FROM ${db}.${table} WHERE ${personWhere}`).join(" UNION ALL ");
  const rows = await runQuery(storage, sql, { ...person }, CountRowSchema);
  const counts = Object.fromEntries(PERSON_TABLES.map((table) => [table, 0])) as DeletedRows;
  for (const row of rows) counts[PERSON_TABLES[row.table]!] = row.rows;
  return counts;
}

const total = (counts: DeletedRows): number => Object.values(counts).reduce((sum, n) => sum + n, 0);

/** Rows an insert that was already past the writer's tombstone check can still land: a few passes catch them. */
const MAX_DELETE_PASSES = 3;

/**
 * Deletes every row of the person and records it; undefined (nothing written, no tombstone) when no table
 * holds a row of theirs. The tombstone goes first, so the writer refuses their earlier events from then on;
 * an insert already past that check when the deletion began is caught by the next pass.
 */
export async function deletePerson(storage: Storage, person: PersonKey, actor: string, nowMs = Date.now()): Promise<DeletedRows | undefined> {
  // The outbox's Buffer takes no DELETE: its rows of the person go into the outbox first, where the deletion finds them.
  await flushOutbox(storage);
  let counts = await personRowCounts(storage, person);
  if (total(counts) === 0) return undefined;
  const deletedAt = toClickHouseTime(nowMs);
  await storage.insertRows(PEOPLE_TABLES.tombstones, [{ project_id: person.projectId, channel: person.channel, user_id: person.userId, deleted_at: deletedAt }]);
  tombstonesFor(storage).remember(person, nowMs);
  const deleted = Object.fromEntries(PERSON_TABLES.map((table) => [table, 0])) as DeletedRows;
  for (let pass = 0; pass < MAX_DELETE_PASSES && total(counts) > 0; pass++) {
    for (const table of PERSON_TABLES) {
      if (counts[table] === 0) continue;
      await storage.client.command({
        query: `DELETE FROM ${storage.database}.${table} WHERE ${personWhere}`,
        query_params: { ...person },
        clickhouse_settings: { ...storage.querySettings, ...DELETE_SETTINGS },
      });
      deleted[table] += counts[table];
    }
    counts = await personRowCounts(storage, person);
  }
  await storage.insertRows(PEOPLE_TABLES.deletions, [
    { project_id: person.projectId, deleted_at: deletedAt, actor, channel: person.channel, user_id: person.userId, deleted_rows: deleted },
  ]);
  return deleted;
}

const DeletionRowSchema = z.object({
  deleted_at: z.string(),
  actor: z.string(),
  channel: z.string(),
  user_id: z.string(),
  deleted_rows: z.record(z.string(), z.coerce.number()),
});

export interface PersonDeletion {
  deletedAt: string;
  actor: string;
  channel: string;
  userId: string;
  deletedRows: Record<string, number>;
}

/** The project's audit log of deletions, newest first. */
export async function personDeletions(storage: Storage, projectId: string, limit: number): Promise<PersonDeletion[]> {
  const rows = await runQuery(
    storage,
    `SELECT deleted_at, actor, channel, user_id, deleted_rows FROM ${storage.database}.${PEOPLE_TABLES.deletions}
     WHERE project_id = {projectId:String} ORDER BY deleted_at DESC, channel, user_id LIMIT {limit:UInt32}`,
    { projectId, limit },
    DeletionRowSchema,
  );
  return rows.map((row) => ({
    deletedAt: new Date(row.deleted_at.endsWith("Z") ? row.deleted_at : `${row.deleted_at.replace(" ", "T")}Z`).toISOString(),
    actor: row.actor,
    channel: row.channel,
    userId: row.user_id,
    deletedRows: row.deleted_rows,
  }));
}

/** How often a writer re-reads the tombstones: a deletion made by another process (the API) applies within this. */
export const TOMBSTONES_REFRESH_MS = 2000;

const TombstoneRowSchema = z.object({ project_id: z.string(), channel: z.string(), user_id: z.string(), deleted_ms: z.coerce.number() });

const tombstoneKey = (projectId: string, channel: string, userId: string) => `${projectId}\u0000${channel}\u0000${userId}`;

/** EventRow.ts is ClickHouse text in UTC (`2026-05-01 07:00:00.000`). */
const rowTimeMs = (ts: string): number => Date.parse(`${ts.replace(" ", "T")}Z`);

/**
 * Deleted people by (project, channel, user) with their deletion instant, for the events writer: an event
 * of a deleted person timestamped at or before the deletion is an event sent before it (an SDK retry, a
 * late batch, a Kafka redelivery) and is dropped; a later one is the person writing to the bot again and
 * is stored. Re-read at most every TOMBSTONES_REFRESH_MS while rows are written; the process that deletes
 * puts the tombstone here at once. A failed read fails the insert (retried as the dependency's), so a
 * deleted person is never stored because the table could not be read.
 */
export class PeopleTombstones {
  private deletedAt = new Map<string, number>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly refreshMs = TOMBSTONES_REFRESH_MS,
  ) {}

  remember(person: PersonKey, deletedAtMs: number): void {
    const key = tombstoneKey(person.projectId, person.channel, person.userId);
    this.deletedAt.set(key, Math.max(this.deletedAt.get(key) ?? Number.NEGATIVE_INFINITY, deletedAtMs));
  }

  /** The rows to store: those of deleted people dated at or before their deletion are left out. */
  async dropDeleted<R extends Pick<EventRow, "project_id" | "channel" | "user_id" | "ts">>(rows: R[]): Promise<R[]> {
    if (Date.now() - this.loadedAt >= this.refreshMs) await this.refresh();
    if (this.deletedAt.size === 0) return rows;
    return rows.filter((row) => {
      const deletedAtMs = this.deletedAt.get(tombstoneKey(row.project_id, row.channel, row.user_id));
      return deletedAtMs === undefined || rowTimeMs(row.ts) > deletedAtMs;
    });
  }

  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const rows = await runQuery(
      this.storage,
      `SELECT project_id, channel, user_id, toUnixTimestamp64Milli(max(deleted_at)) AS deleted_ms
       FROM ${this.storage.database}.${PEOPLE_TABLES.tombstones} GROUP BY project_id, channel, user_id`,
      {},
      TombstoneRowSchema,
    );
    const read = new Map(rows.map((row) => [tombstoneKey(row.project_id, row.channel, row.user_id), row.deleted_ms]));
    // A deletion remembered while this read ran is kept: the read may have started before its row was written.
    for (const [key, ms] of this.deletedAt) if ((read.get(key) ?? Number.NEGATIVE_INFINITY) < ms) read.set(key, ms);
    this.deletedAt = read;
    this.loadedAt = Date.now();
  }
}

const tombstones = new WeakMap<Storage, PeopleTombstones>();

/**
 * The one tombstone cache of a storage handle: the events writer drops with it and, in the embedded
 * process, the deletion puts its tombstone into the same one, so it applies at once.
 */
export function tombstonesFor(storage: Storage): PeopleTombstones {
  let cache = tombstones.get(storage);
  if (!cache) {
    cache = new PeopleTombstones(storage);
    tombstones.set(storage, cache);
  }
  return cache;
}
