import type { FunnelDropoffUser } from "@chatfunnel/schemas";

/**
 * RFC 4180: fields with a comma, quote, CR or LF are quoted and quotes doubled. A value a spreadsheet would
 * run as a formula (leading =, +, @, tab, CR, or - not followed by a digit) gets a leading ' so it shows as
 * text; negative numeric ids such as VK chats (-123) stay as they are.
 */
export function csvField(value: string): string {
  const safe = /^([=+@\t\r]|-(?![0-9]))/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function dropoffCsv(users: FunnelDropoffUser[]): string {
  const lines = [["channel", "userId", "reachedAt"].join(",")];
  for (const user of users) lines.push([user.channel, user.userId, user.reachedAt].map(csvField).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
