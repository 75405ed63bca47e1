import { describe, expect, it } from "vitest";
import { Chatfunnel, grammyMiddleware, type AdapterResult, type UserTracker } from "@chatfunnel/sdk";
import type { GrammyHost } from "../../../sdk/src/adapters/grammy.js";
import { scriptedFetch } from "./fake-fetch.js";

/** grammY's own shapes (grammy/out/composer.d.ts, context.d.ts), so the check needs no grammY install. */
type NextFunction = () => Promise<void>;
type MiddlewareFn<C> = (ctx: C, next: NextFunction) => unknown;
interface UserFromGetMe {
  id: number;
  is_bot: true;
  first_name: string;
  username: string;
}
class GrammyLikeContext {
  constructor(
    readonly update: { update_id: number; message?: unknown },
    private readonly botInfo: UserFromGetMe,
  ) {}
  get me(): UserFromGetMe {
    return this.botInfo;
  }
}
const use = <C>(middleware: MiddlewareFn<C>) => middleware;

describe("grammY middleware", () => {
  const me: UserFromGetMe = { id: 7, is_bot: true, first_name: "Shop", username: "shop_bot" };

  it("type-checks as grammY middleware and takes the bot id from ctx.me", async () => {
    const fake = scriptedFetch();
    const cf = new Chatfunnel({ writeKey: "cf_w_x_1234567890123", endpoint: "http://127.0.0.1:1", fetch: fake.fetch });
    const middleware = use<GrammyLikeContext>(cf.telegram.grammy());
    let nextCalled = false;
    await middleware(new GrammyLikeContext({ update_id: 1, message: { message_id: 1, date: 1777629600, chat: { id: 1, type: "private" }, from: { id: 1, is_bot: false, first_name: "A" }, text: "hi" } }, me), async () => {
      nextCalled = true;
    });
    expect(nextCalled).toBe(true);
    await cf.flush();
    expect(fake.requests[0]!.events[0]).toMatchObject({ type: "message_received", botId: "shop_bot", channel: "telegram" });
  });

  it("calls next() even when tracking throws, and lets the bot's own errors through", async () => {
    const reported: Error[] = [];
    const host: GrammyHost = {
      defaultBotId: "b",
      trackUpdate: (): AdapterResult => {
        throw new Error("tracking exploded");
      },
      forUser: (scope) => new Chatfunnel({ writeKey: "cf_w_x_1234567890123", endpoint: "http://127.0.0.1:1" }).forUser(scope),
      learnBot: () => {},
      report: (e) => reported.push(e),
    };
    const middleware = grammyMiddleware(host);
    let calls = 0;
    await middleware({ update: {} }, async () => {
      calls++;
    });
    expect(calls).toBe(1);
    expect(reported.map((e) => e.message)).toEqual(["tracking exploded"]);
    await expect(
      middleware({ update: {} }, async () => {
        throw new Error("bot handler failed");
      }),
    ).rejects.toThrow("bot handler failed");
  });

  it("binds ctx.chatfunnel to the update's bot and user, and teaches the client the bot for direct calls", async () => {
    const fake = scriptedFetch();
    const cf = new Chatfunnel({ writeKey: "cf_w_x_1234567890123", endpoint: "http://127.0.0.1:1", fetch: fake.fetch });
    const middleware = use<GrammyLikeContext & { from?: { id: number }; chatfunnel?: UserTracker }>(cf.telegram.grammy());
    const ctx: GrammyLikeContext & { from: { id: number }; chatfunnel?: UserTracker } = Object.assign(new GrammyLikeContext({ update_id: 2, message: { message_id: 2, date: 1777629600, chat: { id: 9, type: "private" }, from: { id: 9, is_bot: false, first_name: "B" }, text: "/start" } }, me), { from: { id: 9 } });
    await middleware(ctx, async () => {
      ctx.chatfunnel!.lead({ properties: { form: "phone" } });
      cf.payment({ channel: "telegram", userId: "9", revenue: 5, currency: "RUB" });
      cf.order({ userId: "9", revenue: 5, currency: "RUB" });
    });
    await cf.flush();
    expect(fake.requests[0]!.events).toMatchObject([
      { type: "bot_started", channel: "telegram", botId: "shop_bot", userId: "9" },
      { type: "lead", channel: "telegram", botId: "shop_bot", userId: "9", properties: { form: "phone" } },
      { type: "payment", channel: "telegram", botId: "shop_bot", userId: "9" },
      { type: "order", channel: "telegram", botId: "shop_bot", userId: "9" },
    ]);
  });

  it("refuses to guess the bot of a direct call once two bots share the client", async () => {
    const fake = scriptedFetch();
    const drops: string[] = [];
    const cf = new Chatfunnel({ writeKey: "cf_w_x_1234567890123", endpoint: "http://127.0.0.1:1", fetch: fake.fetch, onDrop: (_e, _r, detail) => drops.push(detail) });
    const update = { update_id: 3, message: { message_id: 3, date: 1777629600, chat: { id: 9, type: "private" }, from: { id: 9, is_bot: false, first_name: "B" }, text: "hi" } };
    await cf.telegram.grammy()(new GrammyLikeContext(update, me), async () => {});
    await cf.telegram.grammy()(new GrammyLikeContext(update, { ...me, id: 8, username: "other_bot" }), async () => {});
    expect(cf.lead({ channel: "telegram", userId: "9" })).toBeNull();
    expect(drops[0]).toMatch(/^botId must be/);
    expect(cf.lead({ channel: "telegram", botId: "other_bot", userId: "9" })).not.toBeNull();
  });
});
