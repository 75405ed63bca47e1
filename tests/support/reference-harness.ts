/**
 * The generic half of a "this endpoint equals the reference" property test: one fresh project per scenario,
 * its events stored in two parts (so resends sit in different parts), and a GET that sends the scenario's
 * common filters plus an endpoint's own parameters. The test compares what `get` answers to the reference:
 *
 *   fc.asyncProperty(messagingStreamArb(anchor.ms), messagingQueryArb(anchor.ms), async (events, query) => {
 *     const scenario = await referenceScenario(storage, testApp.app, events, query);
 *     const expected = messagingExpected(scenario.events, scenario.filters, query);
 *     expect(await scenario.get("support", endpointParams("support", query))).toEqual(expected.support);
 *     for (const id of BROADCAST_IDS) {
 *       const res = await scenario.request(`broadcasts/${encodeURIComponent(id)}`, endpointParams("broadcasts", query));
 *       const detail = expected.broadcastDetails.get(id);
 *       expect(res.status).toBe(detail ? 200 : 404);
 *       if (detail) expect(res.body).toEqual(detail);
 *     }
 *   })
 */
import { expect } from "vitest";
import request from "supertest";
import type { Express } from "express";
import type { Event } from "@chatfunnel/schemas";
import type { Storage } from "@chatfunnel/core";
import type { ResolvedFilters } from "@chatfunnel/warehouse";
import { createProject, loadEventsInTwoParts } from "./engine.js";
import { toQueryString, type RandomQuery } from "./random-events.js";
import { dedupe, type RefEvent } from "../reference/events.js";
import { refFilters } from "../reference/bounds.js";

export interface ReferenceScenario {
  projectId: string;
  /** The events as the references see them (deduplicated). */
  events: RefEvent[];
  /** The query's common filters resolved independently of the API's code. */
  filters: ResolvedFilters;
  /** GET /api/v1/<path> with the common filters and `extra`; returns status and body. */
  request(path: string, extra?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  /** The same, expecting 200 (the body is named in the failure). */
  get(path: string, extra?: Record<string, string>): Promise<unknown>;
}

/**
 * What the references see of a drawn scenario without the engine, for checks that need only the reference: which
 * figures a generator reaches, counted on fixed seeds (the "reaches … (fixed seed)" tests).
 */
export function referenceInputs(events: Event[], query: RandomQuery): { events: RefEvent[]; filters: ResolvedFilters } {
  return { events: dedupe(events), filters: refFilters("reference-only", query) };
}

/** Each figure's count is at least its floor; a failure names the figure and prints every count. */
export function expectFloors<Figure extends string>(seen: Record<Figure, number>, floors: Record<Figure, number>): void {
  for (const figure of Object.keys(floors) as Figure[]) expect(seen[figure], `${figure}: ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(floors[figure]);
}

export async function referenceScenario(storage: Storage, app: Express, events: Event[], query: RandomQuery): Promise<ReferenceScenario> {
  const project = await createProject(storage);
  await loadEventsInTwoParts(storage, project.projectId, events);
  const auth = { Authorization: `Bearer ${project.readKey}` };
  const send = async (path: string, extra: Record<string, string> = {}) => {
    const res = await request(app).get(`/api/v1/${path}?${toQueryString(query, extra)}`).set(auth);
    return { status: res.status, body: res.body as unknown };
  };
  return {
    projectId: project.projectId,
    events: dedupe(events),
    filters: refFilters(project.projectId, query),
    request: send,
    get: async (path, extra) => {
      const res = await send(path, extra);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
      return res.body;
    },
  };
}
