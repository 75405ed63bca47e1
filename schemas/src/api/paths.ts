import { z } from "zod";
import { DEFAULT_DROPOFF_LIMIT, MAX_DROPOFF_LIMIT, MAX_EVENT_TYPE_LENGTH, MAX_PROPERTY_VALUE_LENGTH } from "@chatfunnel/contract";
import { ChannelSchema, EventTypeSchema } from "../event.js";
import { CommonQuerySchema, RangeEchoSchema } from "./common.js";

/** Conversation paths (a Sankey). The definitions, which tests/reference/paths.ts follows (README "Decisions"); also the answer's description in openapi.json. */
export const PATHS_SEMANTICS = [
  "- Each user has at most one path: it starts at their earliest event of type `start` in [from, to) (events in scope, a resend counted once; a user's events are ordered by timestamp, ties by event id as text) and follows the events after it in the same session (the session fact, judged on events before `to`): the conversation.",
  "- Every event is a step. Step 1 is labelled with the start's type; a later step with `properties.button` when it is a `button_clicked` that has one (kind `button`), else with `properties.node` when present (kind `node`), else with its type (kind `type`). Empty texts count as absent.",
  "- Consecutive steps with the same kind and label collapse into one (message_received ×3 is one step; a button pressed twice in a row is one step). Then the path is cut at `depth` steps (the start included).",
  "- A node is (step, kind, label); its users are the users whose path has it; a link joins step s to s + 1; `endedUsers` are the users whose whole path ends at that node (cut paths do not end at step `depth`).",
  "- Order: nodes by step, then most users, then kind (button, node, type), then label by UTF-8 bytes (the engine's String order); links by `from`, then `to`.",
].join("\n");

export const DEFAULT_PATHS_START = "bot_started";
export const DEFAULT_PATHS_DEPTH = 5;
export const MIN_PATHS_DEPTH = 2;
export const MAX_PATHS_DEPTH = 10;
export const PATH_NODE_KINDS = ["type", "button", "node"] as const;

export const PathsQuerySchema = CommonQuerySchema.extend({
  start: EventTypeSchema.default(DEFAULT_PATHS_START).meta({ description: "The event type paths start from (each user's earliest one in range)" }),
  depth: z.coerce
    .number()
    .int()
    .min(MIN_PATHS_DEPTH)
    .max(MAX_PATHS_DEPTH)
    .default(DEFAULT_PATHS_DEPTH)
    .meta({ description: `Steps shown, the start included (${MIN_PATHS_DEPTH}–${MAX_PATHS_DEPTH}); consecutive repeats are collapsed first` }),
});
export type PathsQuery = z.infer<typeof PathsQuerySchema>;

export const PathNodeKindSchema = z.enum(PATH_NODE_KINDS);
export type PathNodeKind = z.infer<typeof PathNodeKindSchema>;

export const PathNodeSchema = z.object({
  /** 1-based; step 1 is the start. */
  step: z.number().int().min(1),
  kind: PathNodeKindSchema,
  label: z.string(),
  users: z.number().int().positive(),
  /** Users whose path ends here (no later step in their session). */
  endedUsers: z.number().int().nonnegative(),
});
export type PathNode = z.infer<typeof PathNodeSchema>;

export const PathLinkSchema = z.object({
  /** Indexes into `nodes` (as a Sankey takes them). */
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
  users: z.number().int().positive(),
});
export type PathLink = z.infer<typeof PathLinkSchema>;

export const PathsResponseSchema = z
  .object({
    range: RangeEchoSchema,
    start: z.string(),
    depth: z.number().int().min(MIN_PATHS_DEPTH).max(MAX_PATHS_DEPTH),
    /** Users with a path (a `start` event in range). */
    users: z.number().int().nonnegative(),
    /** By step, then most users, then kind (button, node, type), then label. */
    nodes: z.array(PathNodeSchema),
    /** By `from`, then `to`. */
    links: z.array(PathLinkSchema),
  })
  .meta({ description: PATHS_SEMANTICS });
export type PathsResponse = z.infer<typeof PathsResponseSchema>;

/**
 * The users behind one node (the Sankey's click-through list, like funnel/dropoff): every parameter of paths plus
 * the node's `step` (1..depth), `kind` and `label`; one page ordered by channel, then userId (bytes).
 */
export const PathNodeUsersQuerySchema = PathsQuerySchema.extend({
  step: z.coerce.number().int().min(1).max(MAX_PATHS_DEPTH).meta({ description: "The node's step (1..depth)" }),
  kind: PathNodeKindSchema,
  // A label is a button or node text (a property value) or an event type.
  label: z.string().min(1).max(Math.max(MAX_PROPERTY_VALUE_LENGTH, MAX_EVENT_TYPE_LENGTH)),
  format: z.enum(["json", "csv"]).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DROPOFF_LIMIT).default(DEFAULT_DROPOFF_LIMIT),
  offset: z.coerce.number().int().min(0).default(0),
});
export type PathNodeUsersQuery = z.infer<typeof PathNodeUsersQuerySchema>;

export const PathNodeUserSchema = z.object({
  channel: ChannelSchema,
  userId: z.string(),
  /** The user's path ends at this node (no later step in their session). */
  ended: z.boolean(),
});
export type PathNodeUser = z.infer<typeof PathNodeUserSchema>;

export const PathNodeUsersResponseSchema = z.object({
  step: z.number().int().min(1),
  kind: PathNodeKindSchema,
  label: z.string(),
  /** Users at the node, in all; `users` is one page of them. */
  total: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  offset: z.number().int().nonnegative(),
  users: z.array(PathNodeUserSchema),
});
export type PathNodeUsersResponse = z.infer<typeof PathNodeUsersResponseSchema>;
