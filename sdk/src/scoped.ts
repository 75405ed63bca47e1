import type { Helpers } from "./helpers.js";
import type { Channel, TrackInput } from "./types.js";

/** A helper's input when channel, bot and user are already known; any of them may still be overridden. */
export type ScopedInput = Omit<TrackInput, "type" | "channel" | "botId" | "userId"> & Partial<Pick<TrackInput, "channel" | "botId" | "userId">>;

/**
 * The helpers bound to one user of one bot: what `ctx.chatfunnel` is in a grammY handler and
 * what `cf.forUser({ channel, botId, userId })` returns for any other framework.
 * Every helper's input is optional: `ctx.chatfunnel.lead()`.
 */
export interface UserTracker extends Helpers<ScopedInput | void> {
  readonly channel: Channel;
  readonly botId: string | undefined;
  readonly userId: string | undefined;
  track(input: ScopedInput & { type: string }): string | null;
}
