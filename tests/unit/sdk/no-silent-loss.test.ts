import { afterEach, describe, expect, it, vi } from "vitest";
import { Chatfunnel, type ChatfunnelOptions } from "@chatfunnel/sdk";
import { UserClock } from "../../../sdk/src/clock.js";
import { scriptedFetch } from "./fake-fetch.js";

const base = { writeKey: "cf_w_test_key_1234567", endpoint: "http://127.0.0.1:1" } as const;

function quiet(options: Partial<ChatfunnelOptions> = {}, reply?: Parameters<typeof scriptedFetch>[0]) {
  const fake = scriptedFetch(reply);
  const cf = new Chatfunnel({ ...base, channel: "telegram", botId: "b1", fetch: fake.fetch, retryBaseDelayMs: 1, retryMaxDelayMs: 2, ...options });
  return { cf, requests: fake.requests };
}

afterEach(() => vi.restoreAllMocks());

describe("misconfiguration fails at construction", () => {
  it.each([
    [{ writeKey: "" }, /writeKey is required/],
    [{ writeKey: undefined as unknown as string }, /writeKey is required/],
    [{ writeKey: "cf_w_short" }, /at least 16/],
    [{ writeKey: " cf_w_0123456789abcdef" }, /whitespace/],
    [{ writeKey: "cf_w_0123456789abcdef\n" }, /whitespace/],
    [{ writeKey: "cf_w_0123 456789abcdef" }, /printable ASCII/],
    [{ writeKey: "cf_r_0123456789abcdef0123" }, /read key/],
    [{ endpoint: "" }, /endpoint is required/],
    [{ endpoint: "chatfunnel.example.com" }, /not a URL/],
    [{ endpoint: "ftp://chatfunnel.example.com" }, /protocol ftp:/],
    [{ endpoint: "https://cf.example.com/?key=x" }, /query string/],
    [{ endpoint: "https://user:pw@cf.example.com" }, /credentials/],
    [{ channel: "icq" as never }, /channel must be one of/],
    [{ botId: "" }, /botId must be/],
  ])("%o", (override, message) => {
    expect(() => new Chatfunnel({ ...base, ...override })).toThrow(message);
  });

  it("accepts a base URL with a path, and the full events URL", async () => {
    for (const [endpoint, expected] of [
      ["https://cf.example.com/collector/", "https://cf.example.com/collector/v1/events"],
      ["https://cf.example.com/v1/events", "https://cf.example.com/v1/events"],
    ] as const) {
      const urls: string[] = [];
      const fake = scriptedFetch();
      const cf = new Chatfunnel({ ...base, endpoint, channel: "vk", botId: "b", fetch: (url, init) => (urls.push(url), fake.fetch(url, init)) });
      cf.lead({ userId: "u" });
      await cf.flush();
      expect(urls).toEqual([expected]);
    }
  });
});

describe("loud by default", () => {
  it("prints the first drop of each reason with console.error when no onDrop is given", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { cf } = quiet({ botId: undefined });
    cf.lead({ userId: "u" });
    cf.lead({ userId: "v" });
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]![0])).toMatch(/\[chatfunnel\] dropped 1 event\(s\) \(invalid\): botId must be/);
    expect(cf.stats()).toMatchObject({ dropped: 2, droppedByReason: { invalid: 2 } });
  });

  it("prints transport errors with console.warn when no onError is given, a few at most", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { cf } = quiet({ maxRetries: 20 }, (_r, n) => ({ status: 500 + (n % 10), body: { error: { message: `boom ${n}` } } }));
    cf.lead({ userId: "u" });
    await cf.flush();
    expect(warn).toHaveBeenCalledTimes(5);
    expect(String(warn.mock.calls[0]![0])).toContain("collector answered 500: boom 0");
    expect(String(warn.mock.calls[4]![0])).toContain("pass onError");
  });

  it("prints the first rejection when no onRejected is given", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { cf } = quiet({}, (r) => ({ status: 200, body: { accepted: 0, rejected: r.events.map((_e, index) => ({ index, errors: [{ path: "timestamp", message: "too far" }] })) } }));
    cf.lead({ userId: "u" });
    await cf.flush();
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]![0])).toContain("rejected 1 event(s), e.g. a lead event: timestamp: too far");
  });

  it("prints nothing when the callbacks are given", async () => {
    const error = vi.spyOn(console, "error");
    const warn = vi.spyOn(console, "warn");
    const { cf } = quiet({ botId: undefined, onDrop: () => {}, onError: () => {}, onRejected: () => {} });
    cf.lead({ userId: "u" });
    await cf.flush();
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });
});

