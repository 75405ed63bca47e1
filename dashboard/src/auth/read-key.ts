import { safeStorageGet, safeStorageSet } from "../i18n/i18n.js";

export const READ_KEY_STORAGE = "chatfunnel.readKey";

/**
 * The embedded default prints `<url>/#key=<readKey>`: the fragment never reaches a server or its
 * logs. The key is taken from it once, remembered, and wiped from the address bar.
 */
export function takeReadKey(): string | null {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("key");
  if (fromHash) {
    safeStorageSet(READ_KEY_STORAGE, fromHash);
    history.replaceState(null, "", window.location.pathname + window.location.search);
    return fromHash;
  }
  return safeStorageGet(READ_KEY_STORAGE);
}

export function rememberReadKey(key: string | null): void {
  safeStorageSet(READ_KEY_STORAGE, key);
}
