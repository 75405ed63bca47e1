import { describe, expect, it } from "vitest";
import { CSAT_QUESTION, CSAT_RATINGS, EventSchema, eventJsonSchema, toFieldErrors } from "@chatfunnel/schemas";
import { makeEvent } from "../support/events.js";

const errorsOf = (value: unknown) => {
  const parsed = EventSchema.safeParse(value);
  return parsed.success ? [] : toFieldErrors(parsed.error);
};

/** Issue 12, "Bad input": reserved properties the metrics read are refused at their field when unreadable. */
describe("reserved properties with a meaning", () => {
  it("takes sender bot or operator on message_sent, and no sender at all (the bot)", () => {
    const cases: (Record<string, string> | undefined)[] = [undefined, {}, { sender: "bot" }, { sender: "operator", node: "support" }];
    for (const properties of cases) {
      expect(errorsOf(makeEvent({ type: "message_sent", properties }))).toEqual([]);
    }
  });

  it.each([["human"], ["Operator"], [""], [1], [true], [null]])("refuses sender %j on message_sent by its field", (sender) => {
    expect(errorsOf(makeEvent({ type: "message_sent", properties: { sender } }))).toEqual([{ path: "properties.sender", message: expect.stringContaining('"bot" or "operator"') }]);
  });

  it("leaves sender alone on other types: it has a meaning only on message_sent", () => {
    expect(errorsOf(makeEvent({ type: "message_received", properties: { sender: "customer" } }))).toEqual([]);
    expect(errorsOf(makeEvent({ type: "note_added", properties: { sender: "anyone" } }))).toEqual([]);
  });

  it.each([[1], [5], ["1"], ["5"], [3]])("takes the CSAT answer %j", (answer) => {
    expect(errorsOf(makeEvent({ type: "survey_answered", properties: { question: "csat", answer } }))).toEqual([]);
  });

  it.each([[0], [6], [4.5], ["4.5"], ["05"], [" 5"], ["five"], [""], [null], [true], [undefined]])("refuses the CSAT answer %j by its field", (answer) => {
    const properties: Record<string, string | number | boolean | null> = answer === undefined ? { question: "csat" } : { question: "csat", answer };
    expect(errorsOf(makeEvent({ type: "survey_answered", properties }))).toEqual([{ path: "properties.answer", message: expect.stringContaining("rating 1–5") }]);
  });

  it("lets through exactly the ratings the support report reads (its CSAT_QUESTION and CSAT_RATINGS)", () => {
    const accepted = (answer: string | number) => errorsOf(makeEvent({ type: "survey_answered", properties: { question: CSAT_QUESTION, answer } })).length === 0;
    const digits = Array.from({ length: 10 }, (_, d) => String(d));
    expect(digits.filter((d) => accepted(d))).toEqual([...CSAT_RATINGS]);
    expect(digits.filter((d) => accepted(Number(d)))).toEqual([...CSAT_RATINGS]);
  });

  it("leaves answers of other questions free text", () => {
    for (const properties of [{ question: "audience_age", answer: "25–34" }, { question: "nps", answer: 9 }, { question: "poll:123", answer: "0,2" }]) {
      expect(errorsOf(makeEvent({ type: "survey_answered", properties }))).toEqual([]);
    }
  });

  it("reports a reserved property beside the event's other problems", () => {
    const paths = errorsOf(makeEvent({ type: "message_sent", userId: "", properties: { sender: "human" } })).map((e) => e.path);
    expect(paths.sort()).toEqual(["properties.sender", "userId"]);
  });

  it("keeps the JSON Schema export working (the checks are beyond JSON Schema and not in it)", () => {
    const schema = eventJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["type", "properties", "broadcastId"]));
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
