import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { isValidTimeZone } from "@chatfunnel/schemas";
import { runQuery } from "@chatfunnel/warehouse";

const RowSchema = z.object({ timezone: z.string() });

/** The project's time zone, the default of `tz`; UTC when unset or not a zone this runtime knows. */
export async function projectTimeZone(storage: Storage, projectId: string): Promise<string> {
  const rows = await runQuery(
    storage,
    `SELECT timezone FROM ${storage.database}.projects FINAL WHERE project_id = {projectId:String} LIMIT 1`,
    { projectId },
    RowSchema,
  );
  const tz = rows[0]?.timezone ?? "";
  return tz !== "" && isValidTimeZone(tz) ? tz : "UTC";
}
