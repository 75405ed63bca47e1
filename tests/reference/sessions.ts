import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { userKey, type RefEvent } from "./events.js";

export const SESSION_GAP_MS = 30 * 60 * 1000;

export interface RefSession {
  user: string;
  channel: string;
  start: number;
  events: RefEvent[];
}

/**
 * DESIGN.md: events of one user with the same sessionId form a session; without sessionId a new
 * session starts after ≥ 30 min without events (of that user, among events without sessionId).
 * Only events before `to` exist for an answer about [from, to).
 */
export function sessionsOf(events: RefEvent[], toMs: number): RefSession[] {
  const groups = new Map<string, RefEvent[]>();
  const loose = new Map<string, RefEvent[]>();
  for (const event of events) {
    if (event.ts >= toMs) continue;
    const user = userKey(event);
    if (event.sessionId !== "") {
      const key = `${user}\u0000${event.sessionId}`;
      groups.set(key, [...(groups.get(key) ?? []), event]);
    } else loose.set(user, [...(loose.get(user) ?? []), event]);
  }
  const sessions: RefSession[] = [];
  const make = (list: RefEvent[]): RefSession => ({
    user: userKey(list[0]!),
    channel: list[0]!.channel,
    start: Math.min(...list.map((event) => event.ts)),
    events: list,
  });
  for (const list of groups.values()) sessions.push(make(list));
  for (const list of loose.values()) {
    const sorted = [...list].sort((a, b) => a.ts - b.ts);
    let current: RefEvent[] = [];
    for (const event of sorted) {
      const previous = current[current.length - 1];
      if (previous && event.ts - previous.ts >= SESSION_GAP_MS) {
        sessions.push(make(current));
        current = [];
      }
      current.push(event);
    }
    if (current.length > 0) sessions.push(make(current));
  }
  return sessions;
}

/** Sessions that start in [from, to). */
export function sessionsInRange(events: RefEvent[], filters: ResolvedFilters): RefSession[] {
  return sessionsOf(events, filters.toMs).filter((session) => session.start >= filters.fromMs);
}

export const hasType = (session: RefSession, type: string): boolean => session.events.some((event) => event.type === type);
export const hasRequest = (session: RefSession): boolean => hasType(session, "message_received");
/** Resolved without a human, counted only among sessions with a request so the rate stays in [0, 1]. */
export const isResolved = (session: RefSession): boolean => hasRequest(session) && hasType(session, "resolved") && !hasType(session, "handoff");

/** First message_received → first message_sent at or after it, in ms; undefined when unanswered. */
export function firstResponseMs(session: RefSession): number | undefined {
  const requests = session.events.filter((event) => event.type === "message_received").map((event) => event.ts);
  if (requests.length === 0) return undefined;
  const request = Math.min(...requests);
  const replies = session.events.filter((event) => event.type === "message_sent" && event.ts >= request).map((event) => event.ts);
  return replies.length === 0 ? undefined : Math.min(...replies) - request;
}
