import { lazy, type ComponentType } from "react";
import type { MessageKey } from "./i18n/messages.js";
import { OverviewPage } from "./pages/OverviewPage.js";

export interface Route {
  path: string;
  title: MessageKey;
  page: ComponentType;
}

// The overview is what most visits open, so it is in the main bundle; the rest load on demand.
export const ROUTES: Route[] = [
  { path: "/", title: "nav.overview", page: OverviewPage },
  { path: "/funnel", title: "nav.funnel", page: lazy(() => import("./pages/FunnelPage.js").then((m) => ({ default: m.FunnelPage }))) },
  { path: "/channels", title: "nav.channels", page: lazy(() => import("./pages/ChannelsPage.js").then((m) => ({ default: m.ChannelsPage }))) },
  { path: "/costs", title: "nav.costs", page: lazy(() => import("./pages/CostsPage.js").then((m) => ({ default: m.CostsPage }))) },
  { path: "/engagement", title: "nav.engagement", page: lazy(() => import("./pages/EngagementPage.js").then((m) => ({ default: m.EngagementPage }))) },
  { path: "/links", title: "nav.links", page: lazy(() => import("./pages/LinksPage.js").then((m) => ({ default: m.LinksPage }))) },
  { path: "/events", title: "nav.events", page: lazy(() => import("./pages/EventsPage.js").then((m) => ({ default: m.EventsPage }))) },
  { path: "/broadcasts", title: "nav.broadcasts", page: lazy(() => import("./pages/BroadcastsPage.js").then((m) => ({ default: m.BroadcastsPage }))) },
  { path: "/support", title: "nav.support", page: lazy(() => import("./pages/SupportPage.js").then((m) => ({ default: m.SupportPage }))) },
  { path: "/surveys", title: "nav.surveys", page: lazy(() => import("./pages/SurveysPage.js").then((m) => ({ default: m.SurveysPage }))) },
  { path: "/paths", title: "nav.paths", page: lazy(() => import("./pages/PathsPage.js").then((m) => ({ default: m.PathsPage }))) },
  { path: "/retention", title: "nav.retention", page: lazy(() => import("./pages/RetentionPage.js").then((m) => ({ default: m.RetentionPage }))) },
  { path: "/webhooks", title: "nav.webhooks", page: lazy(() => import("./pages/WebhooksPage.js").then((m) => ({ default: m.WebhooksPage }))) },
  { path: "/alerts", title: "nav.alerts", page: lazy(() => import("./pages/AlertsPage.js").then((m) => ({ default: m.AlertsPage }))) },
  { path: "/digests", title: "nav.digests", page: lazy(() => import("./pages/DigestsPage.js").then((m) => ({ default: m.DigestsPage }))) },
  { path: "/settings", title: "nav.settings", page: lazy(() => import("./pages/SettingsPage.js").then((m) => ({ default: m.SettingsPage }))) },
  { path: "/users", title: "nav.users", page: lazy(() => import("./pages/UsersPage.js").then((m) => ({ default: m.UsersPage }))) },
];

export function routeFor(path: string, routes: readonly Route[] = ROUTES): Route {
  const normalized = path.length > 1 ? path.replace(/\/+$/, "") : path;
  return routes.find((route) => route.path === normalized) ?? routes[0]!;
}
