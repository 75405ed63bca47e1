import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import {
  PATH_NODE_KINDS,
  PathNodeKindSchema,
  type Channel,
  type PathLink,
  type PathNode,
  type PathNodeKind,
  type PathNodeUsersResponse,
  type PathsResponse,
} from "@chatfunnel/schemas";
import { runQuery, RANGE_HEAD, eventScope, sessionGapHead, type ResolvedFilters } from "@chatfunnel/warehouse";
import { rangeEcho } from "./range-echo.js";
import { byteOrder } from "./surveys/text-order.js";

export interface PathsDefinition {
  start: string;
  depth: number;
}

/**
 * A step as one string: its kind's letter, then its label. One String per event is the cheapest form to
 * carry (a Tuple(kind, label) per event goes through the generic, per-value groupArray), and equal steps are
 * equal strings.
 */
const KIND_LETTER: Record<PathNodeKind, string> = { button: "b", node: "n", type: "t" };
const KIND_OF_LETTER = new Map(Object.entries(KIND_LETTER).map(([kind, letter]) => [letter, kind as PathNodeKind]));
const stepText = (kind: PathNodeKind, label: string): string => KIND_LETTER[kind] + label;

/**
 * Each user's collapsed path (PATHS_SEMANTICS), one row per user with a `start` in range: `(channel, user_id,
 * steps)`, steps an uncut Array(String) of step texts (stepText). Built in one pass per user, never a join per
 * step: the user's events in [from, to) sorted by (time, id as text); the path is the first `start` and what
 * follows it in its session: the same sessionId, or for a loose start the loose events up to the first gap of the
 * project's session timeout. Each event field is gathered into its own array (numeric ones take groupArray's
 * fast path; measured on 10M events, one array of tuples cost twice as much) and the arrays are zipped back
 * into tuples after the GROUP BY: every aggregate of a group sees its rows in the same order, so they stay
 * aligned. The tuples sort as a whole, without a lambda: (time, id) is unique per user after FINAL, so the
 * remaining elements never decide; the start is a flag there, not the type's text; the id is toUInt128, which
 * orders as its text does (the UUID type itself compares its halves the other way round). Users without a start
 * in range are dropped by the HAVING rather than by an IN over the start events (a second scan, costlier
 * than the arrays it saves when most users start in range). Events before `from` cannot follow a start in
 * range, so they are not read. Repeats collapse with arrayCompact (consecutive equal step texts). Shifted
 * arrays (arrayPushFront / arrayPopBack) pair each time with its predecessor for the gap: a lambda indexing a
 * captured array would copy it per element.
 */
function userPathsSql(db: string, scope: string): string {
  const stepOf = `multiIf(
      type = 'button_clicked' AND properties['button'] != '', concat('${KIND_LETTER.button}', properties['button']),
      properties['node'] != '', concat('${KIND_LETTER.node}', properties['node']),
      concat('${KIND_LETTER.type}', toString(type)))`;
  return `
  SELECT channel, user_id, arrayPushFront(arrayMap(e -> e.5, session), concat('${KIND_LETTER.type}', {start:String})) AS uncollapsed,
    arrayCompact(uncollapsed) AS steps
  FROM (
    SELECT channel, user_id, evs,
      arrayFirstIndex(e -> e.3, evs) AS i,
      evs[i].1 AS start_ms,
      evs[i].4 AS sid,
      arrayFilter(e -> e.4 = sid, arraySlice(evs, i + 1)) AS after,
      arrayMap(e -> e.1, after) AS times,
      arrayFirstIndex((t, p) -> t - p >= session_gap_ms, times, arrayPopBack(arrayPushFront(times, start_ms))) AS gap_at,
      if(sid = '' AND gap_at > 0, arraySlice(after, 1, gap_at - 1), after) AS session
    FROM (
      SELECT channel, user_id, arraySort(arrayZip(ev_ms, ev_id, ev_start, ev_session, ev_step)) AS evs
      FROM (
        SELECT channel, user_id,
          groupArray(toUnixTimestamp64Milli(ts)) AS ev_ms,
          groupArray(toUInt128(event_id)) AS ev_id,
          groupArray(type = {start:String}) AS ev_start,
          groupArray(session_id) AS ev_session,
          groupArray(${stepOf}) AS ev_step
        FROM ${db}.events FINAL
        WHERE ${scope} AND ts >= range_from AND ts < range_to
        GROUP BY channel, user_id
        HAVING countIf(type = {start:String}) > 0
      )
    )
  )`;
}

const head = (db: string) => `WITH ${RANGE_HEAD}, ${sessionGapHead(db)}`;

