import type { RetentionUser } from "@chatfunnel/schemas";
import { csvField } from "../funnel/csv.js";

/** The users of a retention cell as CSV, quoted like funnel/dropoff's (csvField). */
export function retentionUsersCsv(users: RetentionUser[]): string {
  const lines = [["channel", "userId", "cohortAt", "returnedAt"].join(",")];
  for (const user of users) lines.push([user.channel, user.userId, user.cohortAt, user.returnedAt].map(csvField).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
