/**
 * Two projects fed the same stream but for some events, and every endpoint's answer in each, made
 * comparable: people deletion and retention are proven by a project that never received what they drop.
 */
import type { Express } from "express";
import request from "supertest";
import { expect } from "vitest";
import type { Storage } from "@chatfunnel/core";
import { TIMESERIES_METRICS, type Event } from "@chatfunnel/schemas";
import { createProject } from "./engine.js";

export type Project = Awaited<ReturnType<typeof createProject>> & { linkCode?: string };

/** Events carry this as source.payload where the project's tracked link code goes. */
export const LINK_PAYLOAD = "@link@";
const DAY = 86_400_000;

export const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// The manage key: deletions are editor actions, and it reads every report too.
const auth = (project: Project, kind: "manage" | "write" = "manage") => ({ Authorization: `Bearer ${kind === "manage" ? project.manageKey : project.writeKey}` });

/** Every report and list of the API over one range, as [name, path and query] pairs. */
export function endpointPaths(range: string, broadcastIds: readonly string[]): Array<[string, string]> {
  const funnel = "steps=bot_started&steps=message_received&steps=lead&window=1d";
  return [
    ["overview", `/api/v1/overview?${range}`],
    ...TIMESERIES_METRICS.map((metric): [string, string] => [`timeseries ${metric}`, `/api/v1/timeseries?${range}&metric=${metric}&interval=day`]),
    ["channels", `/api/v1/channels?${range}`],
    ["costs by channel", `/api/v1/costs?${range}&by=channel`],
    ["costs by campaign", `/api/v1/costs?${range}&by=campaign`],
    ["repeat", `/api/v1/repeat?${range}`],
    ["engagement", `/api/v1/engagement?${range}`],
    ["funnel", `/api/v1/funnel?${range}&${funnel}&breakdown=channel`],
    ["funnel campaign", `/api/v1/funnel?${range}&${funnel}&breakdown=campaign&mode=any`],
    ["dropoff", `/api/v1/funnel/dropoff?${range}&${funnel}&step=2`],
    ["broadcasts", `/api/v1/broadcasts?${range}&window=1d`],
    ...broadcastIds.map((id): [string, string] => [`broadcast ${id}`, `/api/v1/broadcasts/${id}?${range}&window=1d`]),
    ["support", `/api/v1/support?${range}&interval=day`],
    ["surveys", `/api/v1/surveys?${range}&window=1d`],
    ["paths", `/api/v1/paths?${range}`],
    ["paths from a request", `/api/v1/paths?${range}&start=message_received&depth=4`],
    ["events", `/api/v1/events?${range}&limit=1000`],
    ["event types", `/api/v1/event-types?${range}`],
    ["links", `/api/v1/links?${range}`],
  ];
}

/** What differs between two projects fed the same events: the receive instants and each link's own identity. */
function comparable(name: string, body: unknown, linkCode: string | undefined): unknown {
  if (name === "events") {
    const page = body as { events: Array<Record<string, unknown> & { source?: { payload?: string } }> };
    const unlinked = (event: (typeof page.events)[number]) =>
      event.source?.payload !== undefined && event.source.payload === linkCode ? { ...event, source: { ...event.source, payload: LINK_PAYLOAD } } : event;
    return { ...page, events: page.events.map(({ receivedAt: _r, ...event }) => unlinked(event)) };
  }
  if (name === "links") {
    const report = body as { links: Array<Record<string, unknown>> };
    return { ...report, links: report.links.map(({ id: _i, code: _c, url: _u, createdAt: _t, ...link }) => link) };
  }
  return body;
}

export async function sendEvents(app: Express, project: Project, events: Event[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    const res = await request(app).post("/v1/events").set(auth(project, "write")).send({ events: events.slice(i, i + 500) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.rejected).toEqual([]);
  }
}

/** A project with a tracked link (its code in place of LINK_PAYLOAD) and spend, fed `events`. */
export async function feedProject(app: Express, storage: Storage, events: Event[], anchorMs: number): Promise<Project> {
  const project = await createProject(storage);
  const link = await request(app).post("/api/v1/links").set(auth(project)).send({ channel: "telegram", target: "shop_bot", campaign: "linked" });
  expect(link.status).toBe(201);
  const code = link.body.code as string;
  const rows = ["telegram", "whatsapp", "vk"].flatMap((channel) =>
    [0, 1, 2].map((i) => ({ date: isoDate(anchorMs + i * DAY), channel, campaign: ["spring", "autumn", "linked"][i], amount: 10 + i, currency: "RUB" })),
  );
  const spend = await request(app).post("/api/v1/spend").set(auth(project)).send({ rows });
  expect(spend.status, JSON.stringify(spend.body)).toBe(200);
  await sendEvents(
    app,
    project,
    events.map((event) => (event.source?.payload === LINK_PAYLOAD ? { ...event, source: { ...event.source, payload: code } } : event)),
  );
  return { ...project, linkCode: code };
}

/**
 * Each endpoint's status and comparable body. A broadcast's detail may be a 404 (a broadcast only the dropped
 * events made), so statuses are compared too; a 5xx fails at once.
 */
export async function projectAnswers(app: Express, project: Project, paths: Array<[string, string]>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  // A few at a time, as a dashboard asks: the engine runs one statement at a time, but parsing, JSON and
  // the HTTP round trip of one request overlap another's statements.
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const [name, url] = paths[next++]!;
      const res = await request(app).get(url).set(auth(project));
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
      if (!name.startsWith("broadcast ")) expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(200);
      out[name] = { status: res.status, body: comparable(name, res.body, project.linkCode) };
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_REQUESTS }, worker));
  return out;
}

const PARALLEL_REQUESTS = 4;

