/**
 * Bad input on /api/v1/surveys, /api/v1/paths and /api/v1/paths/users is a 400 naming the parameter, never a 500;
 * texts the engine must take as data (quotes, a backslash, non-BMP letters in a label, a start type nobody sent)
 * answer 200. Also the node-users CSV (header, quoting, X-Total-Count) and paging past the end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import type { Event } from "@chatfunnel/schemas";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

const RANGE = "from=2026-05-01&to=2026-05-03";
const at = (minute: number) => new Date(Date.UTC(2026, 4, 1, 10, minute)).toISOString();
const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

describe("surveys and paths: bad input is a 400 naming the parameter, never a 500", () => {
  let storage: Storage;
  let testApp: TestApp;
  let readKey: string;
  const get = (path: string) => request(testApp.app).get(`/api/v1/${path}`).set("Authorization", `Bearer ${readKey}`);

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
    const project = await createProject(storage);
    readKey = project.readKey;
    const events: Event[] = [
      { id: id(1), type: "bot_started", channel: "telegram", botId: "b", userId: "=cmd,1", timestamp: at(0) },
      { id: id(2), type: "button_clicked", channel: "telegram", botId: "b", userId: "=cmd,1", timestamp: at(1), properties: { button: 'say "hi" \\ 𝄞' } },
      { id: id(3), type: "bot_started", channel: "vk", botId: "b", userId: "-42", timestamp: at(2) },
      { id: id(4), type: "survey_answered", channel: "vk", botId: "b", userId: "-42", timestamp: at(3), properties: { question: "q'\\", answer: 'a"' } },
    ];
    await loadEventsInTwoParts(storage, project.projectId, events);
  });
  afterAll(async () => testApp.close());

  it.each([
    ["surveys", "window=0d", "window"],
    ["surveys", "window=91d", "window"],
    ["surveys", "window=abc", "window"],
    ["paths", "depth=1", "depth"],
    ["paths", "depth=11", "depth"],
    ["paths", "depth=two", "depth"],
    ["paths", "start=", "start"],
    ["paths", `start=${"x".repeat(65)}`, "start"],
    ["paths/users", "kind=button&label=x", "step"],
    ["paths/users", "step=0&kind=button&label=x", "step"],
    ["paths/users", "step=6&kind=button&label=x", "step"],
    ["paths/users", "step=3&depth=2&kind=button&label=x", "step"],
    ["paths/users", "step=2&kind=edge&label=x", "kind"],
    ["paths/users", "step=2&kind=button", "label"],
    ["paths/users", "step=2&kind=button&label=", "label"],
    ["paths/users", `step=2&kind=button&label=${"x".repeat(1025)}`, "label"],
    ["paths/users", "step=2&kind=button&label=x&limit=0", "limit"],
    ["paths/users", "step=2&kind=button&label=x&offset=-1", "offset"],
    ["paths/users", "step=2&kind=button&label=x&format=xml", "format"],
  ])("%s?%s is a 400 naming %s", async (path, params, parameter) => {
    const res = await get(`${path}?${RANGE}&${params}`);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe("invalid_parameter");
    expect(res.body.error.message).toContain(`'${parameter}'`);
  });

  it("texts are data: quotes, backslashes and non-BMP letters answer 200", async () => {
    const surveys = await get(`surveys?${RANGE}`);
    expect(surveys.status).toBe(200);
    expect(surveys.body.questions).toEqual([
      { question: "q'\\", responses: 1, users: 1, otherResponses: 0, answers: [{ answer: 'a"', responses: 1, users: 1, leadShare: 0, orderShare: 0 }] },
    ]);
    const paths = await get(`paths?${RANGE}&start=${encodeURIComponent("no_such_type")}`);
    expect(paths.status).toBe(200);
    expect(paths.body).toMatchObject({ users: 0, nodes: [], links: [] });
    const label = encodeURIComponent('say "hi" \\ 𝄞');
    const users = await get(`paths/users?${RANGE}&step=2&kind=button&label=${label}`);
    expect(users.status, JSON.stringify(users.body)).toBe(200);
    expect(users.body.users).toEqual([{ channel: "telegram", userId: "=cmd,1", ended: true }]);
  });

  it("node users as CSV: quoted like the drop-off list, the total in X-Total-Count; a page past the end keeps the total", async () => {
    const csv = await get(`paths/users?${RANGE}&step=1&kind=type&label=bot_started&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.headers["x-total-count"]).toBe("2");
    expect(csv.text).toBe(`channel,userId,ended\r\ntelegram,"'=cmd,1",false\r\nvk,-42,false\r\n`);
    const accept = await get(`paths/users?${RANGE}&step=1&kind=type&label=bot_started`).set("Accept", "text/csv");
    expect(accept.text).toBe(csv.text);
    const past = await get(`paths/users?${RANGE}&step=1&kind=type&label=bot_started&offset=5&limit=1`);
    expect(past.body).toMatchObject({ total: 2, users: [], offset: 5, limit: 1 });
  });
});
