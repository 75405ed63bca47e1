import { useCallback, useSyncExternalStore, type MouseEvent } from "react";

/**
 * A router of a few lines: the path picks the page, the query string holds every filter, so a
 * copied link reproduces the view. No library: the bundle stays small.
 */
const NAVIGATE_EVENT = "chatfunnel:navigate";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export interface Location {
  path: string;
  params: URLSearchParams;
}

export function useLocation(): Location {
  const current = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(current, "http://local");
  return { path: url.pathname, params: url.searchParams };
}

export function navigate(path: string, params: URLSearchParams, options: { replace?: boolean } = {}): void {
  const search = params.toString();
  const target = path + (search ? `?${search}` : "");
  if (target === snapshot()) return;
  if (options.replace) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** Changes some query parameters of the current page, keeping the others. */
export function useUpdateParams(): (change: (params: URLSearchParams) => void, options?: { replace?: boolean }) => void {
  return useCallback((change, options) => {
    const params = new URLSearchParams(window.location.search);
    change(params);
    navigate(window.location.pathname, params, options);
  }, []);
}

/** Makes `target` hold exactly the parameters of `source` (inside a useUpdateParams change). */
export function replaceAll(target: URLSearchParams, source: URLSearchParams): void {
  for (const name of [...new Set(target.keys())]) target.delete(name);
  for (const [name, value] of source) target.append(name, value);
}

/** A plain link (keyboard, middle click and "copy link" work) that navigates without a reload. */
export function onLinkClick(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  const url = new URL(event.currentTarget.href);
  navigate(url.pathname, url.searchParams);
}
