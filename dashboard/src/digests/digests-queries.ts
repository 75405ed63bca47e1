import { queryOptions } from "@tanstack/react-query";
import type { Digest, DigestCreateBody, DigestSendResult, DigestsResponse } from "@chatfunnel/schemas";
import type { ApiClient } from "../api/client.js";

/** The list refreshes while the page is open: the scheduler's sends change each digest's last send. */
export const DIGESTS_REFRESH_MS = 10_000;

export const digestsQuery = (api: ApiClient) =>
  queryOptions({
    queryKey: ["digests"] as const,
    queryFn: ({ signal }) => api.get<DigestsResponse>("digests", {}, signal),
    refetchInterval: DIGESTS_REFRESH_MS,
  });

export const createDigest = (api: ApiClient, body: DigestCreateBody) => api.post<Digest>("digests", JSON.stringify(body), "application/json");
export const deleteDigest = (api: ApiClient, id: string) => api.delete(`digests/${encodeURIComponent(id)}`);
export const sendDigestNow = (api: ApiClient, id: string) => api.post<DigestSendResult>(`digests/${encodeURIComponent(id)}/send`, "{}", "application/json");

export type DeliverKind = "telegram" | "webhook";

export interface DigestDraft {
  name: string;
  schedule: "daily" | "weekly";
  kind: DeliverKind;
  botToken: string;
  chatId: string;
  url: string;
}

/**
 * The form as the API's body. A chat id of digits (with a leading minus for groups) goes as a number, as
 * Telegram gives it; an @channel name as text. Anything else is sent as typed, and the API names the field.
 */
export function digestBody(draft: DigestDraft): DigestCreateBody {
  const chat = draft.chatId.trim();
  const deliver =
    draft.kind === "telegram"
      ? { telegram: { botToken: draft.botToken.trim(), chatId: /^-?[0-9]{1,15}$/.test(chat) ? Number(chat) : chat } }
      : { webhook: { url: draft.url.trim() } };
  return { ...(draft.name.trim() ? { name: draft.name.trim() } : {}), schedule: draft.schedule, deliver };
}
