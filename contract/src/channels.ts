/** Every messenger an event can come from. */
export const CHANNELS = ["telegram", "whatsapp", "vk", "max", "viber", "web", "other"] as const;
export type Channel = (typeof CHANNELS)[number];

const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);
export function isChannel(value: unknown): value is Channel {
  return typeof value === "string" && CHANNEL_SET.has(value);
}

/** POST /v1/updates/{channel}: the messengers whose raw updates the server maps with the SDK's adapters. */
export const UPDATE_CHANNELS = ["telegram", "whatsapp", "vk"] as const satisfies readonly Channel[];

/** The messengers a tracked link can open. */
export const LINK_CHANNELS = ["telegram", "vk", "whatsapp"] as const satisfies readonly Channel[];
export type LinkChannel = (typeof LINK_CHANNELS)[number];
