import { describe, expect, it } from "vitest";
import { EVENTS_DEFAULT_LIMIT, EventBatchSchema, LINK_CHANNELS, LinkCreateBodySchema, RESERVED_EVENT_TYPES } from "@chatfunnel/schemas";
import { ApiRequestError } from "../../../dashboard/src/api/client.js";
import { EVENTS_PAGE } from "../../../dashboard/src/api/queries.js";
import { attributionText, curlExample, exampleEventId, mergeNewestFirst, parseEventSearch, writeEventSearch } from "../../../dashboard/src/events/search.js";
import { parseFilters } from "../../../dashboard/src/filters/filters.js";
import { RESERVED_TYPES } from "../../../dashboard/src/funnel/FunnelBuilder.js";
import { LINK_CHANNEL_OPTIONS, fieldErrors, linkBody, linkFunnelHref } from "../../../dashboard/src/pages/LinksPage.js";
import { explorerEvent } from "./fixtures.js";

describe("events explorer logic", () => {
  it("reads type (repeatable) and user from the URL, ignoring what the API would refuse", () => {
    expect(parseEventSearch(new URLSearchParams("type=order&type=lead&type=lead&type=Bad%20Type&user=%2042%20"))).toEqual({ types: ["lead", "order"], userId: "42" });
    expect(parseEventSearch(new URLSearchParams(`user=${"x".repeat(129)}`))).toEqual({ types: [], userId: "" });
    const written = writeEventSearch(new URLSearchParams("range=7d&type=old"), { types: ["lead", "order"], userId: "u1" });
    expect(written.toString()).toBe("range=7d&type=lead&type=order&user=u1");
    expect(parseEventSearch(written)).toEqual({ types: ["lead", "order"], userId: "u1" });
  });

  it("merges the polled head into the loaded pages: each event once, newest first, same-millisecond order kept", () => {
    const at = (id: string, timestamp: string) => explorerEvent({ id, timestamp });
    const head = { events: [at("new", "2026-05-02T10:00:09.000Z"), at("late", "2026-05-02T10:00:03.500Z"), at("b", "2026-05-02T10:00:03.000Z")] };
    const pages = [{ events: [at("a", "2026-05-02T10:00:05.000Z"), at("b", "2026-05-02T10:00:03.000Z"), at("c2", "2026-05-02T10:00:01.000Z")] }, { events: [at("c1", "2026-05-02T10:00:01.000Z"), at("d", "2026-05-01T00:00:00.000Z")] }];
    expect(mergeNewestFirst([head, ...pages]).map((e) => e.id)).toEqual(["new", "a", "late", "b", "c2", "c1", "d"]);
  });

  it("writes attribution as one line, campaign first", () => {
    expect(attributionText({ campaign: "bf", source: "vk", medium: "cpc", term: "shoes", payload: "x1" })).toBe("bf · vk / cpc · term: shoes · payload: x1");
    expect(attributionText({ payload: "ad_1" })).toBe("payload: ad_1");
    expect(attributionText(undefined)).toBe("");
  });

  it("the first-event curl carries an event the collector accepts", () => {
    const command = curlExample("http://127.0.0.1:8080", "<WRITE_KEY>", exampleEventId(), new Date().toISOString());
    const body = /-d '(.*)'$/.exec(command)?.[1];
    const parsed = EventBatchSchema.safeParse(JSON.parse(body ?? "null"));
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(command).toContain("http://127.0.0.1:8080/v1/events");
  });

  it("makes RFC 4122 v4 ids without crypto.randomUUID (plain http has none)", () => {
    const original = crypto.randomUUID;
    try {
      Object.defineProperty(crypto, "randomUUID", { value: undefined, configurable: true });
      for (let i = 0; i < 50; i++) expect(exampleEventId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      Object.defineProperty(crypto, "randomUUID", { value: original, configurable: true });
    }
  });

  it("asks for the API's default page size", () => {
    expect(EVENTS_PAGE).toBe(EVENTS_DEFAULT_LIMIT);
  });
});

describe("links logic", () => {
  it("mirrors the schema's lists (the browser bundle does not import zod)", () => {
    expect([...LINK_CHANNEL_OPTIONS]).toEqual([...LINK_CHANNELS]);
    expect([...RESERVED_TYPES].sort()).toEqual([...RESERVED_EVENT_TYPES].sort());
  });

  it("sends only filled fields, trimmed, and the ad id only for WhatsApp; the API's schema accepts the body", () => {
    const draft = { channel: "telegram" as const, target: " shop_bot ", campaign: "bf ", name: "", source: "vk", medium: " ", content: "", term: "", adId: "123" };
    const body = linkBody(draft);
    expect(body).toEqual({ channel: "telegram", target: "shop_bot", campaign: "bf", source: "vk" });
    expect(LinkCreateBodySchema.safeParse(body).success).toBe(true);
    const whatsapp = linkBody({ ...draft, channel: "whatsapp", target: "79991234567" });
    expect(whatsapp.adId).toBe("123");
    expect(LinkCreateBodySchema.safeParse(whatsapp).success).toBe(true);
  });

  it("puts each named field's message beside it, and anything else above the form", () => {
    const named = new ApiRequestError(400, "invalid_parameter", "bad", [
      { path: "target", message: "must be a bot username" },
      { path: "source.x", message: "too long" },
      { path: "target", message: "second message for the same field" },
    ]);
    expect(fieldErrors(named)).toEqual({ fields: { target: "must be a bot username", source: "too long" }, general: null });
    expect(fieldErrors(new ApiRequestError(400, "bad_request", "body must be JSON", [{ path: "(root)", message: "x" }]))).toEqual({ fields: {}, general: "body must be JSON" });
    expect(fieldErrors(new ApiRequestError(503, "unavailable", "busy"))).toEqual({ fields: {}, general: "busy" });
  });

  it("links to the funnel of its campaign on its messenger over the period in view", () => {
    const filters = parseFilters(new URLSearchParams("from=2026-05-01&to=2026-05-31&tz=Europe/Moscow&channel=vk&bot=shop_bot"));
    const href = new URL(linkFunnelHref({ campaign: "black friday", channel: "telegram" }, filters), "http://x");
    expect(href.pathname).toBe("/funnel");
    expect(href.searchParams.getAll("steps")).toEqual(["bot_started", "lead", "order"]);
    expect(href.searchParams.get("campaign")).toBe("black friday");
    expect(href.searchParams.getAll("channel")).toEqual(["telegram"]);
    expect(href.searchParams.get("from")).toBe("2026-05-01");
    expect(href.searchParams.get("bot")).toBe("shop_bot");
  });
});
