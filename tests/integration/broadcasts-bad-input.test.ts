/**
 * Bad input on /api/v1/broadcasts and /broadcasts/{id}: a bad parameter is a 400 naming it, an id the list would
 * not show (unknown, or starting outside the range, or outside the filters) a 404 naming that id, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { MAX_ID_LENGTH } from "@chatfunnel/contract";
import { broadcastNotFoundMessage, type Event } from "@chatfunnel/schemas";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

const RANGE = "from=2026-05-12&to=2026-05-13&tz=UTC";

describe("broadcasts: bad input is a 400 or a 404 naming what is wrong", () => {
  let storage: Storage;
  let testApp: TestApp;
  let readKey: string;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
    const project = await createProject(storage);
    readKey = project.readKey;
    const event = (id: number, broadcastId: string, timestamp: string, channel: Event["channel"] = "telegram"): Event => ({
      id: `00000000-0000-4000-8000-${id.toString(16).padStart(12, "0")}`,
      type: "broadcast_sent",
      channel,
      botId: "bot-a",
      userId: "u1",
      timestamp,
      broadcastId,
    });
    await loadEventsInTwoParts(storage, project.projectId, [
      event(1, "fri-sale", "2026-05-12T10:00:00.000Z"),
      event(2, "last-week", "2026-05-05T10:00:00.000Z"),
      event(3, "vk-only", "2026-05-12T11:00:00.000Z", "vk"),
    ]);
  });
  afterAll(async () => testApp.close());

  const get = (path: string) => request(testApp.app).get(`/api/v1/${path}`).set("Authorization", `Bearer ${readKey}`);

  it.each([
    ["broadcasts?from=2026-05-12", "to"],
    [`broadcasts?${RANGE}&window=5x`, "window"],
    [`broadcasts?${RANGE}&window=91d`, "window"],
    [`broadcasts?${RANGE}&channel=icq`, "channel"],
    [`broadcasts?${RANGE}&tz=Mars/Olympus`, "tz"],
    ["broadcasts?from=2026-05-13&to=2026-05-12", "to"],
    [`broadcasts/fri-sale?${RANGE}&window=0m`, "window"],
    [`broadcasts/fri-sale?to=2026-05-13`, "from"],
    [`broadcasts/${"x".repeat(MAX_ID_LENGTH + 1)}?${RANGE}`, "id"],
    // Not UTF-8 once decoded (a lone surrogate's bytes; a stray %): the router refuses it before any handler.
    [`broadcasts/low%ED%BF%BF?${RANGE}`, "id"],
    [`broadcasts/50%?${RANGE}`, "id"],
  ])("GET %s is a 400 naming '%s'", async (path, parameter) => {
    const res = await get(path);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe("invalid_parameter");
    expect(res.body.error.message).toContain(`'${parameter}'`);
    expect(res.body.error.details.map((d: { path: string }) => d.path.split(".")[0])).toContain(parameter);
  });

  it.each([
    ["no-such-broadcast", RANGE],
    ['fri "sale" ✓', RANGE],
    // it exists, but starts before the range
    ["last-week", RANGE],
    // it exists, but not on the channel asked
    ["vk-only", `${RANGE}&channel=telegram`],
  ])("GET broadcasts/%s is a 404 naming the id", async (id, query) => {
    const res = await get(`broadcasts/${encodeURIComponent(id)}?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(404);
    expect(res.body.error.code).toBe("not_found");
    expect(res.body.error.message).toBe(broadcastNotFoundMessage(id));
  });

  it("answers a listed id, and lists exactly the broadcasts starting in the range", async () => {
    const list = await get(`broadcasts?${RANGE}`);
    expect(list.status).toBe(200);
    expect(list.body.broadcasts.map((b: { broadcastId: string }) => b.broadcastId)).toEqual(["vk-only", "fri-sale"]);
    const detail = await get(`broadcasts/fri-sale?${RANGE}`);
    expect(detail.status, JSON.stringify(detail.body)).toBe(200);
    expect(detail.body.broadcast).toEqual(list.body.broadcasts[1]);
    expect(detail.body.broadcast.read).toBeNull();
  });
});
