import type { RetentionBreakdown } from "@chatfunnel/schemas";
import type { Translate } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";

/** A breakdown value as the reader knows it: a channel's name, a campaign or source as sent, "(none)" for no value. */
export function groupName(group: string | null, breakdown: RetentionBreakdown | null, t: Translate): string {
  if (breakdown === null) return t("retention.allUsers");
  if (group === null) return t("retention.none");
  return breakdown === "channel" ? t(`channel.${group}` as MessageKey) : group;
}

/** A stable key for a group in lists and chart series (a campaign may be named anything, "(none)" included). */
export const groupKey = (group: string | null) => (group === null ? "\u0000none" : `g:${group}`);
