/**
 * The semantic layer's promise: every rolled-up fact has one events implementation and one rollup
 * implementation that return the same rows. Random streams (duplicates, equal timestamps, gaps of
 * exactly the timeout, several channels, bots, campaigns, currencies) go into the real engine, and
 * each fact runs with both paths forced, on ranges whose bounds fall on rollup slots, for projects
 * with different session timeouts (20 streams per anchor: a rollup that merged sessions at a gap of
 * exactly the timeout was caught at 25 on one anchor, not at 6). Plus: the session rule reads the project's timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { z } from "zod";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { INTERVALS, type Event } from "@chatfunnel/schemas";
import { BUCKET_OF_TIME } from "../../api/src/metrics/buckets.js";
import { importSpend } from "../../api/src/metrics/spend-import.js";
import { channelFacts, type ChannelCounts } from "../../warehouse/src/channel-figures.js";
import { firstTouchCampaignsFromEventsSql, firstTouchCampaignsSql } from "../../warehouse/src/first-touch.js";
import type { FactPath } from "../../warehouse/src/paths.js";
import { SLOT_MS } from "../../warehouse/src/rollup-schema.js";
import { runQuery } from "../../warehouse/src/run-query.js";
import { RANGE_HEAD, eventScope, type ResolvedFilters } from "../../warehouse/src/scope.js";
import { sessionsByBucketSql, sessionsPerUserSql, sessionTimeoutMin } from "../../warehouse/src/sessions.js";
import { activeUsersSql, newUsersSql } from "../../warehouse/src/users.js";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { ANCHORS, BOTS, CAMPAIGNS, CURRENCIES, STREAM_CHANNELS, TIME_ZONES, eventStreamArb, spendImportsArb } from "../support/random-events.js";
import { makeEvent } from "../support/events.js";

const RUNS_PER_ANCHOR = Number(process.env.WAREHOUSE_PATHS_RUNS ?? 20);
const PATHS: FactPath[] = ["events", "rollup"];

async function setSessionTimeout(storage: Storage, projectId: string, minutes: number): Promise<void> {
  // A later version of the project row (ReplacingMergeTree by updated_at) than the one createProject wrote.
  await storage.insertRows("projects", [{ project_id: projectId, name: projectId, timezone: "UTC", session_timeout_min: minutes, updated_at: "2099-01-01 00:00:00.000" }]);
}

/** Filters whose bounds fall on slots, so the rollup path is exact. */
const slotFiltersArb = (anchorMs: number) =>
  fc.record({
    startSlot: fc.integer({ min: -200, max: 100 }),
    slots: fc.integer({ min: 1, max: 400 }),
    previousSlots: fc.integer({ min: 0, max: 300 }),
    tz: fc.constantFrom(...TIME_ZONES),
    channels: fc.option(fc.subarray(STREAM_CHANNELS, { minLength: 1 }), { nil: undefined, freq: 3 }),
    botId: fc.option(fc.constantFrom(...BOTS), { nil: undefined, freq: 4 }),
    campaign: fc.option(fc.constantFrom(...CAMPAIGNS), { nil: undefined, freq: 4 }),
    currency: fc.option(fc.constantFrom(...CURRENCIES), { nil: undefined, freq: 4 }),
  }).map((r) => {
    const base = Math.floor(anchorMs / SLOT_MS) * SLOT_MS;
    const fromMs = base + r.startSlot * SLOT_MS;
    return {
      filters: (projectId: string): ResolvedFilters => ({
        projectId,
        fromMs,
        toMs: fromMs + r.slots * SLOT_MS,
        tz: r.tz,
        channels: r.channels,
        botId: r.botId,
        campaign: r.campaign,
        currency: r.currency,
      }),
      previousFromMs: fromMs - r.previousSlots * SLOT_MS,
    };
  });

/** Channel facts as plain data: maps to sorted entries, units as text. */
const plainChannels = (rows: ChannelCounts[]) =>
  rows
    .map((row) => ({
      ...row,
      revenue: [...row.revenue].map(([currency, units]) => [currency, String(units)]).sort(),
      spend: [...row.spend].map(([currency, units]) => [currency, String(units)]).sort(),
    }))
    .sort((a, b) => a.channel.localeCompare(b.channel));

