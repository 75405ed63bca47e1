// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import type { Digest, Webhook } from "@chatfunnel/schemas";
import { json, renderApp } from "./harness.js";

afterEach(cleanup);

const digest: Digest = {
  id: "dg_1",
  name: "Morning",
  schedule: "daily",
  deliver: { telegram: { botId: "123456", chatId: -100123 } },
  filters: {},
  createdAt: "2026-11-30T10:00:00.000Z",
  lastSend: null,
  nextSendAt: "2026-12-02T09:00:00.000Z",
};
const webhook: Webhook = {
  id: "wh_1",
  url: "https://crm.example.com/hook",
  events: ["lead"],
  createdAt: "2026-11-30T10:00:00.000Z",
  status: "active",
  disabledReason: null,
  disabledAt: null,
  lastDelivery: null,
};

/** The delivery target and the managed list are one component on the Alerts, Digests and Webhooks pages. */
describe("the delivery target and list shared by the Digests and Webhooks pages", () => {
  it("Digests: the target is a labelled choice; a webhook's 400 lands beside its URL field", async () => {
    const created: unknown[] = [];
    renderApp({
      url: "/digests",
      answers: {
        digests: (_url: URL, init?: RequestInit) => {
          if (init?.method !== "POST") return json({ digests: [digest] });
          created.push(JSON.parse(String(init.body)));
          return json({ error: { code: "invalid_parameter", message: "invalid digest", details: [{ path: "deliver.webhook.url", message: "must be an http(s) URL" }] } }, 400);
        },
      },
    });
    const table = await screen.findByTestId("digests-table");
    expect(within(table).getByText("Morning")).toBeTruthy();
    const form = screen.getByRole("form", { name: "New digest" });
    const choice = within(form).getByRole("group", { name: "Send to" });
    expect(within(form).getByLabelText("Bot token")).toBeTruthy();
    fireEvent.click(within(choice).getByLabelText("Webhook (JSON)"));
    expect(within(form).queryByLabelText("Bot token")).toBeNull();
    for (const control of form.querySelectorAll<HTMLInputElement>("input, select")) expect(control.labels?.[0]?.textContent ?? "", control.outerHTML).not.toBe("");
    fireEvent.change(within(form).getByLabelText("URL"), { target: { value: "ftp://x" } });
    fireEvent.submit(form);
    const error = await within(form).findByText("must be an http(s) URL");
    expect(error.closest("[data-field]")?.getAttribute("data-field")).toBe("url");
    expect(within(form).getByLabelText("URL").getAttribute("aria-invalid")).toBe("true");
    expect(created).toEqual([{ schedule: "daily", deliver: { webhook: { url: "ftp://x" } } }]);
  });

  it("Webhooks: the URL alone (no choice), and a delete asks first; a 404 is taken as deleted", async () => {
    let deleted = false;
    const h = renderApp({
      url: "/webhooks",
      answers: {
        webhooks: () => json({ webhooks: deleted ? [] : [webhook] }),
        "webhooks/wh_1": (_url: URL, init?: RequestInit) => {
          if (init?.method !== "DELETE") return json({}, 405);
          deleted = true;
          return json({ error: { code: "not_found", message: "no such webhook" } }, 404);
        },
      },
    });
    const table = await screen.findByTestId("webhooks-table");
    const form = screen.getByRole("form", { name: "New webhook" });
    expect(within(form).queryByRole("group")).toBeNull();
    expect(within(form).getByLabelText("URL").getAttribute("placeholder")).toBe("https://example.amocrm.ru/...");
    fireEvent.click(within(table).getByRole("button", { name: `Delete the webhook to ${webhook.url}` }));
    const confirm = within(table).getByRole("group", { name: `Delete the webhook to ${webhook.url}` });
    fireEvent.click(within(confirm).getByRole("button", { name: "Yes, delete" }));
    await screen.findByText(/^No webhooks yet\./);
    expect(screen.queryByRole("alert")).toBeNull();
    await waitFor(() => expect(h.requests.filter((r) => r.init?.method === "DELETE")).toHaveLength(1));
  });
});
