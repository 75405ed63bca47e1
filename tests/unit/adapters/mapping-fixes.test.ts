import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { telegramUpdateToEvents, vkUpdateToEvents, whatsappWebhookToEvents, type AdapterResult } from "@chatfunnel/sdk";

/**
 * The wrong mappings issue 9 lists, each shown on a real payload from tests/fixtures (where a
 * case needs a field the published payload lacks, the one change is named in the test).
 */
const root = path.resolve(import.meta.dirname, "../../fixtures");
type Body = { entry: { changes: { value: Record<string, unknown[]> }[] }[] };
const load = <T = Body>(file: string): T => JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as T;
const ok = (result: AdapterResult) => {
  if (!result.ok) throw new Error(result.error);
  return result;
};
const value = (body: Body) => body.entry[0]!.changes[0]!.value;

describe("WhatsApp mappings", () => {
  it("does not count statuses of replies, utility or authentication templates as broadcasts", () => {
    for (const file of ["netflie/can-build-a-service-status-notification.json", "netflie/can-build-an-utility-status-notification.json", "netflie/can-build-an-authentication-status-notification.json", "pywa/message-status-sent.json", "netflie/can-build-a-status-notification.json"]) {
      const result = ok(whatsappWebhookToEvents(load(`whatsapp/${file}`)));
      expect(result.events, file).toEqual([]);
      expect(result.skipped[0], file).toMatch(/not a broadcast/);
    }
    expect(ok(whatsappWebhookToEvents(load("whatsapp/netflie/can-build-a-marketing-status-notification.json"))).events.map((e) => e.type)).toEqual(["broadcast_delivered"]);
  });

  it("keys a group read receipt on the participant, not the group", () => {
    const body = load("whatsapp/pywa/message-status-group.json");
    // Change: the published group status has no pricing; a broadcast's would say marketing.
    (value(body)["statuses"]![0] as Record<string, unknown>)["pricing"] = { billable: true, pricing_model: "PMP", category: "marketing" };
    const [event] = ok(whatsappWebhookToEvents(body)).events;
    expect(event).toMatchObject({ type: "broadcast_read", userId: "<GROUP_PARTICIPANT_USER_PHONE_NUMBER>", properties: { groupId: "fowefinoewcnw" } });
  });

  it("keeps users who have a username and no phone number (from empty, from_user_id set)", () => {
    expect(ok(whatsappWebhookToEvents(load("whatsapp/meta-docs/bsuid-username-text-no-phone.json"))).events).toMatchObject([{ type: "message_received", userId: "US.13491208655302741918" }]);
    expect(ok(whatsappWebhookToEvents(load("whatsapp/meta-docs/status-delivered-marketing-to-bsuid.json"))).events).toMatchObject([{ type: "broadcast_delivered", userId: "US.13491208655302741918" }]);
    expect(ok(whatsappWebhookToEvents(load("whatsapp/netflie/can-build-a-notification-with-bsuid-only-and-no-from.json"))).events).toMatchObject([{ userId: "BSUID_123" }]);
  });

  it("turns an order message into an order with its revenue", () => {
    expect(ok(whatsappWebhookToEvents(load("whatsapp/pywa/message-order.json"))).events).toMatchObject([{ type: "order", revenue: 3 * 30 + 2 * 35 + 2 * 10, currency: "ILS", properties: { items: 3 } }]);
  });

  it("turns marketing opt-in and opt-out into subscribed and unsubscribed", () => {
    const body = load("whatsapp/pywa/user-marketing-preferences-resume.json");
    expect(ok(whatsappWebhookToEvents(body)).events).toMatchObject([{ type: "subscribed", userId: "16505551234" }]);
    // Change: "stop" is the documented opt-out value (the published sample opts back in).
    (value(body)["user_preferences"]![0] as Record<string, unknown>)["value"] = "stop";
    expect(ok(whatsappWebhookToEvents(body)).events).toMatchObject([{ type: "unsubscribed", userId: "16505551234" }]);
  });

  it("reports failed broadcast sends with their reason, and skips other failed sends with it", () => {
    const body = load("whatsapp/netflie/can-build-a-status-notification-with-errors.json");
    expect(ok(whatsappWebhookToEvents(body)).skipped[0]).toMatch(/failed send .* ERROR_TITLE \(code 131053\)/);
    // Change: the business marked the send as broadcast "spring-1" (biz_opaque_callback_data).
    (value(body)["statuses"]![0] as Record<string, unknown>)["biz_opaque_callback_data"] = "broadcast:spring-1";
    expect(ok(whatsappWebhookToEvents(body)).events).toMatchObject([{ type: "broadcast_failed", broadcastId: "spring-1", properties: { reason: "ERROR_TITLE (code 131053)", errorCode: 131053 } }]);
  });

  it("classifies every status of a marked broadcast, priced or not, and gives it the broadcast id", () => {
    const body = load("whatsapp/pywa/message-status-read.json");
    const status = value(body)["statuses"]![0] as Record<string, unknown>;
    // Change: a marketing read status WhatsApp sent without pricing, from a send marked as broadcast "bf-7".
    delete status["pricing"];
    delete status["conversation"];
    status["biz_opaque_callback_data"] = "broadcast:bf-7";
    expect(ok(whatsappWebhookToEvents(body)).events).toMatchObject([{ type: "broadcast_read", broadcastId: "bf-7", userId: "972987654321" }]);
    status["biz_opaque_callback_data"] = "some data";
    expect(ok(whatsappWebhookToEvents(body)).skipped).toEqual(['a "read" status of a message that is not a broadcast (without pricing)']);
  });

  it("does not count edits, deletions, reactions or number changes as requests", () => {
    for (const file of ["pywa/edited-message-image.json", "pywa/deleted-message-revoke.json", "pywa/message-unsupported.json", "pywa/system-phone-number-change.json", "pywa/message-reaction.json", "netflie/can-build-a-system-notification.json"]) {
      const result = ok(whatsappWebhookToEvents(load(`whatsapp/${file}`)));
      expect(result.events, file).toEqual([]);
      expect(result.skipped, file).toHaveLength(1);
    }
  });

  it("keeps the click-to-WhatsApp ad id as the payload and never the headline as campaign", () => {
    const [started, message] = ok(whatsappWebhookToEvents(load("whatsapp/pywa/message-referral.json"))).events;
    expect(started).toMatchObject({ type: "bot_started", source: { source: "meta", medium: "click_to_whatsapp", payload: "ADID" }, properties: { ctwaClid: "CTWA_CLID", adHeadline: "AD_TITLE", adSourceUrl: "AD_OR_POST_FB_URL" } });
    expect(started!.source).not.toHaveProperty("campaign");
    expect(message).toMatchObject({ type: "message_received", source: { payload: "ADID" } });
  });
});