const num = z.coerce.number();
/** A step text (stepText) back to (kind, label). */
const StepSchema = z.string().transform((text, ctx) => {
  const kind = KIND_OF_LETTER.get(text.slice(0, 1));
  if (kind === undefined) {
    ctx.addIssue({ code: "custom", message: `not a step text: ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return [kind, text.slice(1)] as const;
});
// A comparison comes back as UInt8 (0 / 1), or as Bool where the engine types it so.
const flag = z.union([z.boolean(), z.number()]).transform((value) => Boolean(value));
const PathRowSchema = z.object({ path: z.array(StepSchema), ended: flag, users: num });
const UserRowSchema = z.object({ channel: z.string(), user_id: z.string(), ended: flag, total: num });
const CountRowSchema = z.object({ total: num });

const KIND_ORDER = [...PATH_NODE_KINDS].sort();
const kindOrder = (kind: PathNodeKind): number => KIND_ORDER.indexOf(kind);

/** The Sankey from `start`: distinct cut paths with their users come from the engine, nodes and links from them. */
export async function paths(storage: Storage, filters: ResolvedFilters, definition: PathsDefinition): Promise<PathsResponse> {
  const db = storage.database;
  const scope = eventScope(filters, db);
  const sql = `${head(db)}
SELECT arraySlice(steps, 1, {depth:UInt8}) AS path, length(steps) <= {depth:UInt8} AS ended, count() AS users
FROM (${userPathsSql(db, scope.sql)})
GROUP BY path, ended`;
  const rows = await runQuery(storage, sql, { ...scope.params, start: definition.start, depth: definition.depth }, PathRowSchema);

  const nodeKey = (step: number, [kind, label]: z.infer<typeof StepSchema>) => JSON.stringify([step, kind, label]);
  const nodes = new Map<string, PathNode>();
  const links = new Map<string, { from: string; to: string; users: number }>();
  for (const row of rows) {
    row.path.forEach((s, index) => {
      const key = nodeKey(index + 1, s);
      const node = nodes.get(key) ?? { step: index + 1, kind: s[0], label: s[1], users: 0, endedUsers: 0 };
      node.users += row.users;
      if (row.ended && index === row.path.length - 1) node.endedUsers += row.users;
      nodes.set(key, node);
      if (index > 0) {
        const from = nodeKey(index, row.path[index - 1]!);
        const linkKey = JSON.stringify([from, key]);
        const link = links.get(linkKey) ?? { from, to: key, users: 0 };
        link.users += row.users;
        links.set(linkKey, link);
      }
    });
  }
  const ordered = [...nodes].sort(([, a], [, b]) => a.step - b.step || b.users - a.users || kindOrder(a.kind) - kindOrder(b.kind) || byteOrder(a.label, b.label));
  const indexOf = new Map(ordered.map(([key], index) => [key, index]));
  const linkList: PathLink[] = [...links.values()]
    .map((link) => ({ from: indexOf.get(link.from)!, to: indexOf.get(link.to)!, users: link.users }))
    .sort((a, b) => a.from - b.from || a.to - b.to);
  return {
    range: rangeEcho(filters),
    start: definition.start,
    depth: definition.depth,
    users: rows.reduce((sum, row) => sum + row.users, 0),
    nodes: ordered.map(([, node]) => node),
    links: linkList,
  };
}

export interface PathNodeRef {
  step: number;
  kind: PathNodeKind;
  label: string;
}

/** One page of the users whose path (cut at depth, so step ≤ depth) has `node`, ordered by (channel, userId) as bytes. */
export async function pathNodeUsers(
  storage: Storage,
  filters: ResolvedFilters,
  definition: PathsDefinition,
  node: PathNodeRef,
  page: { limit: number; offset: number },
): Promise<PathNodeUsersResponse> {
  const db = storage.database;
  const scope = eventScope(filters, db);
  const params = { ...scope.params, start: definition.start, step: node.step, stepText: stepText(node.kind, node.label), limit: page.limit, offset: page.offset };
  const at = `FROM (${userPathsSql(db, scope.sql)}) WHERE length(steps) >= {step:UInt8} AND steps[{step:UInt8}] = {stepText:String}`;
  const rows = await runQuery(
    storage,
    `${head(db)}
SELECT channel, user_id, length(steps) = {step:UInt8} AS ended, count() OVER () AS total ${at}
ORDER BY channel, user_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    params,
    UserRowSchema,
  );
  // A page past the end has no rows to carry the total: count separately then.
  const total = rows[0]?.total ?? (page.offset === 0 ? 0 : ((await runQuery(storage, `${head(db)} SELECT count() AS total ${at}`, params, CountRowSchema))[0]?.total ?? 0));
  return {
    step: node.step,
    kind: node.kind,
    label: node.label,
    total,
    limit: page.limit,
    offset: page.offset,
    users: rows.map((row) => ({ channel: row.channel as Channel, userId: row.user_id, ended: row.ended })),
  };
}
