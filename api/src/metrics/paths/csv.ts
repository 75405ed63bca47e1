import type { PathNodeUser } from "@chatfunnel/schemas";
import { csvField } from "../funnel/csv.js";

/** The users of one Sankey node as CSV, quoted like the funnel's drop-off list. */
export function pathNodeUsersCsv(users: PathNodeUser[]): string {
  const lines = [["channel", "userId", "ended"].join(",")];
  for (const user of users) lines.push([user.channel, user.userId, String(user.ended)].map(csvField).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
