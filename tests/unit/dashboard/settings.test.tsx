// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ProjectSettingsResponse } from "@chatfunnel/schemas";
import { json, renderApp } from "./harness.js";

afterEach(() => cleanup());

describe("settings page", () => {
  it("keeps the saved confirmation once the settings are read again after saving", async () => {
    let stored: ProjectSettingsResponse = { id: "p1", name: "Shop", timezone: "UTC", sessionTimeoutMinutes: 30, retentionDays: null, language: "en" };
    const app = renderApp({
      url: "/settings",
      answers: {
        project: async (_url: URL, init?: RequestInit) => {
          if (init?.method === "PATCH") stored = { ...stored, ...(JSON.parse(String(init.body)) as Partial<ProjectSettingsResponse>) };
          return json(stored);
        },
        "people/deletions": { deletions: [] },
      },
      key: "cf_m_test",
    });
    const name = await waitFor(() => {
      const input = document.querySelector<HTMLInputElement>("#settings-name");
      expect(input).not.toBeNull();
      return input!;
    });
    await userEvent.clear(name);
    await userEvent.type(name, "Shop bot");
    await userEvent.click(screen.getByRole("button", { name: "Save settings" }));
    // Saving refreshes every query, the settings too; the answer now differs from the one the form opened with.
    await waitFor(() => expect(app.requestsTo("project").length).toBeGreaterThanOrEqual(3));
    await waitFor(() => expect((screen.getByRole("button", { name: "Save settings" }) as HTMLButtonElement).disabled).toBe(false));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(screen.getByTestId("settings-saved")).toBeTruthy();
    expect((document.querySelector("#settings-name") as HTMLInputElement).value).toBe("Shop bot");
  });
});
