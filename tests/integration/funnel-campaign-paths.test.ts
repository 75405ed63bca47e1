/**
 * A funnel broken down by campaign reads each user's first-touch campaign from the first-touch rollup when it
 * can (no botId filter: every event of the user is in scope) and from the events otherwise. Both paths forced
 * on random streams (resends in separate inserts, equal times, several channels and campaigns, the channel
 * and campaign filters; every mode with its exclusions, hold, optional steps, per-step windows and a property
 * taken at a step) must give the same rows, user by user.
 */
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { runQuery } from "../../warehouse/src/run-query.js";
import { campaignPath, userFunnelsSql, type CampaignPath } from "../../api/src/metrics/funnel/user-funnels-sql.js";
import { createProject, freshDatabase, loadEventsInTwoParts } from "../support/engine.js";
import { BASE_MS, MINUTE, scenarioArb } from "../reference/funnel-arbitraries.js";
import { exampleExclusions } from "../reference/funnel-examples.js";
import { propertyRuns } from "../support/property-runs.js";

const RUNS = propertyRuns("FUNNEL_CAMPAIGN_PATHS_RUNS", 30);
const RowSchema = z.object({ channel: z.string(), user_id: z.string(), d_campaign: z.string(), d_p0: z.string().nullable().optional(), level: z.coerce.number(), start_rel: z.coerce.number(), completed: z.array(z.coerce.number()) });

describe("a funnel's campaign breakdown: rollup and events paths", () => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await freshDatabase();
  });

  it("picks the rollup only without a botId filter and with campaign the only first-touch dimension", () => {
    const filters = { projectId: "p", fromMs: 0, toMs: 1, tz: "UTC", channels: undefined, botId: undefined, campaign: undefined, currency: undefined };
    const definition = { steps: [], window: 60, mode: "ordered" as const };
    expect(campaignPath(filters, { ...definition, breakdown: ["campaign"] })).toBe("rollup");
    expect(campaignPath(filters, { ...definition, breakdown: ["channel", "campaign"] })).toBe("rollup");
    expect(campaignPath({ ...filters, botId: "bot-a" }, { ...definition, breakdown: ["campaign"] })).toBe("events");
    expect(campaignPath(filters, { ...definition, breakdown: ["campaign", "source"] })).toBe("events");
    expect(campaignPath(filters, { ...definition, breakdown: ["campaign", "botId"] })).toBe("events");
  });

  it(`answer alike on ${RUNS} random streams`, { timeout: 600_000 }, async () => {
    let withCampaign = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const { projectId } = await createProject(storage);
        await loadEventsInTwoParts(storage, projectId, s.events);
        const fromMs = BASE_MS + s.range[0] * 10 * MINUTE;
        const filters = { projectId, fromMs, toMs: fromMs + s.range[1] * 10 * MINUTE, tz: "UTC", channels: s.channel, botId: undefined, campaign: s.campaign, currency: undefined };
        // With the scenario's exclusions and hold, and a property taken at a step when it draws one: the rollup's rows
        // sit beside the step events in every mode's GROUP BY.
        const atStep = s.attributionStep === 0 ? undefined : Math.min(s.attributionStep, s.steps.length);
        const definition = {
          steps: s.steps,
          window: s.window.ms / 1000,
          mode: s.mode,
          breakdown: ["channel" as const, "campaign" as const, ...(atStep === undefined ? [] : (["properties.plan"] as const))],
          ...(atStep === undefined ? {} : { breakdownAttribution: { kind: "step" as const, step: atStep } }),
          exclusions: exampleExclusions(s.exclude, s.steps.length),
          ...(s.hold === undefined ? {} : { hold: s.hold }),
        };
        expect(campaignPath(filters, definition)).toBe("rollup");
        const rows = async (path: CampaignPath) => {
          const query = userFunnelsSql(storage.database, filters, definition, path);
          const plan = atStep === undefined ? "" : ", d_p0";
          return runQuery(storage, `SELECT channel, user_id, d_campaign${plan}, level, start_rel, completed FROM (${query.sql}) ORDER BY channel, user_id`, query.params, RowSchema);
        };
        const fromRollup = await rows("rollup");
        expect(fromRollup).toEqual(await rows("events"));
        if (fromRollup.some((row) => row.d_campaign !== "")) withCampaign++;
      }),
      { numRuns: RUNS },
    );
    // The streams must carry campaigns for the comparison to mean anything.
    expect(withCampaign).toBeGreaterThan(RUNS / 4);
  });
});
