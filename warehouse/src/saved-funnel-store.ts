import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { toClickHouseTime } from "@chatfunnel/core";
import { ALERT_TABLES, nextRowVersionMs } from "./alert-schema.js";
import { runQuery } from "./run-query.js";
import { isoUtc } from "./stored-events.js";

/**
 * Every read and write of the saved funnels (migration 16). The definition is stored as the JSON text of its
 * validated wire form; the API parses it (schemas/src/api/saved-funnels.ts) and answers it.
 */
export interface SavedFunnelRecord {
  projectId: string;
  id: string;
  name: string;
  /** The definition's JSON text. */
  definition: string;
  createdAt: string;
  updatedAt: string;
}

const RowSchema = z.object({ project_id: z.string(), id: z.string(), name: z.string(), definition: z.string(), created_at: z.string(), updated_at: z.string() });
const toRecord = (row: z.infer<typeof RowSchema>): SavedFunnelRecord => ({
  projectId: row.project_id,
  id: row.id,
  name: row.name,
  definition: row.definition,
  createdAt: isoUtc(row.created_at),
  updatedAt: isoUtc(row.updated_at),
});

/** The project's saved funnels, oldest first. */
export async function projectSavedFunnels(storage: Storage, projectId: string): Promise<SavedFunnelRecord[]> {
  const rows = await runQuery(
    storage,
    `SELECT project_id, id, name, definition, created_at, updated_at FROM ${storage.database}.${ALERT_TABLES.savedFunnels} FINAL
     WHERE project_id = {projectId:String} AND deleted = 0 ORDER BY created_at, id`,
    { projectId },
    RowSchema,
  );
  return rows.map(toRecord);
}

export async function findSavedFunnel(storage: Storage, projectId: string, id: string): Promise<SavedFunnelRecord | undefined> {
  const rows = await runQuery(
    storage,
    `SELECT project_id, id, name, definition, created_at, updated_at FROM ${storage.database}.${ALERT_TABLES.savedFunnels} FINAL
     WHERE project_id = {projectId:String} AND id = {id:String} AND deleted = 0`,
    { projectId, id },
    RowSchema,
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}

function row(record: SavedFunnelRecord, deleted: 0 | 1) {
  return {
    project_id: record.projectId,
    id: record.id,
    name: record.name,
    definition: record.definition,
    created_at: toClickHouseTime(record.createdAt),
    updated_at: toClickHouseTime(record.updatedAt),
    deleted,
    version: toClickHouseTime(nextRowVersionMs()),
  };
}

/** Creates or replaces (same project and id) a saved funnel. */
export async function writeSavedFunnel(storage: Storage, record: SavedFunnelRecord): Promise<void> {
  await storage.insertRows(ALERT_TABLES.savedFunnels, [row(record, 0)]);
}

/** Writes the funnel again as deleted; false when the project has no such funnel. */
export async function deleteSavedFunnel(storage: Storage, projectId: string, id: string): Promise<boolean> {
  const record = await findSavedFunnel(storage, projectId, id);
  if (!record) return false;
  await storage.insertRows(ALERT_TABLES.savedFunnels, [row(record, 1)]);
  return true;
}
