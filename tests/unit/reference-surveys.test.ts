import { describe, expect, it } from "vitest";
import { SurveysResponseSchema, type Event } from "@chatfunnel/schemas";
import { refSurveys } from "../reference/surveys.js";
import { HOUR, MIN, hev, hfilters, refEvents } from "../reference/hand-events.js";

const answered = (user: string, at: number, properties: Event["properties"]) => hev(user, "survey_answered", at, { properties });
const W7D = 7 * 86_400;

describe("surveys reference", () => {
  it("groups responses by question and answer as stored text, missing or empty ones under null", () => {
    const events = [
      answered("a", 0, { question: "color", answer: "red" }),
      hev("a", "lead", 10 * MIN),
      answered("b", MIN, { question: "color", answer: "red" }),
      answered("a", 2 * MIN, { question: "color", answer: "red" }),
      answered("c", 0, { question: "color", answer: "blue" }),
      hev("c", "order", 0, { revenue: 1, currency: "RUB" }),
      answered("d", 0, { question: "rating", answer: 5 }),
      answered("e", 0, { answer: "x" }),
      answered("f", 0, { question: "", answer: "" }),
      answered("g", HOUR, { question: "color", answer: "red" }), // at `to`: out of range
    ];
    const answer = refSurveys(refEvents(events), hfilters(0, HOUR), W7D);
    expect(SurveysResponseSchema.parse(answer)).toEqual(answer);
    expect(answer.questions).toEqual([
      {
        question: "color",
        responses: 4,
        users: 3,
        answers: [
          { answer: "red", responses: 3, users: 2, leadShare: 1 / 2, orderShare: 0 },
          { answer: "blue", responses: 1, users: 1, leadShare: 0, orderShare: 1 },
        ],
        otherResponses: 0,
      },
      {
        question: null,
        responses: 2,
        users: 2,
        answers: [
          { answer: "x", responses: 1, users: 1, leadShare: 0, orderShare: 0 },
          { answer: null, responses: 1, users: 1, leadShare: 0, orderShare: 0 },
        ],
        otherResponses: 0,
      },
      { question: "rating", responses: 1, users: 1, answers: [{ answer: "5", responses: 1, users: 1, leadShare: 0, orderShare: 0 }], otherResponses: 0 },
    ]);
  });

  it("counts a lead at answeredAt ≤ t ≤ answeredAt + window from the user's earliest such answer, past `to` too", () => {
    const yes = { question: "buy?", answer: "yes" };
    const events = [
      answered("a", 0, yes),
      answered("a", 30 * MIN, yes),
      hev("a", "lead", 70 * MIN), // within an hour of the second answer only: the earliest one decides
      answered("b", 0, yes),
      hev("b", "lead", HOUR + 1), // 1 ms late
      answered("c", 10 * MIN, yes),
      hev("c", "lead", 9 * MIN), // before the answer
      answered("d", 50 * MIN, yes),
      hev("d", "lead", 100 * MIN), // after `to`, within the window
      answered("e", 0, yes),
      hev("e", "lead", HOUR), // exactly at the window's end
    ];
    const [question] = refSurveys(refEvents(events), hfilters(0, HOUR), 3600).questions;
    expect(question!.answers).toEqual([{ answer: "yes", responses: 6, users: 5, leadShare: 2 / 5, orderShare: 0 }]);
  });

  it("lists the 50 answers with most responses (ties by text) and sums the rest", () => {
    const events: Event[] = [];
    for (let i = 0; i < 52; i++) events.push(answered(`u${i}`, 0, { question: "q", answer: `a${String(i).padStart(2, "0")}` }));
    events.push(answered("x", 0, { question: "q", answer: "a51" }), answered("y", 0, { question: "q", answer: "a51" }), answered("z", 0, { question: "q", answer: "a50" }));
    const [question] = refSurveys(refEvents(events), hfilters(0, HOUR), W7D).questions;
    expect(question!.responses).toBe(55);
    expect(question!.answers).toHaveLength(50);
    expect(question!.answers.slice(0, 3).map((a) => [a.answer, a.responses])).toEqual([
      ["a51", 3],
      ["a50", 2],
      ["a00", 1],
    ]);
    expect(question!.answers.at(-1)!.answer).toBe("a47");
    expect(question!.otherResponses).toBe(2);
  });

  it("breaks ties by the answer's UTF-8 bytes, as the engine sorts text", () => {
    // UTF-16 puts the emoji (a surrogate pair, 0xD83D…) before U+FF21; UTF-8 puts it after (F0… > EF…).
    const events = [answered("a", 0, { question: "q", answer: "\u{1F600}" }), answered("b", 0, { question: "q", answer: "\uFF21" })];
    expect(refSurveys(refEvents(events), hfilters(0, HOUR), W7D).questions[0]!.answers.map((a) => a.answer)).toEqual(["\uFF21", "\u{1F600}"]);
  });
});
