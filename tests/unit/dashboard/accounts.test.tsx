// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { json, renderApp } from "./harness.js";
import { overview, timeseries } from "./fixtures.js";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  document.cookie = "cf_signed_in=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/";
  sessionStorage.clear();
});

const me = { id: "u_1", email: "ann@shop.example", projects: [{ id: "p_a", name: "Shop A", role: "editor" }, { id: "p_b", name: "Shop B", role: "viewer" }] };

describe("accounts in the dashboard", () => {
  it("logs in with email and password, then asks the API with the session's project and no key; the switcher changes it", async () => {
    let signedIn = false;
    const app = renderApp({
      url: "/?range=7d&tz=UTC",
      key: null,
      answers: {
        "/auth/v1/login": (_url: URL, init?: RequestInit) => {
          const body = JSON.parse(String(init?.body)) as { password: string };
          if (body.password !== "right password") return json({ error: { code: "unauthorized", message: "wrong email or password" } }, 401);
          signedIn = true;
          return json({ id: "u_1", email: me.email });
        },
        "/auth/v1/me": () => (signedIn ? json(me) : json({ error: { code: "unauthorized", message: "no session" } }, 401)),
        "/auth/v1/logout": () => new Response(null, { status: 204 }),
        overview: overview(),
        timeseries: (url: URL) => json(timeseries(url.searchParams.get("metric") as "users")),
      },
    });
    // The read key is still offered below the login.
    expect(screen.getByLabelText("Read key")).toBeTruthy();
    await userEvent.type(screen.getByLabelText("Email"), me.email);
    await userEvent.type(screen.getByLabelText("Password"), "wrong");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect((await screen.findByTestId("login-error")).textContent).toBe("Wrong email or password.");
    await userEvent.clear(screen.getByLabelText("Password"));
    await userEvent.type(screen.getByLabelText("Password"), "right password");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    await screen.findByTestId("overview");
    const first = app.requests.find((r) => r.url.pathname === "/api/v1/overview")!;
    expect(new Headers(first.init?.headers).get("X-Chatfunnel-Project")).toBe("p_a");
    expect(new Headers(first.init?.headers).get("Authorization")).toBeNull();

    await userEvent.selectOptions(screen.getByLabelText("Project"), "p_b");
    await waitFor(() => expect(app.requests.filter((r) => r.url.pathname === "/api/v1/overview").map((r) => new Headers(r.init?.headers).get("X-Chatfunnel-Project"))).toContain("p_b"));
    expect(localStorage.getItem("chatfunnel.project")).toBe("p_b");

    await userEvent.click(screen.getByRole("button", { name: "Log out" }));
    await screen.findByRole("button", { name: "Log in" });
    expect(app.requests.some((r) => r.url.pathname === "/auth/v1/logout" && r.init?.method === "POST")).toBe(true);
  });

  it("with the session hint, asks /auth/v1/me instead of showing the sign-in page", async () => {
    document.cookie = "cf_signed_in=1; path=/";
    renderApp({ url: "/", key: null, answers: { "/auth/v1/me": me, overview: overview(), timeseries: (url: URL) => json(timeseries(url.searchParams.get("metric") as "users")) } });
    await screen.findByTestId("overview");
    expect(screen.queryByRole("button", { name: "Log in" })).toBeNull();
  });

  it("opens a share link read-only: its token as the bearer, the report pages only, the link's filters in the URL", async () => {
    const app = renderApp({
      url: "/share/cf_sh_token123",
      key: null,
      answers: {
        "/auth/v1/share": { project: { id: "p_a", name: "Shop A" }, filters: { campaign: "spring" }, expiresAt: null, passwordRequired: false },
        overview: overview(),
        timeseries: (url: URL) => json(timeseries(url.searchParams.get("metric") as "users")),
      },
    });
    await screen.findByTestId("overview");
    expect(screen.getByTestId("share-banner").textContent).toContain("spring");
    expect(window.location.pathname).toBe("/");
    expect(new URL(window.location.href).searchParams.get("campaign")).toBe("spring");
    const call = app.requests.find((r) => r.url.pathname === "/api/v1/overview")!;
    expect(new Headers(call.init?.headers).get("Authorization")).toBe("Bearer cf_sh_token123");
    const nav = screen.getByRole("navigation", { name: "Sections" });
    expect(nav.textContent).not.toContain("Settings");
    expect(nav.textContent).not.toContain("Users");
  });

  it("shows a share link's segment as fixed: channels, bot and campaign cannot be changed, Reset keeps them, the period can", async () => {
    renderApp({
      url: "/share/cf_sh_token123",
      key: null,
      answers: {
        "/auth/v1/share": { project: { id: "p_a", name: "Shop A" }, filters: { channel: ["telegram"], campaign: "spring" }, expiresAt: null, passwordRequired: false },
        overview: overview(),
        timeseries: (url: URL) => json(timeseries(url.searchParams.get("metric") as "users")),
      },
    });
    await screen.findByTestId("overview");
    const filters = screen.getByRole("region", { name: "Filters" });
    const telegram = filters.querySelector<HTMLInputElement>('input[name="channel"][value="telegram"]')!;
    const whatsapp = filters.querySelector<HTMLInputElement>('input[name="channel"][value="whatsapp"]')!;
    expect(telegram.checked).toBe(true);
    expect(telegram.disabled && whatsapp.disabled).toBe(true);
    const campaign = filters.querySelector<HTMLInputElement>('input[name="campaign"]')!;
    expect(campaign.value).toBe("spring");
    expect(campaign.readOnly).toBe(true);
    expect(filters.querySelector<HTMLInputElement>('input[name="bot"]')!.readOnly).toBe(true);
    expect(screen.queryByRole("button", { name: "Apply" })).toBeNull();
    await userEvent.selectOptions(filters.querySelector("select[name=range]")!, "7d");
    expect(new URL(window.location.href).searchParams.get("range")).toBe("7d");
    await userEvent.click(screen.getByRole("button", { name: "Reset filters" }));
    const params = new URL(window.location.href).searchParams;
    expect(params.get("campaign")).toBe("spring");
    expect(params.getAll("channel")).toEqual(["telegram"]);
    expect(params.get("range")).not.toBe("7d");
  });
});
