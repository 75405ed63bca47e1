import { describe, expect, it } from "vitest";
import { SupportResponseSchema } from "@chatfunnel/schemas";
import { refSupport } from "../reference/support.js";
import { DAY, HOUR, MIN, hev, hfilters, refEvents } from "../reference/hand-events.js";

const S = 1000;
const operator = { properties: { sender: "operator" } };

describe("support reference", () => {
  it("rates over requests, the bot's and the humans' first responses", () => {
    const events = [
      // A: the bot answers in 10 s, hands off, an operator answers 90 s after the handoff, resolved
      hev("A", "message_received", 0),
      hev("A", "message_sent", 10 * S),
      hev("A", "handoff", MIN),
      hev("A", "message_sent", MIN + 90 * S, operator),
      hev("A", "resolved", 5 * MIN),
      // B: the bot answers in 30 s (sender given as bot) and resolves it
      hev("B", "message_received", 0),
      hev("B", "message_sent", 30 * S, { properties: { sender: "bot" } }),
      hev("B", "resolved", 2 * MIN),
      // C: unanswered
      hev("C", "message_received", 0),
      // D: an operator writes before the handoff: neither the bot's answer nor the answer to the handoff
      hev("D", "message_received", 0),
      hev("D", "message_sent", 10 * S, operator),
      hev("D", "handoff", 20 * S),
      // E: a payment without a request: in the mix, not in the rates
      hev("E", "payment", 0, { revenue: 1, currency: "RUB" }),
    ];
    const answer = refSupport(refEvents(events), hfilters(0, HOUR), "day");
    expect(SupportResponseSchema.parse(answer)).toEqual(answer);
    expect(answer).toMatchObject({
      requests: 4,
      containedRate: 2 / 4,
      handoffRate: 2 / 4,
      resolvedRate: 2 / 4,
      botResolvedRate: 1 / 4,
      resolved: 2,
      reopened: 0,
      reopenedRate: 0,
      botAnsweredSessions: 2,
      medianBotFirstResponseSeconds: 20,
      operatorAnsweredSessions: 1,
      medianOperatorFirstResponseSeconds: 90,
      csat: { responses: 0, mean: null },
      mix: [{ bucket: "2026-05-12", sessions: 5, paymentShare: 1 / 5, leadShare: 0, surveyShare: 0, handoffShare: 2 / 5 }],
    });
  });

  it("reopened: another session with a request at resolvedAt < start ≤ resolvedAt + 24 h, seen only before `to`", () => {
    const events = [
      // U1: the last resolution counts (10 min); the next request exactly 24 h later reopens it
      hev("U1", "message_received", 0),
      hev("U1", "resolved", 5 * MIN),
      hev("U1", "resolved", 10 * MIN),
      hev("U1", "message_received", 10 * MIN + DAY),
      // U2: 1 ms too late
      hev("U2", "message_received", 0),
      hev("U2", "resolved", 10 * MIN),
      hev("U2", "message_received", 10 * MIN + DAY + 1),
      // U3: the next session has no request (a button press): not a reopen
      hev("U3", "message_received", 0),
      hev("U3", "resolved", 10 * MIN),
      hev("U3", "button_clicked", 2 * HOUR),
      // U4: resolved by a person after a handoff, back within the hour
      hev("U4", "message_received", 0),
      hev("U4", "handoff", MIN),
      hev("U4", "resolved", 10 * MIN),
      hev("U4", "message_received", HOUR),
    ];
    expect(refSupport(refEvents(events), hfilters(0, 3 * DAY), "day")).toMatchObject({ requests: 7, resolved: 4, reopened: 2, reopenedRate: 2 / 4 });
    // With `to` before U1's return, that session is not seen yet.
    expect(refSupport(refEvents(events), hfilters(0, DAY), "day")).toMatchObject({ requests: 5, resolved: 4, reopened: 1 });
  });

  it("a person's first answer counts in a later session too, up to 24 h after the handoff and before `to`", () => {
    const events = [
      // a: the operator answers 45 min later, past the session gap: 2 700 s
      hev("a", "message_received", 0),
      hev("a", "handoff", 0),
      hev("a", "message_sent", 45 * MIN, operator),
      // b: exactly 24 h later: counts
      hev("b", "message_received", 0),
      hev("b", "handoff", 0),
      hev("b", "message_sent", DAY, operator),
      // c: 1 ms past 24 h: unanswered
      hev("c", "message_received", 0),
      hev("c", "handoff", 0),
      hev("c", "message_sent", DAY + 1, operator),
      // d: the same user's operator messages on another channel are another user's
      hev("d", "message_received", 0),
      hev("d", "handoff", 0),
      hev("d", "message_sent", MIN, { ...operator, channel: "vk" }),
    ];
    expect(refSupport(refEvents(events), hfilters(0, 2 * DAY), "day")).toMatchObject({ operatorAnsweredSessions: 2, medianOperatorFirstResponseSeconds: (2_700 + 86_400) / 2 });
    // With `to` at 1 h, b's answer does not exist yet.
    expect(refSupport(refEvents(events), hfilters(0, HOUR), "day")).toMatchObject({ operatorAnsweredSessions: 1, medianOperatorFirstResponseSeconds: 2_700 });
  });

  it("medians: 0 s for an answer at the same instant, the mean of the two middle values for an even count", () => {
    const events = [0, 3, 4, 10].flatMap((seconds, i) => [hev(`u${i}`, "message_received", 0), hev(`u${i}`, "message_sent", seconds * S), hev(`u${i}`, "message_sent", seconds * S + 1)]);
    expect(refSupport(refEvents(events), hfilters(0, HOUR), "day")).toMatchObject({ botAnsweredSessions: 4, medianBotFirstResponseSeconds: 3.5 });
    const one = [hev("a", "message_received", 0), hev("a", "message_sent", 0), hev("a", "handoff", MIN), hev("a", "message_sent", MIN, operator)];
    expect(refSupport(refEvents(one), hfilters(0, HOUR), "day")).toMatchObject({ medianBotFirstResponseSeconds: 0, medianOperatorFirstResponseSeconds: 0 });
  });

  it("CSAT: survey_answered in range with question csat and a rating 1–5", () => {
    const csat = (user: string, at: number, answer: string | number, question = "csat") => hev(user, "survey_answered", at, { properties: { question, answer } });
    const events = [csat("a", 0, "5"), csat("b", MIN, "4"), csat("c", MIN, 4), csat("d", MIN, "7"), csat("e", MIN, 5, "nps"), csat("f", HOUR, 1)];
    const answer = refSupport(refEvents(events), hfilters(0, HOUR), "day");
    expect(answer.csat).toEqual({
      responses: 3,
      mean: 4.3333,
      distribution: [
        { rating: "1", responses: 0 },
        { rating: "2", responses: 0 },
        { rating: "3", responses: 0 },
        { rating: "4", responses: 2 },
        { rating: "5", responses: 1 },
      ],
    });
  });

  it("use-case mix: every local bucket of the range, over all sessions starting in it, a session in several shares", () => {
    const events = [
      hev("a", "order", 0, { revenue: 1, currency: "RUB" }),
      hev("a", "lead", MIN),
      hev("a", "survey_answered", 2 * MIN, { properties: { question: "q", answer: "x" } }),
      hev("b", "message_received", 0),
      hev("c", "handoff", DAY + 20 * HOUR),
    ];
    const days = refSupport(refEvents(events), hfilters(0, 2 * DAY), "day").mix;
    expect(days).toEqual([
      { bucket: "2026-05-12", sessions: 2, paymentShare: 1 / 2, leadShare: 1 / 2, surveyShare: 1 / 2, handoffShare: 0 },
      { bucket: "2026-05-13", sessions: 0, paymentShare: null, leadShare: null, surveyShare: null, handoffShare: null },
      { bucket: "2026-05-14", sessions: 1, paymentShare: 0, leadShare: 0, surveyShare: 0, handoffShare: 1 },
    ]);
    // Tuesday 2026-05-12 is in the week of Monday the 11th; in Moscow c's 05:00 UTC handoff is 08:00 on the 14th.
    expect(refSupport(refEvents(events), hfilters(0, 2 * DAY, { tz: "Europe/Moscow" }), "week").mix).toEqual([
      { bucket: "2026-05-11", sessions: 3, paymentShare: 1 / 3, leadShare: 1 / 3, surveyShare: 1 / 3, handoffShare: 1 / 3 },
    ]);
    expect(refSupport(refEvents([]), hfilters(0, HOUR), "month")).toMatchObject({ requests: 0, containedRate: null, reopenedRate: null, medianBotFirstResponseSeconds: null, mix: [{ bucket: "2026-05-01", sessions: 0 }] });
  });
});
