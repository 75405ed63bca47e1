import { configure, render, type RenderResult } from "@testing-library/react";
import { App } from "../../../dashboard/src/App.js";
import { READ_KEY_STORAGE } from "../../../dashboard/src/auth/read-key.js";
import type { Locale } from "../../../dashboard/src/i18n/messages.js";

/** What the fake API answers for one path: a JSON body, or a full Response for errors and CSV. */
export type Answer = unknown | ((url: URL, init?: RequestInit) => Response | Promise<Response>);

export interface Harness extends RenderResult {
  /** Every request the dashboard made, in order. */
  requests: Array<{ url: URL; init?: RequestInit }>;
  /** Requests to one API path (`overview`, `funnel/dropoff`…). */
  requestsTo(path: string): URL[];
}

export const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/**
 * The whole app in jsdom with a stand-in for the network only: the browser's fetch is the one
 * boundary a component test replaces. The URL and the remembered key are set like a real visit.
 */
export function renderApp({ url = "/", answers, locale = "en", key = "rk_test_key" }: { url?: string; answers: Record<string, Answer>; locale?: Locale; key?: string | null }): Harness {
  localStorage.clear();
  if (key) localStorage.setItem(READ_KEY_STORAGE, key);
  window.history.replaceState(null, "", url);
  const requests: Harness["requests"] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input), window.location.origin);
    requests.push({ url, init });
    const path = url.pathname.replace(/^\/api\/v1\//, "");
    const answer = answers[path];
    if (answer === undefined) return json({ error: { code: "not_found", message: `no fake answer for ${path}` } }, 404);
    return typeof answer === "function" ? answer(url, init) : json(answer);
  };
  const result = render(<App locale={locale} fetchImpl={fetchImpl} />);
  return { ...result, requests, requestsTo: (path) => requests.filter((r) => r.url.pathname === `/api/v1/${path}`).map((r) => r.url) };
}

// The machine is shared and busy: give async UI queries room before calling them failed.
configure({ asyncUtilTimeout: 5000 });
