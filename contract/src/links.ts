import { MAX_SOURCE_FIELD_LENGTH } from "./events.js";

/** A link's target: a bot username, a VK community or a WhatsApp number. */
export const MAX_LINK_TARGET_LENGTH = 64;
/** campaign, source, medium, content and term become the users' source fields; name and adId share their bound. */
export const MAX_LINK_TEXT_LENGTH = MAX_SOURCE_FIELD_LENGTH;

/** Telegram's start parameter allows up to 64 of these; VK's ref and a WhatsApp text carry them as is. */
export const LINK_CODE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const LINK_CODE_MESSAGE = "must be 1 to 64 of A-Za-z0-9_-";

/**
 * The code inside a WhatsApp prefilled text: wa.me links open the chat with "Hello! [ref:CODE]"
 * typed in, and the adapter (SDK and /v1/updates) moves a code found this way into source.payload.
 */
export const WHATSAPP_REF_PATTERN = /\[ref:([A-Za-z0-9_-]{1,64})\]/;
export function whatsappPrefilledText(code: string): string {
  return `Hello! [ref:${code}]`;
}
