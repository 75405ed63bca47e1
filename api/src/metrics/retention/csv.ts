import type { RetentionUser } from "@chatfunnel/schemas";
import { csvLine } from "../../http/csv.js";

/** The users of a retention cell, one CSV line each (quoting: api/src/http/csv.ts). */
export function retentionUsersCsv(users: RetentionUser[]): string {
  return csvLine(["channel", "userId", "cohortAt", "returnedAt"]) + users.map((user) => csvLine([user.channel, user.userId, user.cohortAt, user.returnedAt])).join("");
}
