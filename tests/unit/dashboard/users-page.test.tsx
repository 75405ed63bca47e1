// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, renderApp } from "./harness.js";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe("the Users page", () => {
  it("asks for the admin token, lists users, creates one with an invite link and changes a role, all through /admin/v1", async () => {
    const users = [{ id: "u_1", email: "ann@shop.example", hasPassword: true, createdAt: "2026-12-01T00:00:00.000Z", roles: [{ project: "p_a", role: "viewer" }] }];
    const calls: Array<{ method: string; path: string; auth: string | null; body?: unknown }> = [];
    vi.stubGlobal("fetch", async (input: string, init?: RequestInit) => {
      const path = new URL(input, window.location.origin).pathname;
      const method = init?.method ?? "GET";
      calls.push({ method, path, auth: new Headers(init?.headers).get("Authorization"), ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}) });
      if (path === "/admin/v1/users" && method === "GET") return json({ users });
      if (path === "/admin/v1/projects") return json({ projects: [{ id: "p_a", name: "Shop A", timezone: "UTC", keys: [] }] });
      if (path === "/admin/v1/users" && method === "POST") {
        users.push({ id: "u_2", email: "bob@shop.example", hasPassword: false, createdAt: "2026-12-01T00:00:00.000Z", roles: [{ project: "p_a", role: "editor" }] });
        return json({ id: "u_2", inviteUrl: "http://x/invite#token=cf_inv_abc" }, 201);
      }
      if (path.startsWith("/admin/v1/users/u_1/roles/p_a") && method === "PUT") return json({ project: "p_a", role: "owner" });
      return json({ error: { code: "not_found", message: path } }, 404);
    });
    renderApp({ url: "/users", answers: {} });
    await userEvent.type(await screen.findByLabelText("Admin token"), "cf_admin_secret_token");
    await userEvent.click(screen.getByRole("button", { name: "Manage users" }));
    await screen.findByText("ann@shop.example");
    expect(calls.every((call) => call.auth === "Bearer cf_admin_secret_token")).toBe(true);

    await userEvent.type(screen.getByLabelText("Email"), "bob@shop.example");
    await userEvent.selectOptions(screen.getByLabelText("Role"), "editor");
    await userEvent.click(screen.getByRole("button", { name: "Add user" }));
    expect((await screen.findByTestId("invite-url")).textContent).toContain("http://x/invite#token=cf_inv_abc");
    expect(calls.find((call) => call.method === "POST")?.body).toEqual({ email: "bob@shop.example", roles: [{ project: "p_a", role: "editor" }] });
    await screen.findByText(/bob@shop\.example/);

    await userEvent.selectOptions(screen.getByLabelText("Role of ann@shop.example in Shop A"), "owner");
    await waitFor(() => expect(calls.find((call) => call.method === "PUT")).toMatchObject({ path: "/admin/v1/users/u_1/roles/p_a", body: { role: "owner" } }));
  });
});
