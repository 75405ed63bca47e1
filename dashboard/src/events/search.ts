import { MAX_ID_LENGTH, isEventType } from "@chatfunnel/contract";
import type { ExplorerEvent } from "@chatfunnel/schemas";
import type { EventSearch } from "../api/queries.js";

/** How many types the explorer's URL may pick (the UI's bound; the types and the user id obey the contract's). */
const MAX_TYPES = 20;

/** The explorer's filters of the URL: `type` (repeatable, any of) and `user`. */
export function parseEventSearch(params: URLSearchParams): EventSearch {
  const types = [...new Set(params.getAll("type").map((t) => t.trim()).filter(isEventType))].slice(0, MAX_TYPES).sort();
  const user = (params.get("user") ?? "").trim();
  return { types, userId: user.length <= MAX_ID_LENGTH ? user : "" };
}

export function writeEventSearch(params: URLSearchParams, search: EventSearch): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete("type");
  next.delete("user");
  for (const type of search.types) next.append("type", type);
  if (search.userId) next.set("user", search.userId);
  return next;
}

export { isEventType };

/**
 * The polled head and the loaded pages as one list: each id once, newest first. Each page is already in the
 * API's order (time, then id); the sort is stable, so events of the same millisecond keep that order.
 */
export function mergeNewestFirst(pages: ReadonlyArray<{ events: ExplorerEvent[] }>): ExplorerEvent[] {
  const seen = new Set<string>();
  const out: ExplorerEvent[] = [];
  for (const page of pages) {
    for (const event of page.events) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      out.push(event);
    }
  }
  // The API writes every timestamp with toISOString, so text order is time order.
  return out.sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
}

/** Attribution in one line: the campaign first, then source / medium, the rest as name: value. */
export function attributionText(source: ExplorerEvent["source"]): string {
  if (!source) return "";
  const parts: string[] = [];
  if (source.campaign) parts.push(source.campaign);
  const sourceMedium = [source.source, source.medium].filter(Boolean).join(" / ");
  if (sourceMedium) parts.push(sourceMedium);
  for (const name of ["content", "term", "payload"] as const) if (source[name]) parts.push(`${name}: ${source[name]}`);
  return parts.join(" · ");
}

/** A UUID for the example event: randomUUID exists only in secure contexts (not plain http on a LAN address). */
export function exampleEventId(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const hex = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** The first event a developer can paste into a terminal; the write key stays a placeholder (the dashboard holds only the read key). */
export function curlExample(origin: string, writeKey: string, id: string, timestamp: string): string {
  const event = { id, type: "bot_started", channel: "telegram", botId: "my_bot", userId: "42", timestamp, source: { campaign: "first_test" } };
  return [
    `curl -X POST ${origin}/v1/events \\`,
    `  -H "Authorization: Bearer ${writeKey}" -H 'Content-Type: application/json' \\`,
    `  -d '${JSON.stringify({ events: [event] })}'`,
  ].join("\n");
}

export function sdkExample(origin: string, writeKey: string): string {
  return [
    `import { Chatfunnel } from "@chatfunnel/sdk";`,
    `const cf = new Chatfunnel({ writeKey: "${writeKey}", endpoint: "${origin}" });`,
    `bot.use(cf.telegram.grammy());`,
  ].join("\n");
}