describe("Telegram mappings", () => {
  it("skips anonymous group admins instead of merging them into one user", () => {
    for (const file of ["opsdroid/test-location-event.json", "opsdroid/test-poll-event.json", "teloxide/message-issue-427-2.json"]) {
      const result = ok(telegramUpdateToEvents(load(`telegram/${file}`), { botId: "b" }));
      expect(result.events, file).toEqual([]);
      expect(result.skipped[0], file).toMatch(/on behalf of a chat/);
    }
  });

  it("does not count service messages as requests", () => {
    for (const [file, key] of [["opsdroid/test-join-group-event.json", "new_chat_member"], ["opsdroid/test-leave-group-event.json", "left_chat_member"], ["opsdroid/test-pinned-message-event.json", "pinned_message"], ["teloxide/message-topic-created.json", "forum_topic_created"]] as const) {
      const result = ok(telegramUpdateToEvents(load(`telegram/${file}`), { botId: "b" }));
      expect(result.events, file).toEqual([]);
      expect(result.skipped, file).toEqual([`a service message (${key})`]);
    }
  });

  it("turns a poll answer into a survey answer and counts a business chat's message", () => {
    const answer = { update_id: 5, poll_answer: { poll_id: "5825895662671101957", user: { id: 42, is_bot: false, first_name: "A" }, option_ids: [1] } };
    expect(ok(telegramUpdateToEvents(answer, { botId: "b" })).events).toMatchObject([{ type: "survey_answered", userId: "42", properties: { question: "poll:5825895662671101957", answer: "1" } }]);
    const retracted = { update_id: 6, poll_answer: { ...answer.poll_answer, option_ids: [] } };
    expect(ok(telegramUpdateToEvents(retracted, { botId: "b" })).skipped).toEqual(["a retracted poll vote"]);
    const business = load<Record<string, unknown>>("telegram/teloxide/update-de-private-chat-text-message.json");
    const asBusiness = { update_id: business["update_id"], business_message: { ...(business["message"] as object), business_connection_id: "bc-1" } };
    expect(ok(telegramUpdateToEvents(asBusiness, { botId: "b" })).events).toMatchObject([{ type: "message_received", properties: { business: true } }]);
  });

  it("does not take a forwarded /start for the user opening the bot", () => {
    expect(ok(telegramUpdateToEvents(load("telegram/core-telegram-org/forwarded-message.json"), { botId: "b" })).events).toMatchObject([{ type: "message_received", properties: { forwarded: true } }]);
    expect(ok(telegramUpdateToEvents(load("telegram/core-telegram-org/message-with-text.json"), { botId: "b" })).events).toMatchObject([{ type: "bot_started" }]);
  });
});

describe("VK mappings", () => {
  it("does not count service actions in conversations as requests", () => {
    const result = ok(vkUpdateToEvents(load("vk/vksdk/testcallback-handlefunc-message-new.json")));
    expect(result.events).toEqual([]);
    expect(result.skipped).toEqual(["a service action in a conversation (chat_kick_user)"]);
  });

  it("turns a community leave into an unsubscription", () => {
    const leave = { type: "group_leave", object: { user_id: 578716413, self: 1 }, group_id: 191949777, event_id: "3a5f" };
    expect(ok(vkUpdateToEvents(leave)).events).toMatchObject([{ type: "unsubscribed", userId: "578716413", botId: "191949777", properties: { subscription: "community", self: true } }]);
  });

  it("turns community joins and message permission into subscriptions, telling them apart", () => {
    expect(ok(vkUpdateToEvents(load("vk/vkwave/test-group-join-event-group-join.json"))).events).toMatchObject([{ type: "subscribed", properties: { subscription: "community" } }]);
    expect(ok(vkUpdateToEvents(load("vk/vkwave/test-message-allow-message-allow.json"))).events).toMatchObject([{ type: "subscribed", properties: { subscription: "messages" } }]);
  });
});
