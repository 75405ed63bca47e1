/**
 * A bot not written in TypeScript: a real Python process (tests/support/python/telegram_forwarder.py,
 * standard library only, what the README's aiogram middleware does) forwards raw Telegram updates to
 * /v1/updates/telegram and posts its leads to /v1/events, over HTTP, to the embedded collector on
 * chDB. Users arrive through a tracked link; the marketer's numbers are then read through the API:
 * leads, the funnel, and CPL under the link's campaign.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { CostsResponseSchema, FunnelResponseSchema, LinkSchema, OverviewResponseSchema } from "@chatfunnel/schemas";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";

const FORWARDER = path.resolve(import.meta.dirname, "../support/python/telegram_forwarder.py");
const fixtures = path.resolve(import.meta.dirname, "../fixtures/telegram");
const fixture = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(fixtures, file), "utf8")) as Record<string, unknown>;
const BOT = "shop_py_bot";
const DAY_START = Date.parse("2026-05-01T09:00:00Z") / 1000;

/** A real corpus update re-addressed to one user at one time; the rest of its fields stay as published. */
function readdressed(file: string, updateId: number, userId: number, date: number, patch: Record<string, unknown>): Record<string, unknown> {
  const update = structuredClone(fixture(file));
  update["update_id"] = updateId;
  const message = update["message"] as Record<string, unknown>;
  Object.assign(message, { date, message_id: updateId, from: { ...(message["from"] as object), id: userId }, chat: { ...(message["chat"] as object), id: userId, type: "private" } }, patch);
  return update;
}

interface Answer {
  status: number;
  body: { accepted?: number; skipped?: unknown[]; rejected?: unknown[] };
}

/** Runs the Python forwarder over the updates (one JSON text per line) and returns its answers per update. */
function runForwarder(endpoint: string, writeKey: string, updates: object[]): Promise<Answer[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [FORWARDER, endpoint, writeKey, BOT], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`python3 forwarder exited ${code}: ${err}`));
      resolve(out.trim().split("\n").map((line) => JSON.parse(line) as Answer[]));
    });
    child.stdin.end(updates.map((update) => JSON.stringify(update)).join("\n") + "\n");
  });
}

describe("a Python bot forwarding raw updates", () => {
  let storage: Storage;
  let testApp: TestApp;
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
    server = testApp.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await testApp.close();
  });

  it("gets leads, the funnel and CPL by the tracked link's campaign right", async () => {
    const project = await createProject(storage);
    const api = (url: string) => request(testApp.app).get(url).set("Authorization", `Bearer ${project.readKey}`);
    const link = LinkSchema.parse(
      (await request(testApp.app).post("/api/v1/links").set("Authorization", `Bearer ${project.manageKey}`).send({ channel: "telegram", target: BOT, campaign: "black_friday", source: "vk_ads" }).expect(201)).body,
    );
    await request(testApp.app)
      .post("/api/v1/spend")
      .set("Authorization", `Bearer ${project.manageKey}`)
      .send({ rows: [{ date: "2026-05-01", channel: "telegram", campaign: "black_friday", amount: 3000, currency: "RUB" }] })
      .expect(200);

    // 6 users open the link; 4 share their phone (a lead, by the bot's rule); 2 of those pay.
    // Start: core.telegram.org's "message with text" example; contact: opsdroid's contact update;
    // payment: the Bot API's SuccessfulPayment fields (core.telegram.org/bots/api#successfulpayment).
    const users = [101, 102, 103, 104, 105, 106];
    const updates: object[] = [];
    let updateId = 70_000;
    users.forEach((user, i) => {
      const at = DAY_START + i * 60;
      updates.push(readdressed("core-telegram-org/message-with-text.json", ++updateId, user, at, { text: `/start ${link.code}` }));
      if (i < 4) updates.push(readdressed("opsdroid/test-contact-event.json", ++updateId, user, at + 10, {}));
      if (i < 2) {
        const successful_payment = { currency: "RUB", total_amount: 99000, invoice_payload: `order-${user}`, telegram_payment_charge_id: `tg-${user}`, provider_payment_charge_id: `pr-${user}` };
        updates.push(readdressed("core-telegram-org/message-with-text.json", ++updateId, user, at + 20, { text: undefined, successful_payment }));
      }
    });
    // Telegram delivers an update again when the webhook was slow: the id keeps it counted once.
    updates.push(updates[0]!);

    const answers = await runForwarder(endpoint, project.writeKey, updates);
    expect(answers).toHaveLength(updates.length);
    for (const answer of answers.flat()) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answers.map((perUpdate) => perUpdate[0]!.body.accepted)).toEqual(updates.map(() => 1));

    const range = "from=2026-05-01&to=2026-05-02";
    const overview = OverviewResponseSchema.parse((await api(`/api/v1/overview?${range}`).expect(200)).body);
    expect(overview.current).toMatchObject({ users: 6, newUsers: 6, leads: 4 });
    expect(overview.current.revenue).toEqual({ amount: 2 * 990, currency: "RUB" });
    const funnel = FunnelResponseSchema.parse((await api(`/api/v1/funnel?${range}&steps=bot_started&steps=lead&steps=payment&botId=${BOT}`).expect(200)).body);
    expect(funnel.steps.map((step) => step.users)).toEqual([6, 4, 2]);
    const costs = CostsResponseSchema.parse((await api(`/api/v1/costs?by=campaign&${range}`).expect(200)).body);
    expect(costs.rows.find((row) => row.key === "black_friday")).toMatchObject({ leads: 4, spend: { amount: 3000 }, cpl: { amount: 750, currency: "RUB" } });
  });
});
