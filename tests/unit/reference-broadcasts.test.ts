import { describe, expect, it } from "vitest";
import { BroadcastDetailResponseSchema, BroadcastsResponseSchema } from "@chatfunnel/schemas";
import { refBroadcastDetail, refBroadcasts } from "../reference/broadcasts.js";
import { DAY, HOUR, MIN, T0, hev, hfilters, refEvents } from "../reference/hand-events.js";

const W3D = 3 * 86_400;
const b = (id: string) => ({ broadcastId: id });

describe("broadcasts reference", () => {
  it("counts unique users per stage, each later stage proving the earlier ones", () => {
    const events = [
      // a: the whole chain, sent twice (one user)
      hev("a", "broadcast_sent", 0, { ...b("x"), channel: "whatsapp" }),
      hev("a", "broadcast_sent", 1, { ...b("x"), channel: "whatsapp" }),
      hev("a", "broadcast_delivered", 2, { ...b("x"), channel: "whatsapp" }),
      hev("a", "broadcast_read", 3, { ...b("x"), channel: "whatsapp" }),
      // b: failed, no delivery
      hev("b", "broadcast_sent", 0, { ...b("x"), channel: "whatsapp" }),
      hev("b", "broadcast_failed", 1, { ...b("x"), channel: "whatsapp", properties: { reason: "blocked_by_user" } }),
      // c: only a button press under the message: clicked, so delivered and sent
      hev("c", "button_clicked", 5, { ...b("x"), channel: "whatsapp", properties: { button: "buy" } }),
      // d: failed, then the retry got through: delivered, not failed
      hev("d", "broadcast_failed", 0, { ...b("x"), channel: "whatsapp", properties: { reason: "timeout" } }),
      hev("d", "broadcast_delivered", 10, { ...b("x"), channel: "whatsapp" }),
      // e: a reply with the broadcastId is no stage
      hev("e", "message_received", 10, { ...b("x"), channel: "whatsapp" }),
      // f: failed without a reason
      hev("f", "broadcast_failed", 1, { ...b("x"), channel: "whatsapp" }),
      hev("g", "broadcast_failed", 1, { ...b("x"), channel: "whatsapp", properties: { reason: "" } }),
    ];
    const answer = refBroadcasts(refEvents(events), hfilters(0, HOUR), W3D);
    expect(BroadcastsResponseSchema.parse(answer)).toEqual(answer);
    expect(answer.broadcasts).toHaveLength(1);
    expect(answer.broadcasts[0]).toMatchObject({
      broadcastId: "x",
      channels: ["whatsapp"],
      firstSentAt: new Date(T0).toISOString(),
      sent: 6,
      delivered: 3,
      read: 1,
      clicked: 1,
      failed: 3,
      failureReasons: [
        { reason: null, users: 2 },
        { reason: "blocked_by_user", users: 1 },
      ],
      deliveryRate: 3 / 6,
      readRate: 1 / 3,
      clickRate: 1 / 3,
    });
  });

  it("reports read as null, never 0, when no channel of the broadcast reports reads, and counts it only where reported", () => {
    const telegramOnly = [hev("a", "broadcast_sent", 0, b("t")), hev("a", "broadcast_delivered", 1, b("t")), hev("b", "broadcast_sent", 0, { ...b("t"), channel: "vk" })];
    const mixed = [
      hev("a", "broadcast_delivered", 0, b("m")),
      // a read reported on Telegram is not counted: the rate's base is the channels that report reads
      hev("a", "broadcast_read", 1, b("m")),
      hev("w", "broadcast_delivered", 0, { ...b("m"), channel: "whatsapp" }),
      hev("v", "broadcast_delivered", 0, { ...b("m"), channel: "whatsapp" }),
      hev("v", "broadcast_read", 2, { ...b("m"), channel: "whatsapp" }),
    ];
    const [t] = refBroadcasts(refEvents(telegramOnly), hfilters(0, HOUR), W3D).broadcasts;
    expect(t).toMatchObject({ channels: ["telegram", "vk"], sent: 2, delivered: 1, read: null, readRate: null });
    const [m] = refBroadcasts(refEvents(mixed), hfilters(0, HOUR), W3D).broadcasts;
    expect(m).toMatchObject({ channels: ["telegram", "whatsapp"], delivered: 3, read: 1, readRate: 1 / 2 });
  });

  it("counts after-delivery outcomes at delivery ≤ t ≤ delivery + limit, only for delivered users, past `to`", () => {
    const events = [
      hev("a", "broadcast_delivered", 0, b("x")),
      hev("a", "lead", 3 * DAY), // exactly at the window's end: counts (after `to` too)
      hev("a", "unsubscribed", 48 * HOUR), // exactly 48 h: counts
      hev("b", "broadcast_delivered", 10 * MIN, b("x")),
      hev("b", "lead", 10 * MIN + 3 * DAY + 1), // 1 ms late
      hev("b", "blocked", 10 * MIN + 48 * HOUR + 1), // 1 ms late
      hev("b", "order", 10 * MIN - 1, { revenue: 5, currency: "RUB" }), // 1 ms before the delivery
      hev("c", "broadcast_delivered", 0, b("x")),
      hev("c", "order", 0, { revenue: 10.5, currency: "RUB" }), // at the delivery instant, untagged: counts
      hev("c", "payment", HOUR, { revenue: 2, currency: "USD" }),
      hev("c", "blocked", HOUR),
      // d was sent but never delivered: nothing after delivery counts for it
      hev("d", "broadcast_sent", 0, b("x")),
      hev("d", "lead", MIN),
    ];
    const [row] = refBroadcasts(refEvents(events), hfilters(0, HOUR), W3D).broadcasts;
    expect(row).toMatchObject({
      sent: 4,
      delivered: 3,
      unsubscribedOrBlocked: 2,
      leads: 1,
      orders: 1,
      revenue: { amount: 10.5, currency: "RUB" },
      otherRevenue: [{ amount: 2, currency: "USD" }],
      unsubscribeRate: 2 / 3,
      leadRate: 1 / 3,
      orderRate: 1 / 3,
    });
    // A user's delivery is the earliest proof of it: a click before the delivered status moves it earlier.
    const early = [hev("a", "broadcast_clicked", 0, b("y")), hev("a", "broadcast_delivered", 2 * HOUR, b("y")), hev("a", "lead", HOUR)];
    expect(refBroadcasts(refEvents(early), hfilters(0, HOUR), W3D).broadcasts[0]).toMatchObject({ delivered: 1, clicked: 1, leads: 1 });
  });

  it("lists a broadcast in the range of its first send, newest first, and credits each broadcast with a shared conversion", () => {
    const events = [
      hev("a", "broadcast_delivered", -MIN, b("early")), // a status before the send (skewed clocks) does not move the start
      hev("a", "broadcast_sent", 0, b("early")),
      hev("a", "broadcast_delivered", 30 * MIN, b("late")), // no broadcast_sent: starts at its first broadcast_* event
      hev("a", "lead", 40 * MIN),
      hev("b", "broadcast_sent", -1, b("before")), // 1 ms before `from`: not listed
      hev("b", "broadcast_sent", HOUR, b("after")), // at `to`: not listed
      hev("b", "broadcast_scheduled", 10 * MIN, b("custom")), // a custom type makes no broadcast
      hev("b", "broadcast_scheduled", 20 * MIN, b("late")), // nor moves the start of one without broadcast_sent
    ];
    const answer = refBroadcasts(refEvents(events), hfilters(0, HOUR), W3D);
    expect(answer.broadcasts.map((r) => [r.broadcastId, r.firstSentAt, r.leads])).toEqual([
      ["late", new Date(T0 + 30 * MIN).toISOString(), 1],
      ["early", new Date(T0).toISOString(), 1],
    ]);
    expect(answer.currency).toBe("RUB");
  });

  it("chooses the currency with the most attributed revenue unless one is asked", () => {
    const events = [
      hev("a", "broadcast_delivered", 0, b("x")),
      hev("a", "order", 1, { revenue: 3, currency: "USD" }),
      hev("b", "broadcast_delivered", 0, b("y")),
      hev("b", "order", 1, { revenue: 2, currency: "EUR" }),
    ];
    const answer = refBroadcasts(refEvents(events), hfilters(0, HOUR), W3D);
    expect(answer.currency).toBe("USD");
    expect(answer.broadcasts.map((r) => [r.broadcastId, r.revenue, r.otherRevenue])).toEqual([
      ["x", { amount: 3, currency: "USD" }, []],
      ["y", { amount: 0, currency: "USD" }, [{ amount: 2, currency: "EUR" }]],
    ]);
    expect(refBroadcasts(refEvents(events), hfilters(0, HOUR, { currency: "EUR" }), W3D).currency).toBe("EUR");
  });

  it("detail: the list's row plus each user in the local hour first proving the stage; undefined (404) for an unknown id", () => {
    const events = [
      hev("a", "broadcast_sent", 0, { ...b("x"), channel: "whatsapp" }),
      hev("a", "broadcast_delivered", 20 * MIN, { ...b("x"), channel: "whatsapp" }),
      hev("a", "broadcast_read", 40 * MIN, { ...b("x"), channel: "whatsapp" }),
      hev("a", "broadcast_read", 50 * MIN, { ...b("x"), channel: "whatsapp" }),
      hev("b", "broadcast_clicked", 35 * MIN, { ...b("x"), channel: "whatsapp" }),
    ];
    const filters = hfilters(0, HOUR, { tz: "Asia/Kolkata" });
    const detail = refBroadcastDetail(refEvents(events), filters, W3D, "x")!;
    expect(BroadcastDetailResponseSchema.parse(detail)).toEqual(detail);
    expect(detail.broadcast).toEqual(refBroadcasts(refEvents(events), filters, W3D).broadcasts[0]);
    // Kolkata is UTC+05:30: its hours start at :30 UTC.
    expect(detail.hours).toEqual([
      { hour: new Date(T0 - 30 * MIN).toISOString(), delivered: 1, read: 0, clicked: 0 },
      { hour: new Date(T0 + 30 * MIN).toISOString(), delivered: 1, read: 1, clicked: 1 },
    ]);
    expect(refBroadcastDetail(refEvents(events), filters, W3D, "nope")).toBeUndefined();
    // Outside the range, the list would not contain it: 404 as well.
    expect(refBroadcastDetail(refEvents(events), hfilters(HOUR, 2 * HOUR), W3D, "x")).toBeUndefined();
    const telegram = refBroadcastDetail(refEvents([hev("a", "broadcast_delivered", 0, b("t"))]), hfilters(0, HOUR), W3D, "t")!;
    expect(telegram.hours).toEqual([{ hour: new Date(T0).toISOString(), delivered: 1, read: null, clicked: 0 }]);
  });

  it("follows the common filters and counts a resend once", () => {
    const sent = hev("a", "broadcast_sent", 0, b("x"));
    const events = [sent, { ...sent }, hev("a", "broadcast_sent", 0, { ...b("x"), channel: "vk" }), hev("c", "broadcast_sent", 0, { ...b("x"), botId: "bot-b" })];
    expect(refBroadcasts(refEvents(events), hfilters(0, HOUR), W3D).broadcasts[0]!.sent).toBe(3);
    expect(refBroadcasts(refEvents(events), hfilters(0, HOUR, { channels: ["vk"] }), W3D).broadcasts[0]).toMatchObject({ sent: 1, channels: ["vk"] });
    expect(refBroadcasts(refEvents(events), hfilters(0, HOUR, { botId: "bot-b" }), W3D).broadcasts[0]!.sent).toBe(1);
  });
});
