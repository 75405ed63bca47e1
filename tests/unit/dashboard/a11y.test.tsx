// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, screen } from "@testing-library/react";
import { json, renderApp } from "./harness.js";
import { channels, costs, dropoff, engagement, eventTypes, explorerEvent, funnel, funnelTrends, links, overview, repeat, timeseries } from "./fixtures.js";

afterEach(cleanup);

const answers = {
  overview: overview(),
  timeseries: (url: URL) => json(timeseries(url.searchParams.get("metric") as "users")),
  channels: channels(),
  repeat: repeat(),
  costs: costs(),
  engagement: engagement(),
  funnel: funnel(),
  "funnel/dropoff": dropoff(),
  "funnel/trends": funnelTrends(),
  events: { events: [explorerEvent({ properties: { plan: "pro" } })], next: "c1" },
  "event-types": eventTypes(),
  links: links(),
};

/** The name a control gets from a <label>, aria-label(ledby), or (buttons, links) its own text. */
function accessibleName(element: HTMLElement): string {
  const labelledBy = element.getAttribute("aria-labelledby");
  if (labelledBy) return labelledBy.split(" ").map((id) => document.getElementById(id)?.textContent ?? "").join(" ").trim();
  const aria = element.getAttribute("aria-label");
  if (aria) return aria.trim();
  const labels = (element as HTMLInputElement).labels;
  if (labels && labels.length > 0) return [...labels].map((label) => label.textContent ?? "").join(" ").trim();
  if (element.tagName === "BUTTON" || element.tagName === "A" || element.tagName === "SUMMARY") return (element.textContent ?? "").trim();
  return "";
}

const pages = [
  { url: "/?range=30d&tz=UTC", ready: "overview" },
  { url: "/funnel?range=30d&tz=UTC&dropoff=3", ready: "dropoff" },
  // The step menu with chips, an alternative and an open filter editor is in the builder of every funnel view.
  { url: "/funnel?range=30d&tz=UTC&view=trends&steps=bot_started&steps=lead%7Corder%5Bamount%3E100%5D", ready: "funnel-trends-table" },
  { url: "/funnel?range=30d&tz=UTC&view=time", ready: "funnel-time" },
  { url: "/channels?range=30d&tz=UTC", ready: "channels-table" },
  { url: "/costs?range=30d&tz=UTC", ready: "costs-table" },
  { url: "/engagement?range=30d&tz=UTC", ready: "engagement" },
  { url: "/links?range=30d&tz=UTC", ready: "links-table" },
  { url: "/events?range=30d&tz=UTC&type=bot_started", ready: "events-table" },
];

describe("every page can be used with a keyboard and a screen reader", () => {
  for (const { url, ready } of pages) {
    it(`${url.split("?")[0]}: every control has a name, charts and tables have captions, nothing jumps the tab order`, async () => {
      renderApp({ url, answers });
      await screen.findByTestId(ready);
      const controls = [...document.querySelectorAll<HTMLElement>("input, select, textarea, button, a[href], summary")];
      expect(controls.length).toBeGreaterThan(5);
      const unnamed = controls.filter((control) => accessibleName(control) === "").map((control) => control.outerHTML.slice(0, 120));
      expect(unnamed).toEqual([]);
      // Only native order: no positive tabindex, and nothing clickable that a keyboard cannot reach.
      expect(document.querySelectorAll('[tabindex]:not([tabindex="-1"]):not([tabindex="0"])').length).toBe(0);
      expect(document.querySelectorAll("div[onclick], span[onclick], li[onclick]").length).toBe(0);
      for (const figure of document.querySelectorAll("figure")) expect(figure.querySelector("figcaption")?.textContent?.trim(), figure.outerHTML.slice(0, 80)).toBeTruthy();
      for (const table of document.querySelectorAll("table.data")) {
        const named = table.querySelector("caption")?.textContent?.trim() || table.closest("section[aria-labelledby]");
        expect(named, table.outerHTML.slice(0, 80)).toBeTruthy();
      }
      expect(document.querySelectorAll("h1").length).toBe(1);
    });
  }
});
