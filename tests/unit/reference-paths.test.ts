import { describe, expect, it } from "vitest";
import { PathsResponseSchema } from "@chatfunnel/schemas";
import { refPathNodeUsers, refPaths } from "../reference/paths.js";
import { HOUR, MIN, hev, hfilters, refEvents } from "../reference/hand-events.js";

const props = (properties: Record<string, string>) => ({ properties });
const id = (n: number) => ({ id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}` });

describe("paths reference", () => {
  it("labels steps by button, node or type, collapses consecutive repeats, cuts at depth and counts where users end", () => {
    const events = [
      hev("u1", "bot_started", 0),
      hev("u1", "bot_started", MIN),
      hev("u1", "message_received", 2 * MIN),
      hev("u1", "message_received", 3 * MIN),
      hev("u1", "button_clicked", 4 * MIN, props({ button: "catalog" })),
      hev("u1", "message_sent", 5 * MIN, props({ node: "catalog" })),
      hev("u1", "button_clicked", 6 * MIN, props({ button: "buy", node: "catalog" })),
      hev("u1", "lead", 7 * MIN),
      hev("u2", "bot_started", 0),
      hev("u2", "message_received", MIN),
      hev("u2", "button_clicked", 2 * MIN, props({ button: "", node: "menu" })),
      hev("u3", "bot_started", 0),
      hev("u3", "message_received", MIN),
      hev("u4", "bot_started", 0),
    ];
    const answer = refPaths(refEvents(events), hfilters(0, HOUR), "bot_started", 4);
    expect(PathsResponseSchema.parse(answer)).toEqual(answer);
    expect(answer).toMatchObject({ start: "bot_started", depth: 4, users: 4 });
    expect(answer.nodes).toEqual([
      { step: 1, kind: "type", label: "bot_started", users: 4, endedUsers: 1 },
      { step: 2, kind: "type", label: "message_received", users: 3, endedUsers: 1 },
      { step: 3, kind: "button", label: "catalog", users: 1, endedUsers: 0 },
      { step: 3, kind: "node", label: "menu", users: 1, endedUsers: 1 },
      // u1 goes on past the depth: cut, not ended
      { step: 4, kind: "node", label: "catalog", users: 1, endedUsers: 0 },
    ]);
    expect(answer.links).toEqual([
      { from: 0, to: 1, users: 3 },
      { from: 1, to: 2, users: 1 },
      { from: 1, to: 3, users: 1 },
      { from: 2, to: 4, users: 1 },
    ]);
    // The users behind a node: those whose path has it, whether it ends there; a cut path ends nowhere.
    const behind = (step: number, kind: "type" | "button" | "node", label: string, depth = 4) => refPathNodeUsers(refEvents(events), hfilters(0, HOUR), "bot_started", depth, { step, kind, label });
    expect(behind(2, "type", "message_received")).toEqual([
      { channel: "telegram", userId: "u1", ended: false },
      { channel: "telegram", userId: "u2", ended: false },
      { channel: "telegram", userId: "u3", ended: true },
    ]);
    expect(behind(4, "node", "catalog")).toEqual([{ channel: "telegram", userId: "u1", ended: false }]);
    expect(behind(5, "button", "buy", 4)).toEqual([]);
    expect(behind(5, "button", "buy", 6)).toEqual([{ channel: "telegram", userId: "u1", ended: false }]);
  });

  it("starts at the user's earliest start in range, follows only that session, orders equal times by event id", () => {
    const events = [
      // v1: a start before the range, then one in range; the path ends with the session (a 30-minute gap)
      hev("v1", "bot_started", -10 * MIN),
      hev("v1", "bot_started", 40 * MIN),
      hev("v1", "lead", 41 * MIN),
      hev("v1", "message_received", 71 * MIN),
      // v2: a session begun before the range, with a start inside it
      hev("v2", "bot_started", -10 * MIN),
      hev("v2", "message_received", -5 * MIN),
      hev("v2", "bot_started", 5 * MIN),
      hev("v2", "button_clicked", 6 * MIN, props({ button: "x" })),
      // v3: three events at one instant: the smaller id comes before the start, the larger after it
      hev("v3", "bot_started", 0, id(0x0f)),
      hev("v3", "message_received", 0, id(0x0a)),
      hev("v3", "lead", 0, id(0x1f)),
    ];
    const answer = refPaths(refEvents(events), hfilters(0, 2 * HOUR), "bot_started", 5);
    expect(answer.users).toBe(3);
    expect(answer.nodes).toEqual([
      { step: 1, kind: "type", label: "bot_started", users: 3, endedUsers: 0 },
      { step: 2, kind: "type", label: "lead", users: 2, endedUsers: 2 },
      { step: 2, kind: "button", label: "x", users: 1, endedUsers: 1 },
    ]);
    expect(answer.links).toEqual([
      { from: 0, to: 1, users: 2 },
      { from: 0, to: 2, users: 1 },
    ]);
    const fromLead = refPaths(refEvents(events), hfilters(0, 2 * HOUR), "lead", 5);
    expect(fromLead).toMatchObject({ users: 2, nodes: [{ step: 1, kind: "type", label: "lead", users: 2, endedUsers: 2 }], links: [] });
    // Events at or after `to` do not exist for the answer: v1's lead at 41 min is cut off by to = 41 min.
    expect(refPaths(refEvents(events), hfilters(0, 41 * MIN), "bot_started", 5).nodes[0]).toEqual({ step: 1, kind: "type", label: "bot_started", users: 3, endedUsers: 1 });
  });
});
