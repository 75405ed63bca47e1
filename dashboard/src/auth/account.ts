import type { MeResponse, ShareInfoResponse, ShareUnlocked } from "@chatfunnel/schemas";
import { ApiRequestError } from "../api/client.js";
import { safeStorageGet, safeStorageSet } from "../i18n/i18n.js";

/** /auth/v1 from the page: the session cookie is HttpOnly, so the page only ever sees its answers. */

export type Me = MeResponse;
export type ShareInfo = ShareInfoResponse;

/** The server's hint cookie (cf_signed_in, no credential): a session may exist, so /auth/v1/me is worth asking. */
export function hasSessionHint(): boolean {
  return document.cookie.split(";").some((part) => part.trim() === "cf_signed_in=1");
}

async function call<T>(fetchImpl: typeof fetch, method: "GET" | "POST", path: string, body?: unknown, bearer?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (bearer !== undefined) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetchImpl(`/auth/v1/${path}`, { method, headers, credentials: "same-origin", ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (!response.ok) {
    let code = "http_error";
    let message = response.statusText || `HTTP ${response.status}`;
    try {
      const answer = (await response.json()) as { error?: { code?: string; message?: string } };
      code = answer.error?.code ?? code;
      message = answer.error?.message ?? message;
    } catch {
      /* not JSON */
    }
    const error = new ApiRequestError(response.status, code, message);
    (error as ApiRequestError & { retryAfterS?: number }).retryAfterS = Number(response.headers.get("Retry-After") ?? 0);
    throw error;
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export const fetchMe = (fetchImpl: typeof fetch) => call<Me>(fetchImpl, "GET", "me");
export const logIn = (fetchImpl: typeof fetch, email: string, password: string) => call<{ id: string }>(fetchImpl, "POST", "login", { email, password });
export const logOut = (fetchImpl: typeof fetch) => call<void>(fetchImpl, "POST", "logout");
export const acceptInvite = (fetchImpl: typeof fetch, token: string, password: string) => call<{ id: string }>(fetchImpl, "POST", "invite", { token, password });
export const fetchShareInfo = (fetchImpl: typeof fetch, token: string) => call<ShareInfo>(fetchImpl, "GET", "share", undefined, token);
export const unlockShare = (fetchImpl: typeof fetch, token: string, password: string) => call<ShareUnlocked>(fetchImpl, "POST", "share/unlock", { password }, token);

const PROJECT_STORAGE = "chatfunnel.project";

/** The project last chosen in the switcher, if the user still has it; else their first. */
export function chooseProject(me: Me): string | undefined {
  const remembered = safeStorageGet(PROJECT_STORAGE);
  return me.projects.find((project) => project.id === remembered)?.id ?? me.projects[0]?.id;
}

export function rememberProject(id: string | null): void {
  safeStorageSet(PROJECT_STORAGE, id);
}

/**
 * A share link is opened at /share/<token>: the token is kept for this tab (sessionStorage) and the address
 * bar moves to the dashboard's own pages, so the token leaves the URL the viewer might copy on.
 */
const SHARE_STORAGE = "chatfunnel.share";

export function takeShareToken(): string | null {
  const match = /^\/share\/([A-Za-z0-9_-]+)\/?$/.exec(window.location.pathname);
  if (match) {
    try {
      sessionStorage.setItem(SHARE_STORAGE, match[1]!);
    } catch {
      /* storage refused: the token lives in memory only */
    }
    history.replaceState(null, "", `/${window.location.search}`);
    return match[1]!;
  }
  try {
    return sessionStorage.getItem(SHARE_STORAGE);
  } catch {
    return null;
  }
}

export function forgetShareToken(): void {
  try {
    sessionStorage.removeItem(SHARE_STORAGE);
  } catch {
    /* nothing kept */
  }
}

/** The invite link is /invite#token=…: like #key=, the fragment never reaches a server or its logs. */
export function inviteToken(): string | null {
  if (window.location.pathname.replace(/\/+$/, "") !== "/invite") return null;
  return new URLSearchParams(window.location.hash.slice(1)).get("token");
}
