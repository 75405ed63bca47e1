import type { TrackInput } from "../types.js";

/**
 * What an adapter makes of one webhook body or update. Adapters never throw: a body they
 * cannot read is `{ ok: false, error }`, so a bot's handler keeps running whatever arrives.
 * `skipped` names parts of a readable body that were left out (e.g. a message without a sender).
 */
export type AdapterResult = { ok: true; events: TrackInput[]; skipped: string[] } | { ok: false; error: string };

/** Settings every adapter takes. */
export interface AdapterOptions {
  /** The bot's id; when absent, adapters use what the payload names (WhatsApp phone_number_id, VK group_id) or the client's default. */
  botId?: string;
}

export function failure(error: string): AdapterResult {
  return { ok: false, error };
}

/** Runs a mapping and turns anything it throws into a failure result. */
export function guard(adapter: string, map: () => AdapterResult): AdapterResult {
  try {
    return map();
  } catch (error) {
    return failure(`${adapter}: could not read the payload: ${error instanceof Error ? error.message : String(error)}`);
  }
}
