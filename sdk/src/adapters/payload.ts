import { MAX_SOURCE_FIELD_LENGTH, MAX_SOURCE_PAYLOAD_LENGTH } from "@chatfunnel/contract";
import type { Source } from "../types.js";

/**
 * Deep-link payload convention (Telegram `/start <payload>`, VK `ref`):
 *
 * 1. Compact form — `key-value` segments joined by `_`, keys:
 *      src → source, med → medium, cmp → campaign, cnt → content, trm → term
 *    values use [A-Za-z0-9-] (Telegram allows A–Z, a–z, 0–9, _ and - in 64 chars), e.g.
 *      https://t.me/shop_bot?start=src-vk_med-cpc_cmp-spring-sale
 * 2. base64url of a query string, for values the compact form cannot carry:
 *      base64url("utm_source=vk&utm_campaign=весна") — keys with or without the utm_ prefix.
 * 3. Anything else is kept as the raw `payload` only.
 *
 * The raw payload is always kept in `source.payload`.
 */
const COMPACT_KEYS = { src: "source", med: "medium", cmp: "campaign", cnt: "content", trm: "term" } as const;
type SourceField = (typeof COMPACT_KEYS)[keyof typeof COMPACT_KEYS];
const FIELD_TO_COMPACT = Object.fromEntries(Object.entries(COMPACT_KEYS).map(([short, field]) => [field, short])) as Record<SourceField, string>;
const SOURCE_FIELDS = Object.values(COMPACT_KEYS);
const COMPACT_SEGMENT = /^(src|med|cmp|cnt|trm)-([A-Za-z0-9-]+)$/;
const COMPACT_VALUE = /^[A-Za-z0-9-]+$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_FIELD = MAX_SOURCE_FIELD_LENGTH;
const MAX_PAYLOAD = MAX_SOURCE_PAYLOAD_LENGTH;

/** A tracked link's code inside a WhatsApp prefilled text ("Hello! [ref:CODE]", what wa.me links open the chat with). */
export { WHATSAPP_REF_PATTERN } from "@chatfunnel/contract";

export function parseStartPayload(payload: string): Source {
  const raw = payload.trim();
  if (raw === "") return {};
  const source: Source = { payload: raw.slice(0, MAX_PAYLOAD) };
  const compact = parseCompact(raw);
  if (compact) return { ...compact, ...source };
  const query = parseBase64Query(raw);
  if (query) return { ...query, ...source };
  return source;
}

function parseCompact(raw: string): Source | undefined {
  const fields: Source = {};
  for (const segment of raw.split("_")) {
    const match = COMPACT_SEGMENT.exec(segment);
    if (!match) return undefined;
    fields[COMPACT_KEYS[match[1] as keyof typeof COMPACT_KEYS]] = match[2]!.slice(0, MAX_FIELD);
  }
  return fields;
}

function parseBase64Query(raw: string): Source | undefined {
  if (!BASE64URL.test(raw) || raw.length < 4) return undefined;
  let text: string;
  try {
    const binary = atob(raw.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((raw.length + 3) % 4));
    text = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  if (!text.includes("=") || /[\u0000-\u001f]/.test(text)) return undefined;
  const params = new URLSearchParams(text);
  const fields: Source = {};
  for (const field of SOURCE_FIELDS) {
    const value = params.get(`utm_${field}`) ?? params.get(field);
    if (value) fields[field] = value.slice(0, MAX_FIELD);
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/**
 * Builds a payload for a deep link from attribution fields: the compact form when every value
 * fits [A-Za-z0-9-], else base64url of a utm_ query string. Throws a RangeError when the result
 * exceeds `maxLength` (Telegram's limit is 64 characters).
 */
export function buildStartPayload(fields: Omit<Source, "payload">, maxLength = 64): string {
  const entries = SOURCE_FIELDS.flatMap((field) => (fields[field] ? [[field, fields[field]!] as const] : []));
  if (entries.length === 0) throw new RangeError("buildStartPayload: give at least one of source, medium, campaign, content, term");
  const compactFits = entries.every(([, value]) => COMPACT_VALUE.test(value));
  const payload = compactFits
    ? entries.map(([field, value]) => `${FIELD_TO_COMPACT[field]}-${value}`).join("_")
    : base64url(new URLSearchParams(entries.map(([field, value]) => [`utm_${field}`, value])).toString());
  if (payload.length > maxLength) throw new RangeError(`buildStartPayload: payload is ${payload.length} characters, the limit is ${maxLength}`);
  return payload;
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
