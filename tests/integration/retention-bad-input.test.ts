/**
 * Bad input on /api/v1/retention and /api/v1/retention/users: a bad parameter is a 400 naming it, never a 500;
 * odd but valid input (an empty project, a return type nobody sends, hostile text in filters) answers 200.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { RetentionResponseSchema, RetentionUsersResponseSchema } from "@chatfunnel/schemas";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { hev } from "../reference/hand-events.js";

const RANGE = "from=2026-05-11&to=2026-05-25&tz=UTC";
const CELL = `${RANGE}&cohortStart=2026-05-11&period=0`;

describe("retention: bad input is a 400 naming the parameter", () => {
  let storage: Storage;
  let testApp: TestApp;
  let readKey: string;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
    const project = await createProject(storage);
    readKey = project.readKey;
    // T0 is Tue 2026-05-12: one user first seen in the week of the 11th, back a week later.
    await loadEventsInTwoParts(storage, project.projectId, [hev("A", "message_received", 0), hev("A", "order", 7 * 86_400_000, { revenue: 5, currency: "RUB" })]);
  });
  afterAll(async () => testApp.close());

  const get = (path: string, query: string) => request(testApp.app).get(`/api/v1/${path}?${query}`).set("Authorization", `Bearer ${readKey}`);

  it.each([
    ["retention", `${RANGE}&periods=25`, "periods"],
    ["retention", `${RANGE}&periods=0`, "periods"],
    ["retention", `${RANGE}&periods=1.5`, "periods"],
    ["retention", `${RANGE}&periods=many`, "periods"],
    ["retention", `${RANGE}&cohort=x`, "cohort"],
    ["retention", `${RANGE}&cohort=first_seen&cohort=first_lead`, "cohort"],
    ["retention", `${RANGE}&return=bogus type!`, "return"],
    ["retention", `${RANGE}&return=${"x".repeat(200)}`, "return"],
    ["retention", `${RANGE}&return=`, "return"],
    ["retention", `${RANGE}&interval=hour`, "interval"],
    ["retention", `${RANGE}&breakdown=botId`, "breakdown"],
    ["retention", `${RANGE}&breakdown=channel&breakdown=campaign`, "breakdown"],
    ["retention", `${RANGE}&currency=rubles`, "currency"],
    ["retention", "from=2020-01-01&to=2026-01-01&interval=day", "to"],
    ["retention", "to=2026-05-13", "from"],
    ["retention", "from=2026-05-13&to=2026-05-12", "to"],
    ["retention", RANGE.replace("tz=UTC", "tz=Mars/Olympus"), "tz"],
    ["retention/users", RANGE, "cohortStart"],
    ["retention/users", `${RANGE}&cohortStart=2026-05-12&period=0`, "cohortStart"],
    ["retention/users", `${RANGE}&cohortStart=2026-06-01&period=0`, "cohortStart"],
    ["retention/users", `${RANGE}&cohortStart=May&period=0`, "cohortStart"],
    ["retention/users", `${RANGE}&cohortStart=2026-05-11`, "period"],
    ["retention/users", `${RANGE}&cohortStart=2026-05-11&period=8`, "period"],
    ["retention/users", `${RANGE}&cohortStart=2026-05-11&period=-1`, "period"],
    ["retention/users", `${CELL}&group=telegram`, "group"],
    ["retention/users", `${CELL}&format=xml`, "format"],
    ["retention/users", `${CELL}&limit=0`, "limit"],
    ["retention/users", `${CELL}&limit=10001`, "limit"],
    ["retention/users", `${CELL}&offset=-1`, "offset"],
    ["retention/users", `${CELL}&periods=25`, "periods"],
  ])("GET %s?%s is a 400 naming '%s'", async (path, query, parameter) => {
    const res = await get(path, query);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe("invalid_parameter");
    expect(res.body.error.message).toContain(`'${parameter}'`);
    expect(res.body.error.details.map((d: { path: string }) => d.path.split(".")[0])).toContain(parameter);
  });

  it("needs a read key", async () => {
    expect((await request(testApp.app).get(`/api/v1/retention?${RANGE}`)).status).toBe(401);
    expect((await request(testApp.app).get(`/api/v1/retention/users?${CELL}`)).status).toBe(401);
  });

  it("answers the defaults: weekly, 8 periods, first seen, any return", async () => {
    const res = await get("retention", RANGE);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = RetentionResponseSchema.parse(res.body);
    expect(body).toMatchObject({ interval: "week", periods: 8, cohort: "first_seen", return: "any", breakdown: null, currency: "RUB", groupsTruncated: false });
    expect(body.cohorts.map((c) => [c.start, c.size, c.cells.map((cell) => cell.users)])).toEqual([["2026-05-11", 1, [1, 1, null, null, null, null, null, null]]]);
    expect(body.cohorts[0]!.cells.map((c) => c.revenuePerUser)).toEqual([0, 5, null, null, null, null, null, null]);
  });

  it.each([
    ["a return type nobody sends", `${RANGE}&return=never_sent`],
    ["hostile filter text", `${RANGE}&botId=${encodeURIComponent("x' OR 1=1 --")}&campaign=${encodeURIComponent('"; DROP TABLE events')}`],
    ["24 monthly periods by campaign", `${RANGE}&interval=month&periods=24&breakdown=campaign`],
    ["a lead cohort nobody is in", `${RANGE}&cohort=first_lead&breakdown=source`],
  ])("%s answers 200", async (_name, query) => {
    const res = await get("retention", query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    RetentionResponseSchema.parse(res.body);
  });

  it("lists a cell's users as JSON and CSV; a group with a breakdown, empty text for users without one", async () => {
    const json = await get("retention/users", `${RANGE}&cohortStart=2026-05-11&period=1`);
    expect(json.status, JSON.stringify(json.body)).toBe(200);
    expect(RetentionUsersResponseSchema.parse(json.body)).toEqual({
      cohortStart: "2026-05-11",
      period: 1,
      total: 1,
      limit: 1000,
      offset: 0,
      users: [{ channel: "telegram", userId: "A", cohortAt: "2026-05-12T09:00:00.000Z", returnedAt: "2026-05-19T09:00:00.000Z" }],
    });
    const csv = await get("retention/users", `${RANGE}&cohortStart=2026-05-11&period=1&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.headers["x-total-count"]).toBe("1");
    expect(csv.text).toBe("channel,userId,cohortAt,returnedAt\r\ntelegram,A,2026-05-12T09:00:00.000Z,2026-05-19T09:00:00.000Z\r\n");
    const noCampaign = await get("retention/users", `${CELL}&breakdown=campaign&group=`);
    expect(noCampaign.body).toMatchObject({ group: null, total: 1 });
    const spring = await get("retention/users", `${CELL}&breakdown=campaign&group=spring`);
    expect(spring.body).toMatchObject({ group: "spring", total: 0, users: [] });
    const pastEnd = await get("retention/users", `${CELL}&offset=5`);
    expect(pastEnd.body).toMatchObject({ total: 1, users: [] });
  });
});
