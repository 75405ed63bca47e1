import type { FunnelDropoffUser } from "@chatfunnel/schemas";
import { csvLine } from "../../http/csv.js";

/** The users who reached a step and went no further, one CSV line each (quoting: api/src/http/csv.ts). */
export function dropoffCsv(users: FunnelDropoffUser[]): string {
  return csvLine(["channel", "userId", "reachedAt"]) + users.map((user) => csvLine([user.channel, user.userId, user.reachedAt])).join("");
}
