import { MAX_ID_LENGTH } from "@chatfunnel/contract";
import type { Properties, TrackInput } from "../types.js";
import { clip } from "./read.js";

/**
 * Button data convention for buttons under a broadcast message: `cf:b=<broadcastId>;<the bot's own data>`
 * (the `;` and what follows are optional). Telegram's callback_data and a WhatsApp reply button's id or
 * template quick-reply payload are set by the bot when it sends, and come back unchanged on the click, but
 * neither messenger says which message, let alone which broadcast, the button was under. So the bot writes
 * the broadcast into the data and the adapters read it back: the click then carries `broadcastId`, and
 * `button` is the bot's own part, the same label whatever broadcast it came from (paths group by it).
 * Short on purpose: Telegram allows 64 bytes of callback_data, so `cf:b=` costs 5 of them.
 */
const PREFIX = "cf:b=";
const SEPARATOR = ";";

export interface BroadcastButton {
  broadcastId: string;
  /** The bot's own data after the separator ("" when there is none). */
  data: string;
}

/** The broadcast and the bot's data of a button written in the convention, else undefined. */
export function parseBroadcastButton(raw: string): BroadcastButton | undefined {
  if (!raw.startsWith(PREFIX)) return undefined;
  const end = raw.indexOf(SEPARATOR, PREFIX.length);
  const broadcastId = end < 0 ? raw.slice(PREFIX.length) : raw.slice(PREFIX.length, end);
  if (broadcastId.length === 0 || broadcastId.length > MAX_ID_LENGTH) return undefined;
  return { broadcastId, data: end < 0 ? "" : raw.slice(end + 1) };
}

/** Writes a button's data in the convention: `broadcastButtonData("fri-sale", "buy:42")` → `cf:b=fri-sale;buy:42`. */
export function broadcastButtonData(broadcastId: string, data = ""): string {
  // Thrown while building a keyboard, not while tracking: an id the adapters would not read back is a bug to see at once.
  if (broadcastId.length === 0 || broadcastId.length > MAX_ID_LENGTH || broadcastId.includes(SEPARATOR)) {
    throw new RangeError(`broadcastId must be 1–${MAX_ID_LENGTH} characters without "${SEPARATOR}" to fit in button data, got ${JSON.stringify(broadcastId)}`);
  }
  return data === "" ? `${PREFIX}${broadcastId}` : `${PREFIX}${broadcastId}${SEPARATOR}${data}`;
}

/**
 * VK's form of the convention: a button's payload is a JSON object, so the broadcast is one more key in it,
 * `{"cf_b": "<broadcastId>", …the bot's own keys}`; the bot's part is the payload without that key.
 */
const VK_KEY = "cf_b";

/** The broadcast of a VK payload (JSON text) written in the convention, else undefined. */
export function parseBroadcastPayload(payload: string): BroadcastButton | undefined {
  if (!payload.includes(VK_KEY)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const { [VK_KEY]: broadcastId, ...own } = parsed as Record<string, unknown>;
  if (typeof broadcastId !== "string" || broadcastId.length === 0 || broadcastId.length > MAX_ID_LENGTH) return undefined;
  return { broadcastId, data: Object.keys(own).length === 0 ? "" : JSON.stringify(own) };
}

/** A VK button payload in the convention: `broadcastPayload("fri-sale", { action: "buy" })` → `{"action":"buy","cf_b":"fri-sale"}`. */
export function broadcastPayload(broadcastId: string, payload: Record<string, unknown> = {}): Record<string, unknown> {
  if (broadcastId.length === 0 || broadcastId.length > MAX_ID_LENGTH) throw new RangeError(`broadcastId must be 1–${MAX_ID_LENGTH} characters, got ${JSON.stringify(broadcastId)}`);
  return { ...payload, [VK_KEY]: broadcastId };
}

/**
 * The events of a click on a button: `button_clicked`, and for a broadcast's button (`broadcastId` set,
 * `button` then the bot's own part) `broadcast_clicked` beside it, so the broadcasts report counts the
 * click without the bot tracking it a second time.
 */
export function buttonClickEvents(event: Omit<TrackInput, "type">, broadcast: BroadcastButton | undefined): TrackInput[] {
  if (broadcast === undefined) return [{ ...event, type: "button_clicked" }];
  const properties: Properties = { ...event.properties };
  if (broadcast.data === "") delete properties["button"];
  else properties["button"] = clip(broadcast.data);
  const clicked = { ...event, broadcastId: broadcast.broadcastId, properties };
  return [
    { ...clicked, type: "button_clicked" },
    { ...clicked, type: "broadcast_clicked" },
  ];
}
