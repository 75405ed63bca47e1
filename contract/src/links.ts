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
