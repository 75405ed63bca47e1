import { BlockList, isIP } from "node:net";
import { lookup } from "node:dns/promises";

/**
 * Loopback, private, link-local, CGNAT and unspecified ranges: where WEBHOOK_ALLOW_PRIVATE=false refuses
 * to send, so a hosted install cannot be made to call its own network.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv6");
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return mapped ? PRIVATE.check(mapped[1]!, "ipv4") : PRIVATE.check(address, "ipv6");
  }
  return false;
}

/** Host names resolved recently: a check per send must not add a DNS round trip to every delivery. */
const resolved = new Map<string, { addresses: string[]; atMs: number }>();
const RESOLVE_CACHE_MS = 60_000;

/**
 * Why sending to `url` is refused, or undefined when it is allowed. With private addresses allowed
 * (the default) nothing is resolved. A name that does not resolve is allowed here: sending then fails
 * and is retried like any receiver that is down.
 */
export async function refusedAddress(url: string, allowPrivate: boolean): Promise<string | undefined> {
  if (allowPrivate) return undefined;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return `${host} is a loopback name, refused with WEBHOOK_ALLOW_PRIVATE=false`;
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    const cached = resolved.get(host);
    if (cached && Date.now() - cached.atMs < RESOLVE_CACHE_MS) addresses = cached.addresses;
    else {
      try {
        addresses = (await lookup(host, { all: true })).map((entry) => entry.address);
      } catch {
        return undefined;
      }
      resolved.set(host, { addresses, atMs: Date.now() });
    }
  }
  const blocked = addresses.find(isPrivateAddress);
  return blocked === undefined ? undefined : `${host} resolves to ${blocked}, a loopback or private address, refused with WEBHOOK_ALLOW_PRIVATE=false`;
}
