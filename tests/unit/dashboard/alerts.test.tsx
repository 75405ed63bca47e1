// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import type { Alert, AlertRun } from "@chatfunnel/schemas";
import { json, renderApp } from "./harness.js";

afterEach(cleanup);

const run: AlertRun = {
  runId: "c_1",
  trigger: "check",
  evaluatedAt: "2026-12-01T10:00:00.000Z",
  tz: "UTC",
  period: { from: "2026-11-30T00:00:00.000Z", to: "2026-12-01T00:00:00.000Z" },
  previousPeriod: { from: "2026-11-29T00:00:00.000Z", to: "2026-11-30T00:00:00.000Z" },
  value: 512.5,
  previousValue: 250,
  changePct: 105,
  currency: "RUB",
  fired: true,
  reason: "512.5 is above 300",
  delivery: { state: "failed", statusCode: 400, error: "Bad Request: chat not found", durationMs: 12 },
};
const alert: Alert = {
  id: "al_1",
  name: "VK CPL",
  metric: "cpl",
  filters: { channel: ["vk"] },
  condition: { op: "above", value: 300 },
  schedule: "daily",
  deliver: { telegram: { botId: "123456", chatId: -100123 } },
  createdAt: "2026-11-30T10:00:00.000Z",
  updatedAt: "2026-11-30T10:00:00.000Z",
  lastRun: null,
};
const funnels = { funnels: [{ id: "fn_1", name: "Start → lead", definition: { steps: ["bot_started", "lead"] }, createdAt: "2026-11-30T10:00:00.000Z", updatedAt: "2026-11-30T10:00:00.000Z" }] };

describe("the Alerts page", () => {
  it("names every control, offers saved funnels as figures, shows a 400 beside the field it names", async () => {
    const created: unknown[] = [];
    renderApp({
      url: "/alerts",
      answers: {
        funnels,
        alerts: (_url: URL, init?: RequestInit) => {
          if (init?.method !== "POST") return json({ alerts: [alert] });
          created.push(JSON.parse(String(init.body)));
          return json({ error: { code: "invalid_parameter", message: "invalid alert: 'deliver.telegram.botToken': must be a Telegram bot token", details: [{ path: "deliver.telegram.botToken", message: "must be a Telegram bot token" }] } }, 400);
        },
      },
    });
    const table = await screen.findByTestId("alerts-table");
    expect(within(table).getByText("VK CPL")).toBeTruthy();
    expect(table.textContent).toContain("Cost per lead (CPL) · VK");
    const form = screen.getByRole("form", { name: "New alert" });
    await within(form).findByRole("option", { name: "Funnel conversion: Start → lead" });
    for (const control of form.querySelectorAll<HTMLInputElement>("input, select")) expect(control.labels?.[0]?.textContent ?? "", control.outerHTML).not.toBe("");

    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "VK CPL" } });
    fireEvent.change(within(form).getByLabelText("Figure"), { target: { value: "funnel:fn_1" } });
    fireEvent.change(within(form).getByLabelText("Condition"), { target: { value: "drops_by_pct" } });
    fireEvent.change(within(form).getByLabelText("Value"), { target: { value: "12,5" } });
    fireEvent.change(within(form).getByLabelText("Bot token"), { target: { value: "nope" } });
    fireEvent.change(within(form).getByLabelText("Chat id"), { target: { value: "-100123" } });
    fireEvent.submit(form);
    const error = await within(form).findByText("must be a Telegram bot token");
    expect(error.closest("[data-field]")?.getAttribute("data-field")).toBe("botToken");
    expect(within(form).getByLabelText("Bot token").getAttribute("aria-invalid")).toBe("true");
    expect(created).toEqual([{ name: "VK CPL", metric: "funnel:fn_1", condition: { op: "drops_by_pct", value: 12.5 }, schedule: "daily", deliver: { telegram: { botToken: "nope", chatId: "-100123" } } }]);
  });

  it("checks now and shows what it found and what the delivery came to, in Russian too", async () => {
    renderApp({ url: "/alerts", locale: "ru", answers: { funnels, alerts: { alerts: [alert] }, "alerts/al_1/check": run } });
    const table = await screen.findByTestId("alerts-table");
    fireEvent.click(within(table).getByRole("button", { name: "Проверить оповещение VK CPL сейчас" }));
    const result = await within(table).findByTestId("check-result");
    await waitFor(() => expect(result.textContent).not.toBe("Проверяем…"));
    expect(result.textContent).toMatch(/^Сработало: 512,50\s₽ \(до этого 250,00\s₽, \+105(,0)?\s%\) — 512\.5 is above 300 Не доставлено: Bad Request: chat not found$/);
  });
});
