import type { PathNodeUser } from "@chatfunnel/schemas";
import { csvLine } from "../../http/csv.js";

/** The users of one Sankey node, one CSV line each (quoting: api/src/http/csv.ts). */
export function pathNodeUsersCsv(users: PathNodeUser[]): string {
  return csvLine(["channel", "userId", "ended"]) + users.map((user) => csvLine([user.channel, user.userId, user.ended])).join("");
}