describe("each rolled-up fact: the events path and the rollup path return the same rows", () => {
  let storage: Storage;

  beforeAll(async () => {
    storage = await freshDatabase();
  });

  it.each(ANCHORS)(`on ${RUNS_PER_ANCHOR} random streams around $name`, { timeout: 240_000 }, async (anchor) => {
    await fc.assert(
      fc.asyncProperty(
        eventStreamArb(anchor.ms),
        spendImportsArb(anchor.ms),
        fc.array(slotFiltersArb(anchor.ms), { minLength: 2, maxLength: 3 }),
        fc.constantFrom(30, 30, 15, 45, 120),
        fc.constantFrom(...INTERVALS),
        async (events: Event[], imports, queries, timeoutMin, interval) => {
          const { projectId } = await createProject(storage);
          await setSessionTimeout(storage, projectId, timeoutMin);
          expect(await sessionTimeoutMin(storage, projectId)).toBe(timeoutMin);
          await loadEventsInTwoParts(storage, projectId, events);
          for (const rows of imports) await importSpend(storage, projectId, rows);
          const db = storage.database;
          for (const query of queries) {
            const filters = query.filters(projectId);
            const scope = eventScope(filters, db);
            const both = async <T>(run: (path: FactPath) => Promise<T>) => Promise.all(PATHS.map(run));
            const rows = (sql: string) => runQuery(storage, sql, { ...scope.params, prevFrom: query.previousFromMs / 1000 }, z.unknown());

            // users, new users, sessions (requests, resolutions, per user), outcomes, money: per channel, both periods.
            const [fromEvents, fromRollup] = await both((path) => channelFacts(storage, filters, { path, previousFromMs: query.previousFromMs, withRepeat: true }));
            expect(plainChannels(fromRollup!.current), "channel facts, current period").toEqual(plainChannels(fromEvents!.current));
            expect(plainChannels(fromRollup!.previous), "channel facts, previous period").toEqual(plainChannels(fromEvents!.previous));

            // sessions per user
            const [eventsPerUser, rollupPerUser] = await both((path) => {
              const perUser = sessionsPerUserSql(scope.sql, db, path);
              return rows(`WITH ${RANGE_HEAD}, ${perUser.ctes}\nSELECT toString(channel) AS channel, user_id, toUInt64(n) AS n FROM (${perUser.select}) ORDER BY channel, user_id`);
            });
            expect(rollupPerUser, "sessions per user").toEqual(eventsPerUser);

            // sessions and bot resolutions per bucket of the session start
            for (const figure of ["sessions", "resolution"] as const) {
              const [a, b] = await both((path) => {
                const sql = sessionsByBucketSql(scope.sql, db, BUCKET_OF_TIME[interval], path, figure);
                return rows(`WITH ${RANGE_HEAD}, ${sql.ctes}\nSELECT bucket, toUInt64(value) AS value, toUInt64(base) AS base FROM (${sql.select}) ORDER BY bucket`);
              });
              expect(b, `${figure} by ${interval}`).toEqual(a);
            }

            // active and new users per bucket
            for (const [name, build] of [["users", activeUsersSql], ["new users", newUsersSql]] as const) {
              const [a, b] = await both((path) => rows(`WITH ${RANGE_HEAD}\nSELECT bucket, toUInt64(value) AS value FROM (${build(scope.sql, db, BUCKET_OF_TIME[interval], path)}) ORDER BY bucket`));
              expect(b, `${name} by ${interval}`).toEqual(a);
            }
          }
          // first touch: the campaign of the user's earliest event with one
          const firstTouch = (sql: string) => runQuery(storage, `SELECT toString(channel) AS channel, user_id, campaign FROM (${sql}) ORDER BY channel, user_id`, { projectId }, z.unknown());
          expect(await firstTouch(firstTouchCampaignsSql(db)), "first touch").toEqual(await firstTouch(firstTouchCampaignsFromEventsSql(db)));
        },
      ),
      { numRuns: RUNS_PER_ANCHOR, endOnFailure: true },
    );
  });
});

describe("the session rule reads the project's session timeout", () => {
  let storage: Storage;
  let testApp: TestApp;

  beforeAll(async () => {
    storage = await freshDatabase();
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  /** One user, no sessionId: events 12 minutes apart inside one slot, then 20 minutes later. */
  const stream = (): Event[] =>
    ["2026-05-01T10:01:00.000Z", "2026-05-01T10:13:00.000Z", "2026-05-01T10:33:00.000Z"].map((timestamp) => makeEvent({ userId: "u1", channel: "telegram", type: "message_received", timestamp}));

  async function sessionsOf(timeoutMin: number, range: string) {
    const project = await createProject(storage);
    await setSessionTimeout(storage, project.projectId, timeoutMin);
    await loadEventsInTwoParts(storage, project.projectId, stream());
    const get = async (path: string) => {
      const res = await request(testApp.app).get(`/api/v1/${path}${path.includes("?") ? "&" : "?"}${range}&tz=UTC`).set({ Authorization: `Bearer ${project.readKey}` });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    const overview = await get("overview");
    const channels = await get("channels");
    const repeat = await get("repeat");
    const series = await get("timeseries?metric=sessions&interval=day");
    return { overview: overview.current.sessions, channels: channels.channels[0].sessions, repeatUsersWith: repeat.histogram, series: series.points[0].value };
  }

  // Date bounds (on slots: the rollup path when the timeout allows) and instant bounds off slots (events path).
  it.each(["from=2026-05-01&to=2026-05-02", "from=2026-05-01T00:00:01Z&to=2026-05-01T23:59:59Z"])("a 10-minute project splits what a 30-minute one keeps together (%s)", async (range) => {
    const ten = await sessionsOf(10, range);
    const thirty = await sessionsOf(30, range);
    expect(ten).toEqual({ overview: 3, channels: 3, repeatUsersWith: [{ sessions: "1", users: 0 }, { sessions: "2", users: 0 }, { sessions: "3", users: 1 }, { sessions: "4", users: 0 }, { sessions: "5+", users: 0 }], series: 3 });
    expect(thirty).toEqual({ overview: 1, channels: 1, repeatUsersWith: [{ sessions: "1", users: 1 }, { sessions: "2", users: 0 }, { sessions: "3", users: 0 }, { sessions: "4", users: 0 }, { sessions: "5+", users: 0 }], series: 1 });
    // A project without a setting (0) gets the 30-minute default.
    expect(await sessionsOf(0, range)).toEqual(thirty);
  });
});
