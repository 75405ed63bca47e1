/** Conversation paths in plain TypeScript over an in-memory event list, from the semantics in schemas/src/api/paths.ts. */
import { PATH_NODE_KINDS, type PathLink, type PathNode, type PathNodeKind, type PathsResponse } from "@chatfunnel/schemas";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { inRange, scoped, userKey, type RefEvent } from "./events.js";
import { sessionsOf } from "./sessions.js";
import { byTimeThenId, byteOrder, iso } from "./figures.js";

export interface PathStep {
  kind: PathNodeKind;
  label: string;
}

const byTime = byTimeThenId;

/** A later step's label: the button of a button_clicked, else the script node, else the type ("" is absent). */
export function stepOf(event: RefEvent): PathStep {
  if (event.type === "button_clicked" && event.properties.button) return { kind: "button", label: event.properties.button };
  if (event.properties.node) return { kind: "node", label: event.properties.node };
  return { kind: "type", label: event.type };
}

/** Each user's collapsed path (uncut), keyed by user. */
export function refUserPaths(events: RefEvent[], filters: ResolvedFilters, start: string): Map<string, PathStep[]> {
  // The user's earliest start in range wins, whichever session it is in; the path is the rest of that session.
  const chosen = new Map<string, { at: RefEvent; after: RefEvent[] }>();
  for (const session of sessionsOf(scoped(events, filters), filters.toMs)) {
    const sorted = [...session.events].sort(byTime);
    const index = sorted.findIndex((e) => e.type === start && inRange(e.ts, filters));
    if (index < 0) continue;
    const known = chosen.get(session.user);
    if (!known || byTime(sorted[index]!, known.at) < 0) chosen.set(session.user, { at: sorted[index]!, after: sorted.slice(index + 1) });
  }
  const paths = new Map<string, PathStep[]>();
  for (const [user, { after }] of chosen) {
    const steps: PathStep[] = [{ kind: "type", label: start }];
    for (const event of after) {
      const step = stepOf(event);
      const last = steps[steps.length - 1]!;
      if (last.kind !== step.kind || last.label !== step.label) steps.push(step);
    }
    paths.set(user, steps);
  }
  return paths;
}

const kindOrder = (kind: PathNodeKind): number => [...PATH_NODE_KINDS].sort().indexOf(kind);

export function refPaths(events: RefEvent[], filters: ResolvedFilters, start: string, depth: number): PathsResponse {
  const paths = [...refUserPaths(events, filters, start).values()].map((steps) => ({ steps: steps.slice(0, depth), cut: steps.length > depth }));
  const nodeKey = (step: number, s: PathStep) => JSON.stringify([step, s.kind, s.label]);
  const nodes = new Map<string, PathNode>();
  const links = new Map<string, { from: string; to: string; users: number }>();
  for (const { steps, cut } of paths) {
    steps.forEach((s, i) => {
      const key = nodeKey(i + 1, s);
      const node = nodes.get(key) ?? { step: i + 1, kind: s.kind, label: s.label, users: 0, endedUsers: 0 };
      node.users++;
      if (i === steps.length - 1 && !cut) node.endedUsers++;
      nodes.set(key, node);
      if (i > 0) {
        const from = nodeKey(i, steps[i - 1]!);
        const link = links.get(JSON.stringify([from, key])) ?? { from, to: key, users: 0 };
        link.users++;
        links.set(JSON.stringify([from, key]), link);
      }
    });
  }
  const ordered = [...nodes].sort(
    ([, a], [, b]) => a.step - b.step || b.users - a.users || kindOrder(a.kind) - kindOrder(b.kind) || byteOrder(a.label, b.label),
  );
  const indexOf = new Map(ordered.map(([key], index) => [key, index]));
  const linkList: PathLink[] = [...links.values()]
    .map((link) => ({ from: indexOf.get(link.from)!, to: indexOf.get(link.to)!, users: link.users }))
    .sort((a, b) => a.from - b.from || a.to - b.to);
  return {
    range: { from: iso(filters.fromMs), to: iso(filters.toMs), tz: filters.tz },
    start,
    depth,
    users: paths.length,
    nodes: ordered.map(([, node]) => node),
    links: linkList,
  };
}

/**
 * The users behind one node (the Sankey's click-through list, like the funnel's drop-off list): users whose cut
 * path has `kind`/`label` at `step`, with whether their path ends there; ordered by channel, then userId (bytes).
 */
export function refPathNodeUsers(
  events: RefEvent[],
  filters: ResolvedFilters,
  start: string,
  depth: number,
  node: { step: number; kind: PathNodeKind; label: string },
): { channel: string; userId: string; ended: boolean }[] {
  const scopedEvents = scoped(events, filters);
  const names = new Map(scopedEvents.map((e) => [userKey(e), { channel: e.channel, userId: e.userId }]));
  const users: { channel: string; userId: string; ended: boolean }[] = [];
  for (const [user, steps] of refUserPaths(events, filters, start)) {
    const at = steps[node.step - 1];
    if (node.step > depth || !at || at.kind !== node.kind || at.label !== node.label) continue;
    users.push({ ...names.get(user)!, ended: steps.length === node.step });
  }
  return users.sort((a, b) => byteOrder(a.channel, b.channel) || byteOrder(a.userId, b.userId));
}
