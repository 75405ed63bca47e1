import {
  FunnelDropoffQuerySchema,
  FunnelDropoffResponseSchema,
  FunnelQuerySchema,
  FunnelResponseSchema,
  DEFAULT_FUNNEL_BREAKDOWN_LIMIT,
  MAX_DROPOFF_LIMIT,
  MAX_FUNNEL_BINS,
  MAX_FUNNEL_BREAKDOWN_GROUPS,
} from "@chatfunnel/schemas";
import { InvalidParameterError } from "../http/params.js";
import { dropoffCsv } from "../metrics/funnel/csv.js";
import { funnelDefinition } from "../metrics/funnel/definition.js";
import { funnelDropoff } from "../metrics/funnel/dropoff.js";
import { funnel } from "../metrics/funnel/funnel.js";
import { metricRoute, type ApiRoute } from "./api-route.js";

const STEPS_HELP =
  "`steps` is repeated 2–20 times, in order. Each is an event type, optionally with property filters in brackets, or several such " +
  "joined by `|` (`lead|order[plan=pro]`: an event matches the step when it matches any of them, at most 5). Filters: `[p=v]` the " +
  "property is present with exactly that text; `[p!=v]` the negation (an event without `p` matches); `[p>v]`, `[p>=v]`, `[p<v]`, " +
  "`[p<=v]` the property's text is a number (`100`, `-2.5`, `1e3`; within a double's range) compared with v — a non-numeric or " +
  "absent value never matches; `[p~v]` contains, case-insensitive (Unicode lowercase of both sides); `[p?]` is set, `[p!?]` is not " +
  "set. A filter splits at its first operator character (= ! < > ~ ?), and a value cannot contain `]`; otherwise use JSON: " +
  '`{"type":"order","filters":{"plan":"pro","items":2}}` (equality; numbers, booleans and null compare as their JSON text), ' +
  '`{"type":"order","filters":[{"property":"amount","op":">","value":"100"},{"property":"utm","op":"?"}]}`, ' +
  '`{"anyOf":[{"type":"lead"},{"type":"order"}]}`. A step the grammar cannot read is a 400 naming `steps[i]` (0-based). ' +
  "`window` is `30m`, `12h` or `7d` (default 7d, at most 90d). A step from the second on may end in a per-step window, `lead<=1h` " +
  '(JSON `"within":"1h"`): it happens at most that long after the previous step; ordered and strict modes only. In ordered mode a ' +
  "user reaches a step when some chain of events satisfies every window (not only the earliest matches), and the times come from " +
  "the earliest such chain, step by step. `exclude` (repeatable, at most 5): an event in the steps grammar with an optional range of " +
  "steps, `handoff` or `handoff[reason~price]:2-3` (default the whole funnel): an attempt's consecutive steps j, j+1 with a ≤ j < b must " +
  "have no such event strictly between their times (ordered mode finds a chain avoiding it if one exists; in strict mode any event " +
  "between two steps already ends the attempt; any mode refuses exclusions).";

const MODES_HELP =
  "Modes: `ordered` (default) — steps happen in order, other events may come between; `strict` — each step is the very next event " +
  "of the user in scope after the previous step (any event between ends the attempt); `any` — steps 1..k all happen within the window " +
  "of the attempt's first event, in any order, and one event may satisfy several steps. The first step (in `any` mode: the attempt's " +
  "first event) must fall in [from, to); later steps may be after `to`, up to the window. Events at the same millisecond are ordered by the " +
  "first step they match (events matching none last). Each user counts once, at the furthest step reached; times to convert (seconds, " +
  "median = mean of the two middle values) come from the user's earliest attempt reaching that step, measured from its start; " +
  "`medianSecondsFromPrevious` / `meanSecondsFromPrevious` measure, in that same attempt, from the previous step's completion. " +
  `\`bins=n\` (1–${MAX_FUNNEL_BINS}) adds \`timeToConvertBins\`: per step from the second, over all users (not per breakdown group), n equal-width ` +
  "bins of the time from the first step, from 0 to the longest (`fromSeconds` inclusive, `toSeconds` exclusive but for the last bin; " +
  "all bins [0, 0] with the users in the first when every time is 0; none for a step nobody reached).";

/** funnel and funnel/dropoff. */
export const funnelRoutes: ApiRoute[] = [
  metricRoute({
    path: "/api/v1/funnel",
    metric: "funnel",
    query: FunnelQuerySchema,
    doc: {
      summary: "Conversion through 2–20 steps: users, conversion, drop-off and time to convert per step, optionally by channel, campaign, source, bot or any property",
      description:
        `${STEPS_HELP}\n\n${MODES_HELP}\n\n` +
        "`breakdown` (repeatable: channel, campaign, source, botId, and up to 2 `properties.<name>`) adds one funnel per combination of values; campaign and source are " +
        "first touch (the user's earliest event with one), botId the bot of the user's earliest event; users without a value form the null group. " +
        "A property's value follows `breakdownAttribution`: `first_touch` (default; the user's earliest event in scope with the property, any time) or `step:k` " +
        "(the event that completed step k of the chosen attempt — in `any` mode the first event matching step k from the start; among events equal to it in time " +
        "and steps matched, the smallest text as UTF-8 bytes; null when the user did not reach k or the event lacks it). An empty text is a value, not null. " +
        `Groups are ordered by users at step 1 (then by values, null first); the first \`breakdownLimit\` (default ${DEFAULT_FUNNEL_BREAKDOWN_LIMIT}, at most ${MAX_FUNNEL_BREAKDOWN_GROUPS}) ` +
        "are listed and the rest summed into one last group `{values: {}, other: true}` computed over all their users (`breakdownsTruncated` is then true).",
      response: FunnelResponseSchema,
    },
    handle: ({ deps, query, filters }) => funnel(deps.storage, filters, funnelDefinition(query)),
  }),
  metricRoute({
    path: "/api/v1/funnel/dropoff",
    metric: "funnel_dropoff",
    query: FunnelDropoffQuerySchema,
    doc: {
      summary: "Users who reached step − 1 of a funnel and not `step`, as JSON or CSV",
      description:
        `Takes every parameter of /api/v1/funnel plus \`step\` (2..number of steps). One page of at most \`limit\` users ` +
        `(default 1000, at most ${MAX_DROPOFF_LIMIT}) from \`offset\`, ordered by channel then userId; \`total\` counts them all. ` +
        "`format=csv` or `Accept: text/csv` answers CSV (header channel,userId,reachedAt; RFC 4180 quoting; the total in X-Total-Count).",
      response: FunnelDropoffResponseSchema,
      responseMediaTypes: ["text/csv"],
    },
    handle: async ({ deps, req, res, query, filters }) => {
      if (query.step > query.steps.length) {
        const message = `must be between 2 and the number of steps (${query.steps.length})`;
        throw new InvalidParameterError(`invalid parameter 'step': ${message}`, [{ path: "step", message }]);
      }
      // format wins over Accept; without either the answer is JSON.
      const csv = query.format === "csv" || (query.format === undefined && req.accepts(["application/json", "text/csv"]) === "text/csv");
      const answer = await funnelDropoff(deps.storage, filters, funnelDefinition(query), { step: query.step, limit: query.limit, offset: query.offset });
      if (!csv) return answer;
      res.setHeader("X-Total-Count", String(answer.total));
      res.type("text/csv; charset=utf-8").send(dropoffCsv(answer.users));
      return undefined;
    },
  }),
];
