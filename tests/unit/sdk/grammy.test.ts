import { describe, expect, it } from "vitest";
import { Chatfunnel, grammyMiddleware, type AdapterResult } from "@chatfunnel/sdk";
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
    const throwing = (): AdapterResult => {
      throw new Error("tracking exploded");
    };
    const middleware = grammyMiddleware(throwing, (e) => reported.push(e));
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
});
