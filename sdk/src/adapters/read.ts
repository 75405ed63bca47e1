/** Small structural readers: webhooks are untrusted JSON, read field by field without a schema library. */

import { MAX_PROPERTY_VALUE_LENGTH, MIN_EVENT_TIME_MS } from "@chatfunnel/contract";

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function obj(value: unknown, key: string): Json | undefined {
  if (!isObject(value)) return undefined;
  const field = value[key];
  return isObject(field) ? field : undefined;
}

export function str(value: unknown, key: string): string | undefined {
  if (!isObject(value)) return undefined;
  const field = value[key];
  return typeof field === "string" ? field : undefined;
}

export function num(value: unknown, key: string): number | undefined {
  if (!isObject(value)) return undefined;
  const field = value[key];
  return typeof field === "number" && Number.isFinite(field) ? field : undefined;
}

export function arr(value: unknown, key: string): unknown[] | undefined {
  if (!isObject(value)) return undefined;
  const field = value[key];
  return Array.isArray(field) ? field : undefined;
}

/** A messenger id (number or string) as the string the event contract wants. */
export function id(value: unknown, key: string): string | undefined {
  if (!isObject(value)) return undefined;
  const field = value[key];
  if (typeof field === "number" && Number.isFinite(field)) return String(field);
  if (typeof field === "string" && field.length > 0) return field;
  return undefined;
}

/** The contract refuses earlier times (2000-01-01), and no messenger update is that old (0 or 1 is a placeholder). */
const EARLIEST_SECONDS = MIN_EVENT_TIME_MS / 1000;

/** Unix seconds (number or numeric string) as ISO 8601; undefined lets the SDK use "now". */
export function unixSecondsToIso(value: unknown): string | undefined {
  const seconds = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < EARLIEST_SECONDS) return undefined;
  return new Date(seconds * 1000).toISOString();
}

/** Property values are bounded by the contract. */
export function clip(text: string, max = MAX_PROPERTY_VALUE_LENGTH): string {
  return text.length <= max ? text : text.slice(0, max);
}