describe("shutdown() reports what was lost", () => {
  it("resolves with the drops of its wait by reason and the lifetime totals", async () => {
    const { cf } = quiet({ onDrop: () => {}, onError: () => {}, maxRetries: 1000 }, () => ({ status: 503 }));
    cf.track({ type: "Bad!", userId: "u" });
    cf.lead({ userId: "u" });
    cf.lead({ userId: "v" });
    const result = await cf.shutdown(50);
    expect(result).toMatchObject({ accepted: 0, dropped: 2, droppedByReason: { shutdown: 2 } });
    expect(result.total).toMatchObject({ tracked: 3, accepted: 0, dropped: 3, droppedByReason: { invalid: 1, shutdown: 2 } });
    expect(cf.lead({ userId: "w" })).toBeNull();
    expect(cf.stats().droppedByReason).toEqual({ invalid: 1, shutdown: 3 });
  });
});

describe("one user's events never go back in time", () => {
  it("moves a whole-second adapter event after a direct call of the same second", async () => {
    const { cf, requests } = quiet();
    const second = Math.floor(Date.now() / 1000);
    const update = (id: number, text: string) => ({ update_id: id, message: { message_id: id, date: second, chat: { id: 7, type: "private" }, from: { id: 7, is_bot: false, first_name: "A" }, text } });
    cf.telegram.track(update(1, "/start"));
    const leadTime = new Date(second * 1000 + 300);
    cf.lead({ userId: "7", timestamp: leadTime });
    cf.telegram.track(update(2, "paid"));
    cf.payment({ userId: "7", revenue: 10, currency: "RUB", timestamp: new Date(second * 1000 + 300) });
    await cf.flush();
    const times = requests.flatMap((r) => r.events.map((e) => [e.type, Date.parse(e.timestamp) - second * 1000] as const));
    expect(times).toEqual([
      ["bot_started", 0],
      ["lead", 300],
      ["message_received", 301],
      ["payment", 302],
    ]);
  });

  it("keeps each user's own clock and keeps a string time's exact text when it need not move", async () => {
    const { cf, requests } = quiet();
    cf.lead({ userId: "a", timestamp: "2026-05-01T10:00:00.500+03:00" });
    cf.lead({ userId: "b", timestamp: "2026-05-01T10:00:00+03:00" });
    cf.lead({ userId: "a", timestamp: "2026-05-01T10:00:00+03:00" });
    cf.lead({ userId: "a", channel: "vk", timestamp: "2026-05-01T10:00:00+03:00" });
    await cf.flush();
    expect(requests[0]!.events.map((e) => e.timestamp)).toEqual([
      "2026-05-01T10:00:00.500+03:00",
      "2026-05-01T10:00:00+03:00",
      "2026-05-01T07:00:00.501Z",
      "2026-05-01T10:00:00+03:00",
    ]);
  });

  it("bounds its memory: the least recently seen user is forgotten first", () => {
    const clock = new UserClock(2);
    expect(clock.next("a", 1000)).toBe(1000);
    expect(clock.next("b", 1000)).toBe(1000);
    expect(clock.next("a", 1000)).toBe(1001);
    expect(clock.next("c", 1000)).toBe(1000);
    expect(clock.size).toBe(2);
    // b was the least recently seen: forgotten, so it starts afresh; a is still remembered.
    expect(clock.next("b", 1000)).toBe(1000);
    expect(clock.next("c", 900)).toBe(1001);
  });
});

describe("direct calls in a bot's handlers", () => {
  it("forUser() binds channel, bot and user, and every field can still be overridden", async () => {
    const { cf, requests } = quiet({ channel: undefined, botId: undefined });
    const user = cf.forUser({ channel: "vk", botId: "218123456", userId: "42" });
    user.lead();
    user.order({ revenue: 5, currency: "RUB", broadcastId: "bc-1" });
    user.track({ type: "catalog_viewed", userId: "43" });
    await cf.flush();
    expect(requests[0]!.events).toMatchObject([
      { type: "lead", channel: "vk", botId: "218123456", userId: "42" },
      { type: "order", channel: "vk", botId: "218123456", userId: "42", revenue: 5, broadcastId: "bc-1" },
      { type: "catalog_viewed", channel: "vk", botId: "218123456", userId: "43" },
    ]);
  });
});
